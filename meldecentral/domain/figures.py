"""Small statistics for the coordinators' dashboard, in pure Python.

The dashboard's medians and 90th percentiles of durations are taken from counts per bucket
(``bucket_percentile``): the database, PostgreSQL or SQLite alike, returns how many durations
fall in each bucket rather than every duration, so the answer stays a few hundred rows however
many assignments the window holds. ``percentile`` is the exact definition they approximate
(PostgreSQL's ``percentile_cont``: linear interpolation between the closest ranks), to within
half a bucket.
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


# Durations are counted in buckets rather than read one by one, so that the database returns a
# few hundred rows per unit and urgency however many assignments there are: one minute wide
# under 2 hours, five minutes under 2 days, an hour beyond. (start, width: seconds)
BUCKET_SCALE = ((0, 60), (2 * 3600, 300), (48 * 3600, 3600))


def bucket_offsets() -> list[tuple[int, int, int]]:
    """(start, width, first bucket number) of each part of BUCKET_SCALE."""
    out, first = [], 0
    for i, (start, width) in enumerate(BUCKET_SCALE):
        out.append((start, width, first))
        if i + 1 < len(BUCKET_SCALE):
            first += (BUCKET_SCALE[i + 1][0] - start) // width
    return out


def bucket_of(seconds: float) -> int:
    """The bucket a duration falls in (what the SQL of services/worklists/dashboard computes)."""
    for start, width, first in reversed(bucket_offsets()):
        if seconds >= start or start == 0:
            return first + int((seconds - start) // width)
    raise AssertionError("unreachable")


def bucket_value(bucket: int) -> float:
    """The duration a bucket stands for: its middle, in seconds."""
    for start, width, first in reversed(bucket_offsets()):
        if bucket >= first or first == 0:
            return start + (bucket - first) * width + width / 2
    raise AssertionError("unreachable")


def bucket_percentile(counts: dict[int, int], fraction: float) -> float | None:
    """``percentile`` of the durations counted in ``counts`` (bucket -> how many), each taken
    as its bucket's middle: exact to within half a bucket."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    n = sum(counts.values())
    if n == 0:
        return None
    rank = fraction * (n - 1)
    low_rank = int(rank)
    ordered = sorted((b, c) for b, c in counts.items() if c > 0)

    def value_at(k: int) -> float:
        seen = 0
        for bucket, count in ordered:
            seen += count
            if k < seen:
                return bucket_value(bucket)
        return bucket_value(ordered[-1][0])

    low = value_at(low_rank)
    high = value_at(min(low_rank + 1, n - 1))
    return low + (high - low) * (rank - low_rank)
