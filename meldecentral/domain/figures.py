"""Small statistics for the coordinators' dashboard, in pure Python.

PostgreSQL computes the dashboard's percentiles itself (``percentile_cont``); SQLite has no
such aggregate, so there the service reads the window's durations and calls ``percentile``,
which gives the same answer: linear interpolation between the closest ranks.
"""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """``percentile_cont(fraction)`` of ``values`` (None for none): the value at rank
    ``fraction * (n - 1)`` of the sorted values, interpolated linearly between neighbours."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def hours(seconds: float | None) -> float | None:
    """Seconds as hours, one decimal (what the dashboard shows); None stays None."""
    return None if seconds is None else round(seconds / 3600, 1)
