"""The dashboard's percentile (domain/figures.py): PostgreSQL's percentile_cont, in Python."""

from __future__ import annotations

import pytest

from meldecentral.domain.figures import hours, percentile


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
