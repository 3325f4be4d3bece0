"""The safety index (domain/safety_index.py) against values computed by hand
(docs/safety-index.md)."""

from __future__ import annotations

import pytest

from meldecentral.domain import safety_index as si

SEVERITY = {"VIOLENCE": 3, "DRUGS": 2, "OTHER": 1}


def test_weighted_count_from_published_figures():
    # All published: 3*10 + 2*6 + 1*8 = 50.
    assert si.weighted_count({"VIOLENCE": 10, "DRUGS": 6, "OTHER": 8}, SEVERITY, 24) == 50
    # DRUGS and OTHER suppressed: the remainder 18 - 10 = 8 at their mean weight 1.5 -> 30 + 12.
    assert si.weighted_count({"VIOLENCE": 10, "DRUGS": None, "OTHER": None}, SEVERITY, 18) == 42
    # The total suppressed: unknown.
    assert (
        si.weighted_count({"VIOLENCE": None, "DRUGS": None, "OTHER": None}, SEVERITY, None) is None
    )


def test_the_parts_and_the_index_by_hand():
    rate = si.rate_per_1000(42, 20_000)
    assert rate == pytest.approx(2.1)
    assert si.rate_score(rate, 2.8) == pytest.approx(62.5)  # 100 * (1 - 2.1 / 5.6)
    assert si.trend_score(rate, 3.0) == pytest.approx(65.0)  # change -30 %: 100 * (0.5 + 0.15)
    assert si.survey_score(90, 70) == pytest.approx(80.0)
    index = si.combine({"rate": 62.5, "trend": 65.0, "survey": 80.0})
    assert index.value == pytest.approx(70.0)  # 0.4*62.5 + 0.2*65 + 0.4*80 = 25 + 13 + 32
    assert index.weights == pytest.approx({"rate": 0.4, "trend": 0.2, "survey": 0.4})


def test_a_missing_part_spreads_its_weight_over_the_others():
    index = si.combine({"rate": 62.5, "trend": None, "survey": 80.0})
    assert index.weights == pytest.approx({"rate": 0.5, "survey": 0.5})
    assert index.value == pytest.approx(71.25)
    assert si.combine({"rate": None, "trend": None, "survey": None}).value is None


@pytest.mark.parametrize(
    ("rate", "city", "score"),
    [
        (0, 2.0, 100.0),
        (2.0, 2.0, 50.0),
        (4.0, 2.0, 0.0),
        (9.0, 2.0, 0.0),
        (0, 0, 100.0),
        (1, 0, 0.0),
    ],
)
def test_rate_score_limits(rate, city, score):
    assert si.rate_score(rate, city) == pytest.approx(score)


@pytest.mark.parametrize(
    ("rate", "previous", "score"),
    [(2.0, 2.0, 50.0), (0.0, 2.0, 100.0), (4.0, 2.0, 0.0), (8.0, 2.0, 0.0), (3.0, 2.0, 25.0)],
)
def test_trend_score_limits(rate, previous, score):
    assert si.trend_score(rate, previous) == pytest.approx(score)


def test_no_previous_rate_no_trend():
    assert si.trend_score(2.0, 0) is None
    assert si.trend_score(2.0, None) is None
    assert si.rate_score(None, 2.0) is None
