"""The safety index (tryghedsindeks) of a district, 0-100, higher is safer. docs/safety-index.md
has the formula in words and symbols; the public page shows every part.

Three components, each 0-100:
- rate: the district's severity-weighted report rate per 1,000 residents over the last 52
  weeks, against the city's: 100 with no reports, 50 at the city's rate, 0 at twice it or more;
- trend: the change of that rate against the 52 weeks before, linearly: 50 unchanged, 100 at
  a fall of 100 %, 0 at a rise of 100 % (doubled) or more;
- survey: the mean of the shares of residents who feel safe in their neighbourhood and who
  feel safe there in the evening and at night (the latest survey year).
The index is their weighted mean (0.4, 0.2, 0.4) over the components that can be computed,
the weights of the others spread over the rest; with none, there is no index.

The report counts come from the published (suppressed) figures only, so the index reveals
nothing the figures do not: a suppressed group's count is unknown, but the district's total
minus its published groups is public, and that remainder is weighted with the mean severity of
the suppressed groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

WEIGHTS = {"rate": 0.4, "trend": 0.2, "survey": 0.4}


def clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, x))


def weighted_count(
    published: Mapping[str, int | None], severity: Mapping[str, float], total: int | None
) -> float | None:
    """Σ severity × count over the groups, from published figures (None: suppressed)."""
    if total is None:
        return None
    shown = {g: n for g, n in published.items() if n is not None}
    masked = [g for g, n in published.items() if n is None]
    weighted = sum(severity[g] * n for g, n in shown.items())
    if masked:
        remainder = total - sum(shown.values())
        weighted += remainder * sum(severity[g] for g in masked) / len(masked)
    return weighted


def rate_per_1000(weighted: float | None, population: int | None) -> float | None:
    if weighted is None or not population:
        return None
    return 1000 * weighted / population


def rate_score(rate: float | None, city_rate: float | None) -> float | None:
    """100 × clamp(1 − R / (2 R_city))."""
    if rate is None or city_rate is None:
        return None
    if city_rate == 0:
        return 100.0 if rate == 0 else 0.0
    return 100 * clamp(1 - rate / (2 * city_rate))


def trend_score(rate: float | None, previous_rate: float | None) -> float | None:
    """100 × clamp(½ − Δ/2), Δ = (R − R_prev) / R_prev: no previous rate, no trend."""
    if rate is None or not previous_rate:
        return None
    change = (rate - previous_rate) / previous_rate
    return 100 * clamp(0.5 - change / 2)


def survey_score(safe_neighbourhood: float | None, safe_evening: float | None) -> float | None:
    if safe_neighbourhood is None or safe_evening is None:
        return None
    return (safe_neighbourhood + safe_evening) / 2


@dataclass
class SafetyIndex:
    value: float | None
    components: dict[str, float | None]
    weights: dict[str, float] = field(default_factory=dict)  # as applied (renormalised)


def combine(components: Mapping[str, float | None], weights: Mapping[str, float] = WEIGHTS):
    """The weighted mean of the components present, weights renormalised over them."""
    present = {k: v for k, v in components.items() if v is not None}
    total_weight = sum(weights[k] for k in present)
    if not present or total_weight == 0:
        return SafetyIndex(None, dict(components), {})
    applied = {k: weights[k] / total_weight for k in present}
    value = sum(applied[k] * v for k, v in present.items())
    return SafetyIndex(value, dict(components), applied)
