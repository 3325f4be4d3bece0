"""Hotspot detection: the expectation-based Poisson scan statistic (Neill, Moore, Sabhnani and
Daniel, "Detection of emerging space-time clusters", KDD 2005), over H3 cells.

Each cell i has an observed count c_i (reports in the recent window of W weeks) and an expected
count b_i, its own rate over the B baseline weeks before the window, scaled to the window:
b_i = (baseline_i + PRIOR) * W / B. A candidate region S is a cell and its k-ring (k = 0..K).
Under the null hypothesis every cell's rate is the same in the window as in the baseline;
under the alternative the counts in S are Poisson(q * b_i) with q > 1. The log-likelihood
ratio of S is

    F(S) = C log(C / B) + B - C   if C > B, else 0,    C = sum c_i, B = sum b_i over S.

The run's statistic is F* = max over S. Its p-value comes from Monte Carlo: R replicas drawn
under the null (each cell's n_i = c_i + baseline_i reports split at random between window and
baseline in proportion W : B, a randomisation that also carries the baseline's noise),
p = (1 + #{replicas with F*_r >= F*}) / (R + 1). A region is an alarm when p <= alpha; since
the most likely region of a run under the null has p <= alpha with probability at most alpha,
a run raises a false alarm with probability at most alpha (docs/hotspots.md). Secondary regions
(not overlapping a better one) are compared with the same distribution of F*, which is
conservative for them.

Pure Python and numpy; the cell geometry is given as a neighbour table, so that this module
needs no H3 (the service computes the rings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# A weak prior on each cell's baseline: a cell with no reports in a year would otherwise expect
# zero and make any single report infinitely surprising.
PRIOR = 0.5
DEFAULT_ALPHA = 0.01
DEFAULT_REPLICAS = 999


@dataclass(frozen=True)
class Region:
    centre: str
    k: int  # the ring's radius: 0 the cell alone
    cells: tuple[str, ...]
    observed: int
    expected: float
    statistic: float  # the log-likelihood ratio F(S)
    p_value: float


@dataclass(frozen=True)
class ScanResult:
    statistic: float  # F*, the most likely region's
    p_value: float
    replicas: int
    alpha: float
    alarms: tuple[Region, ...]  # p <= alpha, best first, not overlapping
    top: Region | None  # the most likely region, alarm or not


def expected_counts(baseline: np.ndarray, window_weeks: float, baseline_weeks: float) -> np.ndarray:
    """Each cell's own baseline rate scaled to the window."""
    return (np.asarray(baseline, dtype=float) + PRIOR) * (window_weeks / baseline_weeks)


def llr(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """F(S) elementwise: the expectation-based Poisson log-likelihood ratio (0 unless C > B)."""
    c = np.asarray(observed, dtype=float)
    b = np.asarray(expected, dtype=float)
    high = c > b
    out = np.zeros(np.broadcast(c, b).shape)
    cc, bb = np.broadcast_arrays(c, b)
    out[high] = cc[high] * np.log(cc[high] / bb[high]) + bb[high] - cc[high]
    return out


def region_table(cells: Sequence[str], rings: Mapping[str, Sequence[Sequence[str]]]) -> list:
    """Per radius k, a (cells x members) index array into ``cells`` padded with len(cells) (a
    cell outside the data counts 0 and expects 0). ``rings[cell][k]``: the cells within k."""
    index = {cell: i for i, cell in enumerate(cells)}
    pad = len(cells)
    radii = min(len(r) for r in rings.values()) if rings else 0
    tables = []
    for k in range(radii):
        members = [[index.get(n, pad) for n in rings[cell][k]] for cell in cells]
        width = max(len(m) for m in members)
        tables.append(np.array([m + [pad] * (width - len(m)) for m in members], dtype=np.intp))
    return tables


def _region_sums(values: np.ndarray, tables: list) -> np.ndarray:
    """values (..., n) -> (..., K, n): each region's sum."""
    padded = np.concatenate([values, np.zeros(values.shape[:-1] + (1,))], axis=-1)
    return np.stack([padded[..., t].sum(axis=-1) for t in tables], axis=-2)


def scan(
    cells: Sequence[str],
    observed: Sequence[int],
    baseline: Sequence[int],
    rings: Mapping[str, Sequence[Sequence[str]]],
    *,
    window_weeks: float,
    baseline_weeks: float,
    alpha: float = DEFAULT_ALPHA,
    replicas: int = DEFAULT_REPLICAS,
    seed: int | None = None,
) -> ScanResult:
    """Scan ``cells`` (with their ``observed`` window counts and ``baseline`` counts) over the
    regions ``rings`` gives; ``seed`` fixes the Monte Carlo draws (tests)."""
    if not cells:
        return ScanResult(0.0, 1.0, replicas, alpha, (), None)
    tables = region_table(cells, rings)
    c = np.asarray(observed, dtype=float)
    b = expected_counts(np.asarray(baseline, dtype=float), window_weeks, baseline_weeks)
    region_c = _region_sums(c, tables)
    region_b = _region_sums(b, tables)
    f = llr(region_c, region_b)  # (K, n)
    best = float(f.max())
    rng = np.random.default_rng(seed)
    # The null: each cell's rate did not change, so of its n_i = c_i + baseline_i reports each
    # fell in the window with probability W / (W + B). Drawing the split (not Poisson(b_i) with
    # b_i taken as known) carries the baseline's own noise into the replicas: with b_i treated
    # as exact, a year of data made about three times the stated false-alarm rate.
    totals = (c + np.asarray(baseline, dtype=float)).astype(np.int64)
    share = window_weeks / (window_weeks + baseline_weeks)
    maxima = np.empty(replicas)
    # In chunks, so that memory stays small with many cells.
    chunk = max(1, 200_000 // max(1, len(cells)))
    for start in range(0, replicas, chunk):
        size = (min(chunk, replicas - start), len(cells))
        sim_c = rng.binomial(totals, share, size=size).astype(float)
        sim_b = expected_counts(totals - sim_c, window_weeks, baseline_weeks)
        sim_f = llr(_region_sums(sim_c, tables), _region_sums(sim_b, tables))
        maxima[start : start + size[0]] = sim_f.reshape(size[0], -1).max(axis=1)
    sorted_maxima = np.sort(maxima)

    def p_of(value: float) -> float:
        above = replicas - np.searchsorted(sorted_maxima, value, side="left")
        return float((1 + above) / (replicas + 1))

    order = np.argsort(-f, axis=None)
    alarms: list[Region] = []
    taken: set[str] = set()
    top = None
    radius, count = f.shape
    for flat in order:
        k, i = divmod(int(flat), count)
        value = float(f[k, i])
        if value <= 0:
            break
        p = p_of(value)
        members = tuple(cells[j] for j in tables[k][i] if j < len(cells))
        region = Region(
            centre=cells[i],
            k=k,
            cells=members,
            observed=int(region_c[k, i]),
            expected=float(region_b[k, i]),
            statistic=value,
            p_value=p,
        )
        if top is None:
            top = region
        if p > alpha:
            break
        if taken.isdisjoint(members):
            alarms.append(region)
            taken.update(members)
    return ScanResult(best, p_of(best) if best > 0 else 1.0, replicas, alpha, tuple(alarms), top)
