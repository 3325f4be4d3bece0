"""Statistical disclosure control for the public figures: no count under the threshold (5)
can be read, neither directly nor by subtracting published numbers from a published total.

Figures are named by keys; a ``Line`` says that one figure (the total) is the sum of others
(the parts): a district's year is the sum of its weeks, the city's year the sum of the
districts'. The rule, applied until nothing changes:

1. primary suppression: every figure under the threshold is suppressed (0 as well: showing
   0 would narrow "under 5" to 1-4, and a 0 read from a difference would be a small count);
2. complementary suppression: for every line whose total is published, the suppressed parts
   must add up to at least the threshold, so that the total minus the published parts (which
   is exactly that sum) is never a small number. While they do not, the smallest published
   part is suppressed too (ties broken by key, so the result is deterministic); when no part
   is left to suppress, the total is suppressed.

Suppression only ever grows, so the loop ends. This is the one place the rule lives; every
public output is built from the result (services/facts/publish.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

THRESHOLD = 5


@dataclass(frozen=True)
class Line:
    total: Hashable
    parts: tuple[Hashable, ...]


def suppressed(
    values: Mapping[Hashable, int], lines: Iterable[Line], threshold: int = THRESHOLD
) -> set[Hashable]:
    """The keys of ``values`` that must not be published."""
    lines = list(lines)
    hidden = {key for key, n in values.items() if n < threshold}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.total in hidden:
                continue
            masked = [p for p in line.parts if p in hidden]
            if not masked or sum(values[p] for p in masked) >= threshold:
                continue
            shown = [p for p in line.parts if p not in hidden]
            if shown:
                hidden.add(min(shown, key=lambda p: (values[p], repr(p))))
            else:
                hidden.add(line.total)
            changed = True
    return hidden


def residual_ok(
    values: Mapping[Hashable, int],
    lines: Iterable[Line],
    hidden: set[Hashable],
    threshold: int = THRESHOLD,
) -> bool:
    """The check the tests make: no published total minus its published parts is a small
    positive or zero remainder made of suppressed parts."""
    for line in lines:
        if line.total in hidden:
            continue
        masked = [p for p in line.parts if p in hidden]
        if masked and sum(values[p] for p in masked) < threshold:
            return False
    return True
