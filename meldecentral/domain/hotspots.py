"""Hotspots: the grid the scan counts on, and when a temporary hotspot is active.

H3 resolution 8: hexagons of about 0.74 km² (edge about 460 m), so Copenhagen's 88 km² is some
120-150 cells, each a few blocks: small enough to point at a square or an estate, large enough
that a cell gets a few reports a week to compare against. A region is a cell and its ring of
neighbours up to MAX_RADIUS (radius 1: 7 cells, about 5 km²).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import h3

RESOLUTION = 8
MAX_RADIUS = 1
WINDOW_WEEKS = 8
BASELINE_WEEKS = 52

# Detected hotspots
NEW, ACCEPTED, DISMISSED = "new", "accepted", "dismissed"
DETECTION_STATUSES = (NEW, ACCEPTED, DISMISSED)
# Temporary hotspots
OPEN, CLOSED = "open", "closed"

# The report kind police and street workers file for "what is needed here"; it goes to the
# chief of the hotspot it is in.
NEED = "need"


def cell_of(lat: float | None, lon: float | None) -> str | None:
    if lat is None or lon is None:
        return None
    return h3.latlng_to_cell(lat, lon, RESOLUTION)


def rings(cell: str, radius: int = MAX_RADIUS) -> list[list[str]]:
    """The cells within k of ``cell``, for k = 0..radius (the scan's candidate regions)."""
    return [sorted(h3.grid_disk(cell, k)) for k in range(radius + 1)]


def cells_geojson(cells: list[str]) -> dict:
    """The cells as one GeoJSON geometry (a MultiPolygon), for the map and for a hotspot's
    area when a detection is accepted."""
    shape = h3.cells_to_h3shape(cells)
    return shape.__geo_interface__


def active_bounds(starts_on: date, ends_on: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants a hotspot is active between: from local midnight of the first day to
    local midnight after the last (the dates are inclusive)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(starts_on, time(0), tzinfo=tz)
    end = datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def is_active(now: datetime, starts_at: datetime, ends_at: datetime, status: str) -> bool:
    return status == OPEN and starts_at <= now < ends_at


def window(now: datetime) -> tuple[datetime, datetime, datetime]:
    """(baseline start, window start, window end): the last WINDOW_WEEKS up to ``now``, and
    the BASELINE_WEEKS before them."""
    window_start = now - timedelta(weeks=WINDOW_WEEKS)
    return window_start - timedelta(weeks=BASELINE_WEEKS), window_start, now


def weekly_trend(
    created: list[datetime], before_start: datetime, start: datetime, end: datetime
) -> list[tuple[int, int]]:
    """Counts per week since ``start`` (up to ``end``) paired with the same week before
    ``start``: index i is week i of the hotspot and week i of the equal period before it."""
    weeks = max(1, -(-(end - start) // timedelta(weeks=1)))
    during, before = [0] * weeks, [0] * weeks
    for at in created:
        if start <= at < end:
            during[min(weeks - 1, (at - start) // timedelta(weeks=1))] += 1
        elif before_start <= at < start:
            before[min(weeks - 1, (at - before_start) // timedelta(weeks=1))] += 1
    return list(zip(during, before, strict=True))
