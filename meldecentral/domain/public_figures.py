"""The shape of the public figures: which numbers are published and which are sums of which
(the lines the disclosure rule checks, domain/disclosure.py).

Base cells are report counts per district, category group and local ISO week. Published:
- each week's cell (the open data);
- per district and group, the sum over a period (the last 52 complete weeks, "current", and
  the 52 before, "previous");
- per district, the sum over the groups; per group, the sum over the districts (the city);
- the city's sum over everything.
Reports without a district, or in a category of no group, are counted in none of these.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import date

from meldecentral.domain.disclosure import Line

CURRENT = "current"
PREVIOUS = "previous"


def week_key(district: int, group: str, week: date) -> tuple:
    return ("week", district, group, week)


def district_group_key(district: int, group: str, period: str) -> tuple:
    return ("district_group", district, group, period)


def district_key(district: int, period: str) -> tuple:
    return ("district", district, period)


def group_key(group: str, period: str) -> tuple:
    return ("group", group, period)


def city_key(period: str) -> tuple:
    return ("city", period)


def figures(
    cells: Mapping[tuple[int, str, date], int],
    districts: Sequence[int],
    groups: Sequence[str],
    periods: Mapping[str, Sequence[date]],
) -> tuple[dict[Hashable, int], list[Line]]:
    """Every published figure's true value, and the lines that tie them together. The
    periods' weeks must not overlap (each week cell belongs to one period's sums)."""
    values: dict[Hashable, int] = {}
    lines: list[Line] = []
    for period, weeks in periods.items():
        for d in districts:
            for g in groups:
                parts = tuple(week_key(d, g, w) for w in weeks)
                for w, key in zip(weeks, parts, strict=True):
                    values[key] = cells.get((d, g, w), 0)
                total = district_group_key(d, g, period)
                values[total] = sum(values[p] for p in parts)
                lines.append(Line(total, parts))
            parts = tuple(district_group_key(d, g, period) for g in groups)
            values[district_key(d, period)] = sum(values[p] for p in parts)
            lines.append(Line(district_key(d, period), parts))
        for g in groups:
            parts = tuple(district_group_key(d, g, period) for d in districts)
            values[group_key(g, period)] = sum(values[p] for p in parts)
            lines.append(Line(group_key(g, period), parts))
        city = city_key(period)
        by_district = tuple(district_key(d, period) for d in districts)
        values[city] = sum(values[p] for p in by_district)
        lines.append(Line(city, by_district))
        lines.append(Line(city, tuple(group_key(g, period) for g in groups)))
    return values, lines
