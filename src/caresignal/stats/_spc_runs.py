"""Run charts and Anhøj's runs rules (unusually long runs, too few crossings).

Re-exported by :mod:`caresignal.stats.spc`; see ``docs/methods/spc.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from caresignal.stats._checks import as_float_array, check_same_length, readonly
from caresignal.stats._spc_limits import limit_groups

__all__ = ["RunChart", "RunsAnalysis", "anhoej_thresholds", "run_chart", "runs_analysis"]

FloatArray = NDArray[np.float64]


def anhoej_thresholds(n: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Anhøj's limits for the longest run and the number of crossings of ``n`` useful points.

    Parameters
    ----------
    n : array-like of int
        Numbers of useful observations (points not on the centre line), each >= 1.

    Returns
    -------
    longest_run_max : numpy.ndarray of int
        ``round(log2(n)) + 3``: a longest run *longer* than this is a signal (Schilling 2012).
    crossings_min : numpy.ndarray of int
        The 5 % quantile of Binomial(n − 1, 0.5) (R's ``qbinom(0.05, n - 1, 0.5)``): *fewer*
        crossings than this are a signal (Chen 2010).

    Notes
    -----
    ``round`` halves to even, as R's ``round`` does; ``log2(n)`` is never exactly half an integer
    for whole ``n``, so the choice does not matter in practice.

    References
    ----------
    Anhøj J, Olesen AV (2014). Run charts revisited: a simulation study of run chart rules for
    detection of non-random variation in health care processes. PLoS ONE 9(11): e113825.

    Examples
    --------
    >>> longest, crossings = anhoej_thresholds([10, 24, 100])
    >>> longest.tolist(), crossings.tolist()
    ([6, 8, 10], [2, 8, 41])
    """
    sizes = as_float_array("n", n, minimum=1.0, ndim=np.ndim(n))
    if np.any(sizes != np.round(sizes)):
        raise ValueError("n must hold whole numbers of observations")
    longest = (np.round(np.log2(sizes)) + 3).astype(np.int64)
    crossings = np.asarray(stats.binom.ppf(0.05, sizes - 1, 0.5)).astype(np.int64)
    return readonly(np.atleast_1d(longest)), readonly(np.atleast_1d(crossings))


@dataclass(frozen=True, slots=True)
class RunsAnalysis:
    """Anhøj's runs analysis of one series against its centre line.

    Attributes
    ----------
    n_obs : int
        Points analysed.
    n_useful : int
        Points not on the centre line (the ones runs and crossings are counted over).
    longest_run : int
        Longest run of consecutive useful points on one side of the centre line.
    longest_run_max : int
        ``round(log2(n_useful)) + 3``; 0 when there are no useful points.
    crossings : int
        Times the series crosses the centre line (useful points only).
    crossings_min : int
        ``qbinom(0.05, n_useful - 1, 0.5)``; 0 when there are no useful points.
    signal : bool
        ``longest_run > longest_run_max or crossings < crossings_min``: non-random variation.

    References
    ----------
    Anhøj J, Olesen AV (2014). PLoS ONE 9(11): e113825.

    Examples
    --------
    >>> runs_analysis([1, 3, 1, 3, 1, 3], centre=2).crossings
    5
    """

    n_obs: int
    n_useful: int
    longest_run: int
    longest_run_max: int
    crossings: int
    crossings_min: int
    signal: bool


def runs_analysis(values: ArrayLike, centre: ArrayLike | float | None = None) -> RunsAnalysis:
    """Count runs and crossings about a centre line and apply Anhøj's rules.

    Parameters
    ----------
    values : array-like of float
        The series in time order.
    centre : float or array-like of float, optional
        The centre line, one value or one per point; the median of ``values`` by default.

    Returns
    -------
    RunsAnalysis
        Longest run, crossings, their limits and whether either signals.

    Notes
    -----
    Points exactly on the centre line are neither part of a run nor break one: they are dropped
    before counting, as in qicharts2. The rules look at the series as a whole, not per point: a
    signal says the process has shifted somewhere, so the false-alarm rate per series stays near
    5–10 % whatever its length (Anhøj & Olesen 2014).

    References
    ----------
    Anhøj J, Olesen AV (2014). PLoS ONE 9(11): e113825. Anhøj J (2015). Diagnostic value of run
    chart analysis. PLoS ONE 10(3): e0121349.

    Examples
    --------
    >>> r = runs_analysis([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    >>> r.longest_run, r.longest_run_max, r.crossings, r.crossings_min, r.signal
    (5, 6, 1, 2, True)
    """
    y = as_float_array("values", values)
    line = np.median(y) if centre is None else _centre_array(centre, len(y))
    side = np.sign(y - line)
    side = side[side != 0]
    if len(side) == 0:
        return RunsAnalysis(len(y), 0, 0, 0, 0, 0, False)
    changes = np.flatnonzero(side[1:] != side[:-1])
    run_ends = np.concatenate([changes, [len(side) - 1]])
    lengths = np.diff(np.concatenate([[-1], run_ends]))
    longest_max, crossings_min = anhoej_thresholds(len(side))
    longest, crossings = int(lengths.max()), len(changes)
    return RunsAnalysis(
        n_obs=len(y),
        n_useful=len(side),
        longest_run=longest,
        longest_run_max=int(longest_max[0]),
        crossings=crossings,
        crossings_min=int(crossings_min[0]),
        signal=bool(longest > longest_max[0] or crossings < crossings_min[0]),
    )


