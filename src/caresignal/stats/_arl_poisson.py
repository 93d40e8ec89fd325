"""The Poisson CUSUM's run lengths and thresholds (private; see :mod:`caresignal.stats.arl`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from caresignal.stats._arl_chain import DiscreteIncrements
from caresignal.stats._arl_core import Chart
from caresignal.stats._arl_models import poisson_increments
from caresignal.stats._arl_results import MAX_CASES, RunLength, Threshold, find, run
from caresignal.stats._checks import check_positive
from caresignal.stats._cusum_checks import as_means, check_ratio


def _poisson_chart(
    expected: ArrayLike, rate_ratio: Any, k: Any, true_rate_ratio: Any
) -> DiscreteIncrements:
    means = as_means("expected", expected)
    ratio = check_ratio("rate_ratio", rate_ratio)
    true_ratio = check_positive("true_rate_ratio", true_rate_ratio)
    if k is None:
        # y·log(R) − (R − 1)·λ0 = log(R)·(y − k) with k = (R − 1)·λ0 / log(R).
        scale = math.log(ratio)
        return poisson_increments(means, scale, (ratio - 1.0) * means / scale, true_ratio)
    reference = np.full(means.size, check_positive("k", k))
    return poisson_increments(means, 1.0 if ratio > 1.0 else -1.0, reference, true_ratio)


def poisson_cusum_arl(
    expected: ArrayLike,
    *,
    rate_ratio: float = 2.0,
    h: float,
    k: float | None = None,
    true_rate_ratio: float = 1.0,
    head_start: float = 0.0,
    signal_rule: str = ">=",
    method: str = "markov",
    grid: int | None = None,
    runs: int = 1000,
    seed: int | None = None,
    max_cases: int = MAX_CASES,
) -> RunLength:
    """Average run length, in periods, of the Poisson CUSUM of counts against expected counts.

    By default the chart is :func:`caresignal.stats.cusum.poisson`: the weights
    ``W = y·log(R) − (R − 1)·λ0`` (``R = rate_ratio``, λ0 the expected count) accumulate in
    ``S = max(0, S + W)``, in log-likelihood-ratio units. Given ``k``, the chart is instead Lucas's
    count-scale CUSUM ``S = max(0, S + y − k)`` (``rate_ratio > 1``) or ``S = max(0, S + k − y)``
    (``rate_ratio < 1``: the lower chart), with ``h`` and ``head_start`` in counts. Each period's
    expected count is drawn with replacement from ``expected``; its count is Poisson with mean
    ``true_rate_ratio · λ0``.

    Parameters
    ----------
    expected : float or array-like of float
        λ0, the expected count per period (> 0): one value, or a sample to draw periods from.
    rate_ratio : float, default 2.0
        The rate ratio to detect (> 0, not 1); above 1 watches for more events, below 1 for fewer.
    h : float
        Threshold (> 0; ``math.inf`` gives an infinite ARL), in the chart's units.
    k : float, optional
        Reference value of the count-scale chart (> 0), e.g. ``km / m`` in Lucas's integer form.
        Lucas's optimal choice for detecting λ1 is ``(λ1 − λ0) / log(λ1/λ0)``.
    true_rate_ratio : float, default 1.0
        The rate ratio actually in force (1 for the in-control ARL₀).
    head_start, signal_rule, method, grid, runs, seed, max_cases
        As in :func:`bernoulli_cusum_arl`.

    Returns
    -------
    RunLength
        ``arl`` in periods.

    Notes
    -----
    Lucas (1985) and R's ``spc::pois.cusum.arl`` signal when ``S > h``: use ``signal_rule=">"``
    to reproduce them. Counts whose upper-tail probability is below 1e-15 are treated as
    signalling at once. With a whole-number ``k`` scale (``k = km/m``, ``h = hm/m``) the chain
    is exact.

    References
    ----------
    Lucas JM (1985). Counted data CUSUMs. Technometrics 27(2):129–144.
    Brook D, Evans DA (1972). Biometrika 59(3):539–549.

    Examples
    --------
    Lucas (1985), Table 2: λ0 = 0.25, k = 1/4, h = 39/4, signal when S > h.

    >>> from caresignal.stats.arl import poisson_cusum_arl
    >>> run = poisson_cusum_arl(0.25, k=0.25, h=9.75, signal_rule=">")
    >>> round(run.arl, 3), run.lattice
    (438.125, True)
    """
    chart = _poisson_chart(expected, rate_ratio, k, true_rate_ratio)
    options = (method, grid, runs, seed, max_cases)
    return run(Chart((chart,), chart.draw), h, head_start, signal_rule, options)


def poisson_cusum_threshold(
    expected: ArrayLike,
    *,
    rate_ratio: float = 2.0,
    arl0: float,
    k: float | None = None,
    head_start: float = 0.0,
    signal_rule: str = ">=",
    grid: int | None = None,
) -> Threshold:
    """The threshold h of the Poisson CUSUM whose in-control ARL is ``arl0`` periods.

    With ``k`` on a lattice (counts are whole numbers, so ``y − k`` is a multiple of 1/m when
    ``k = km/m``) the ARL jumps at lattice points and the smallest lattice threshold reaching
    ``arl0`` is returned; otherwise the root of ARL(h) = ``arl0`` (see
    :func:`~caresignal.stats.arl.bernoulli_cusum_threshold`).

    Parameters
    ----------
    expected : float or array-like of float
        λ0, the expected count per period (> 0): one value, or a sample to draw periods from.
    rate_ratio : float, default 2.0
        The rate ratio to detect (> 0, not 1).
    arl0 : float
        The target in-control ARL, in periods (> 1).
    k : float, optional
        Reference value of Lucas's count-scale chart (then ``h`` is in counts).
    head_start, signal_rule, grid
        As in :func:`~caresignal.stats.arl.poisson_cusum_arl`.

    Returns
    -------
    Threshold

    References
    ----------
    Lucas JM (1985). Counted data CUSUMs. Technometrics 27(2):129–144.

    Examples
    --------
    >>> from caresignal.stats.arl import poisson_cusum_threshold
    >>> found = poisson_cusum_threshold(0.25, k=0.25, arl0=430, signal_rule=">")
    >>> found.h, found.lattice
    (9.75, True)
    """
    chart = _poisson_chart(expected, rate_ratio, k, 1.0)
    return find(Chart((chart,), chart.draw), arl0, head_start, signal_rule, grid)
