"""The dashboard's percentile (domain/figures.py): PostgreSQL's percentile_cont, in Python."""

from __future__ import annotations

import pytest

from meldecentral.domain.figures import (
    bucket_of,
    bucket_percentile,
    bucket_value,
    hours,
    percentile,
)


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7], 0.5, 7),
        ([7], 0.9, 7),
        ([1, 3], 0.5, 2),  # between the two
        ([3, 1, 2], 0.5, 2),  # sorted first
        ([1, 2, 3, 4], 0.5, 2.5),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1),  # rank 8.1
        ([0, 10], 0.9, 9),
        ([5, 1, 9], 0, 1),
        ([5, 1, 9], 1, 9),
    ],
)
def test_percentile_interpolates_as_percentile_cont(values, fraction, expected):
    result = percentile(values, fraction)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_percentile_refuses_a_fraction_outside_0_1(fraction):
    with pytest.raises(ValueError):
        percentile([1, 2], fraction)


@pytest.mark.parametrize(("seconds", "expected"), [(None, None), (0, 0), (5400, 1.5), (100, 0.0)])
def test_hours(seconds, expected):
    assert hours(seconds) == expected


@pytest.mark.parametrize(
    ("seconds", "bucket", "middle"),
    [
        (0, 0, 30),  # a minute wide under 2 hours
        (59, 0, 30),
        (3600, 60, 3630),
        (7199, 119, 7170),
        (7200, 120, 7350),  # five minutes wide under 2 days
        (7499, 120, 7350),
        (172799, 671, 172650),
        (172800, 672, 174600),  # an hour wide beyond
        (180000, 674, 181800),
    ],
)
def test_buckets(seconds, bucket, middle):
    assert bucket_of(seconds) == bucket
    assert bucket_value(bucket) == middle


def test_bucket_percentile_is_within_half_a_bucket_of_the_exact_one():
    durations = [60 * m for m in (5, 17, 45, 90, 130, 200, 600, 1500, 3000, 4000)]
    counts: dict[int, int] = {}
    for d in durations:
        counts[bucket_of(d)] = counts.get(bucket_of(d), 0) + 1
    for fraction in (0, 0.5, 0.9, 1):
        exact = percentile(durations, fraction)
        assert abs(bucket_percentile(counts, fraction) - exact) <= 1800, fraction
    assert bucket_percentile({}, 0.5) is None
