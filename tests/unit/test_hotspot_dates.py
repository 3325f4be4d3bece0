"""When a temporary hotspot is active (local dates, inclusive, across a change of clocks) and
how its weekly trend is counted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from meldecentral.domain import hotspots

ZONE = "Europe/Copenhagen"


@pytest.mark.parametrize(
    "first, last, starts, ends",
    [
        # Winter (UTC+1): local midnight is 23:00 UTC the day before.
        (date(2026, 1, 5), date(2026, 1, 6), datetime(2026, 1, 4, 23), datetime(2026, 1, 6, 23)),
        # Across the spring change (29 March 2026): the end is at UTC+2.
        (
            date(2026, 3, 28),
            date(2026, 3, 29),
            datetime(2026, 3, 27, 23),
            datetime(2026, 3, 29, 22),
        ),
    ],
)
def test_active_from_local_midnight_through_the_last_day(first, last, starts, ends):
    got = hotspots.active_bounds(first, last, ZONE)
    assert got == (starts.replace(tzinfo=UTC), ends.replace(tzinfo=UTC))
    a, b = got
    assert hotspots.is_active(a, a, b, hotspots.OPEN)
    assert not hotspots.is_active(a - timedelta(seconds=1), a, b, hotspots.OPEN)
    assert not hotspots.is_active(b, a, b, hotspots.OPEN)
    assert not hotspots.is_active(a, a, b, hotspots.CLOSED)


def test_weekly_trend_pairs_each_week_with_the_same_week_before():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=10)  # two weeks, the second partial
    before_start = start - (end - start)
    at = [
        start + timedelta(days=1),
        start + timedelta(days=8),
        start + timedelta(days=9),
        before_start + timedelta(hours=1),
        before_start - timedelta(days=1),  # too early: not counted
        end,  # the end is exclusive
    ]
    assert hotspots.weekly_trend(at, before_start, start, end) == [(1, 1), (2, 0)]


def test_a_report_without_a_point_has_no_cell():
    assert hotspots.cell_of(None, 12.5) is None
    assert hotspots.cell_of(55.69, 12.54).startswith("88")  # resolution 8
