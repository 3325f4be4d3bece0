"""The disclosure rule (domain/disclosure.py) on the shape of the public figures
(domain/public_figures.py): no number under 5 can be read, directly or by subtracting
published numbers, across every figure published (the facts and the weekly open data)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from meldecentral.domain import public_figures as pf
from meldecentral.domain.disclosure import THRESHOLD, Line, residual_ok, suppressed


def test_counts_under_five_are_suppressed_zero_included():
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": 120}
    assert suppressed(values, []) == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("parts", "total_hidden", "hidden_parts"),
    [
        # One small part: the smallest published part goes with it (8, not 10).
        ({"a": 10, "b": 3, "c": 8}, False, {"b", "c"}),
        # Two small parts that add up to 5 or more: nothing more to hide.
        ({"a": 10, "b": 3, "c": 2}, False, {"b", "c"}),
        # Zeros reveal nothing by their sum only when it is 5 or more: 7 must go too.
        ({"a": 0, "b": 0, "c": 7}, False, {"a", "b", "c"}),
        # Every part small but together 6: the total may be shown, the parts not.
        ({"a": 2, "b": 2, "c": 2}, False, {"a", "b", "c"}),
        # Nothing small: nothing hidden.
        ({"a": 10, "b": 6}, False, set()),
        # A small total hides itself and all its parts.
        ({"a": 1, "b": 2}, True, {"a", "b"}),
    ],
)
def test_one_line(parts, total_hidden, hidden_parts):
    values = {**parts, "T": sum(parts.values())}
    line = Line("T", tuple(parts))
    hidden = suppressed(values, [line])
    assert ("T" in hidden) is total_hidden
    assert hidden - {"T"} == hidden_parts
    assert residual_ok(values, [line], hidden)


def test_a_total_is_hidden_when_no_part_is_left_to_hide():
    # The total's only other part is small, and every part is already hidden by its own rule:
    # T = 3 is small itself; S = 3 + 0 = 3 is hidden too (under 5).
    values = {"x": 3, "y": 0, "S": 3}
    assert suppressed(values, [Line("S", ("x", "y"))]) == {"x", "y", "S"}


def test_the_result_does_not_depend_on_the_order_of_the_lines():
    values = {"a": 3, "b": 9, "c": 7, "d": 6, "r1": 12, "r2": 13, "c1": 9, "c2": 16}
    lines = [
        Line("r1", ("a", "b")),
        Line("r2", ("c", "d")),
        Line("c1", ("a", "d")),
        Line("c2", ("b", "c")),
    ]
    assert suppressed(values, lines) == suppressed(values, list(reversed(lines)))


# --- the subtraction attack over everything published ---------------------------------------

DISTRICTS = (1, 2, 3, 4)
GROUPS = ("VIOLENCE", "DRUGS", "OTHER")
MONDAY = date(2026, 1, 5)


def _periods(weeks: int) -> dict[str, list[date]]:
    current = [MONDAY + timedelta(weeks=i) for i in range(weeks)]
    previous = [w - timedelta(weeks=weeks) for w in current]
    return {pf.CURRENT: current, pf.PREVIOUS: previous}


def _cells_of(key, periods) -> frozenset:
    """The base cells (district, group, week) a published figure adds up."""
    kind = key[0]
    if kind == "week":
        return frozenset({key[1:]})
    if kind == "district_group":
        _, d, g, p = key
        return frozenset((d, g, w) for w in periods[p])
    if kind == "district":
        _, d, p = key
        return frozenset((d, g, w) for g in GROUPS for w in periods[p])
    if kind == "group":
        _, g, p = key
        return frozenset((d, g, w) for d in DISTRICTS for w in periods[p])
    _, p = key
    return frozenset((d, g, w) for d in DISTRICTS for g in GROUPS for w in periods[p])


def _random_cells(rng: random.Random, periods, scale: float) -> dict:
    cells = {}
    for weeks in periods.values():
        for w in weeks:
            for d in DISTRICTS:
                for g in GROUPS:
                    # Mostly small counts, some zero, now and then a large one.
                    n = int(rng.expovariate(1 / scale)) if rng.random() > 0.3 else 0
                    if n:
                        cells[(d, g, w)] = n
    return cells


def _attack(values, lines, hidden, periods) -> list[str]:
    """Every way of reading a small number from what is published; an empty list when none."""
    published = {k: v for k, v in values.items() if k not in hidden}
    found = [f"{k} = {v} published" for k, v in published.items() if v < THRESHOLD]
    # A published total less all its published parts (the rest is hidden parts).
    for line in lines:
        if line.total in hidden:
            continue
        rest = values[line.total] - sum(published.get(p, 0) for p in line.parts)
        if any(p in hidden for p in line.parts) and rest < THRESHOLD:
            found.append(f"{line.total} less its published parts = {rest}")
    # Any published figure less any published figure inside it.
    cells = {k: _cells_of(k, periods) for k in published}
    by_size = sorted(published, key=lambda k: len(cells[k]))
    for i, small in enumerate(by_size):
        for big in by_size[i + 1 :]:
            if cells[small] < cells[big] and values[big] - values[small] < THRESHOLD:
                found.append(f"{big} - {small} = {values[big] - values[small]}")
    return found


@pytest.mark.parametrize("scale", [0.7, 1.5, 3.0, 8.0])
def test_no_small_number_can_be_read_from_the_published_figures(scale):
    periods = _periods(weeks=6)
    rng = random.Random(int(scale * 1000))
    shown = complementary = 0
    for _ in range(25):
        cells = _random_cells(rng, periods, scale)
        values, lines = pf.figures(cells, DISTRICTS, GROUPS, periods)
        hidden = suppressed(values, lines)
        assert _attack(values, lines, hidden, periods) == []
        shown += len(values) - len(hidden)
        complementary += sum(1 for k in hidden if values[k] >= THRESHOLD)
    # Not a vacuous pass: figures were published, and some of 5 or more hidden to protect others.
    assert shown > 100 and complementary > 20


def test_the_attack_finds_what_suppressing_only_small_cells_leaves_open():
    """The check is not blind: hiding only the cells under 5 is caught by it."""
    periods = _periods(weeks=2)
    cells = {(1, "VIOLENCE", periods[pf.CURRENT][0]): 3, (1, "VIOLENCE", periods[pf.CURRENT][1]): 9}
    values, lines = pf.figures(cells, DISTRICTS, GROUPS, periods)
    primary_only = {k for k, v in values.items() if v < THRESHOLD}
    assert _attack(values, lines, primary_only, periods)
    assert _attack(values, lines, suppressed(values, lines), periods) == []