def _centre_array(centre: Any, n: int) -> FloatArray:
    if np.ndim(centre) == 0:
        return np.full(n, as_float_array("centre", centre, ndim=0))
    line = as_float_array("centre", centre)
    check_same_length(values=np.empty(n), centre=line)
    return line


@dataclass(frozen=True, slots=True)
class RunChart:
    """A run chart: the series, its median line and Anhøj's runs analysis per limit group.

    Attributes
    ----------
    values : numpy.ndarray
        The series (read-only copy).
    median : numpy.ndarray
        The centre line per point: the median of the group's baseline points.
    group : numpy.ndarray of int
        Limit group of each point (0, 1, …; a new group starts at each ``rebase_at``).
    excluded : numpy.ndarray of bool
        Points left out of the median and of the runs analysis.
    runs : tuple of RunsAnalysis
        One runs analysis per group, over its included points.
    signal : numpy.ndarray of bool
        Per point: its group's runs analysis signals.

    References
    ----------
    Anhøj J, Olesen AV (2014). PLoS ONE 9(11): e113825.

    Examples
    --------
    >>> chart = run_chart([1, 3, 1, 3, 5, 6], rebase_at=[4])
    >>> chart.median.tolist(), len(chart.runs)
    ([2.0, 2.0, 2.0, 2.0, 5.5, 5.5], 2)
    """

    values: FloatArray
    median: FloatArray
    group: NDArray[np.int64]
    excluded: NDArray[np.bool_]
    runs: tuple[RunsAnalysis, ...]
    signal: NDArray[np.bool_]


def run_chart(
    values: ArrayLike,
    *,
    rebase_at: ArrayLike = (),
    baseline_points: int | None = None,
    exclude: ArrayLike = (),
) -> RunChart:
    """Run chart: median line per group and Anhøj's runs rules.

    Parameters
    ----------
    values : array-like of float
        The series in time order (any unit).
    rebase_at : sequence of int, optional
        Positions where a new group (with its own median and runs analysis) starts.
    baseline_points : int, optional
        Compute each group's median from its first ``baseline_points`` points (>= 12) only; the
        runs analysis still covers the whole group, against that fixed median.
    exclude : sequence of int, optional
        Positions left out of the median and of the runs analysis (still returned).

    Returns
    -------
    RunChart
        Median per point, one :class:`RunsAnalysis` per group, and a per-point signal flag.

    Notes
    -----
    A signal means the series has unusually long runs on one side of the median, or crosses it
    unusually seldom: with the thresholds of :func:`anhoej_thresholds` a random series signals
    in roughly 5–10 % of charts, whatever their length. Thresholds are computed from the formulas
    and match Anhøj's published table for n = 10…100 (see the tests).

    References
    ----------
    Anhøj J, Olesen AV (2014). Run charts revisited. PLoS ONE 9(11): e113825.

    Examples
    --------
    >>> chart = run_chart([3, 5, 4, 6, 5, 7, 2, 8, 5, 6, 4, 5])
    >>> float(chart.median[0]), chart.runs[0].longest_run, chart.runs[0].signal
    (5.0, 2, False)
    """
    y = as_float_array("values", values)
    groups = limit_groups(
        len(y),
        rebase_at=rebase_at,
        baseline_points=baseline_points,
        exclude=exclude,
        trial_points=1,
        minimum_basis=1,
    )
    median = np.empty(len(y))
    runs = []
    for g in range(groups.count):
        in_group = groups.group == g
        median[in_group] = np.median(y[in_group & groups.basis])
        kept = in_group & groups.included
        runs.append(runs_analysis(y[kept], median[kept]))
    signal = np.array([r.signal for r in runs], dtype=np.bool_)[groups.group]
    return RunChart(
        values=readonly(y),
        median=readonly(median),
        group=readonly(groups.group),
        excluded=readonly(~groups.included),
        runs=tuple(runs),
        signal=readonly(signal),
    )
