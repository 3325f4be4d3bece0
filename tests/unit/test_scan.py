"""The hotspot scan on synthetic counts: a planted hotspot is found; without one, alarms come
at no more than the stated false-alarm rate (fixed seeds, so the outcome is reproducible)."""

from __future__ import annotations

import h3
import numpy as np
import pytest

from meldecentral.domain import hotspots, scan

CENTRE = h3.latlng_to_cell(55.68, 12.57, hotspots.RESOLUTION)
CELLS = sorted(h3.grid_disk(CENTRE, 5))  # 91 cells, about Copenhagen's size
RINGS = {cell: [[cell], sorted(h3.grid_disk(cell, 1))] for cell in CELLS}
WINDOW, BASELINE = 8, 52


def _counts(rng, weekly, boost=None):
    rates = np.array([weekly[c] for c in CELLS])
    baseline = rng.poisson(rates * BASELINE)
    window_rates = rates * WINDOW
    if boost:
        window_rates = window_rates * np.array([boost.get(c, 1.0) for c in CELLS])
    return rng.poisson(window_rates), baseline


def _weekly(rng):
    # Busy and quiet cells alike: between 0.2 and 3 reports a week.
    return {cell: float(rng.uniform(0.2, 3.0)) for cell in CELLS}


def _scan(observed, baseline, seed, **kw):
    return scan.scan(
        CELLS,
        observed.tolist(),
        baseline.tolist(),
        RINGS,
        window_weeks=WINDOW,
        baseline_weeks=BASELINE,
        seed=seed,
        **kw,
    )


def test_a_planted_hotspot_is_found():
    rng = np.random.default_rng(17)
    weekly = _weekly(rng)
    planted = set(h3.grid_disk(CELLS[40], 1))
    observed, baseline = _counts(rng, weekly, boost={c: 2.5 for c in planted})
    result = _scan(observed, baseline, seed=1)
    assert result.alarms, "the planted hotspot was not found"
    first = result.alarms[0]
    assert first.p_value <= scan.DEFAULT_ALPHA
    assert set(first.cells) & planted
    assert first.observed > first.expected
    # Nothing far from the planted area is flagged.
    for region in result.alarms:
        assert set(region.cells) & planted


@pytest.mark.parametrize("alpha", [0.05])
def test_without_a_hotspot_alarms_come_at_the_stated_rate(alpha):
    rng = np.random.default_rng(2026)
    runs, alarms = 100, 0
    for run in range(runs):
        observed, baseline = _counts(rng, _weekly(rng))
        result = _scan(observed, baseline, seed=run, alpha=alpha, replicas=99)
        alarms += bool(result.alarms)
    # About alpha * runs = 5 expected; more than 11 has probability < 1 % if the rate holds.
    # (600 such runs gave 5.2 %; with the baseline taken as exact, as in a plain Poisson
    # null, they gave about 15 %: the test fails on that.)
    assert alarms <= 11, f"{alarms} false alarms in {runs} runs at alpha {alpha}"


def test_the_log_likelihood_ratio():
    assert scan.llr(np.array([5.0]), np.array([5.0]))[0] == 0
    assert scan.llr(np.array([2.0]), np.array([5.0]))[0] == 0
    value = scan.llr(np.array([10.0]), np.array([5.0]))[0]
    assert value == pytest.approx(10 * np.log(2) + 5 - 10)


def test_expected_scales_the_cells_own_baseline_to_the_window():
    got = scan.expected_counts(np.array([52.0, 0.0]), 8, 52)
    assert got.tolist() == pytest.approx([(52 + scan.PRIOR) * 8 / 52, scan.PRIOR * 8 / 52])


def test_no_cells_no_alarm():
    result = scan.scan([], [], [], {}, window_weeks=8, baseline_weeks=52)
    assert result.alarms == () and result.p_value == 1.0
