"""Average run lengths (ARL) and thresholds of CUSUM charts, by Markov chain or simulation.

The ARL of a chart is the expected number of cases (or periods) until it signals. In control
(the unit performs as its risk model expects) it is the mean gap between false alarms, ARL₀;
out of control it is the mean delay to detection. A threshold ``h`` is chosen for a target ARL₀
and reported in plain words by :func:`describe_false_alarm_rate`.

Every chart here is the upper CUSUM ``S_t = max(0, S_{t-1} + W_t)`` of :mod:`caresignal.stats.cusum`
that signals at ``S_t >= h`` (or ``S_t > h`` with ``signal_rule=">"``), started at ``head_start``.

**Markov chain** (Brook & Evans 1972; Steiner et al. 2000 for the risk-adjusted chart): ``[0, h]``
is cut into ``grid`` equal cells whose ``grid + 1`` end points are the chain's states. A step from a
state lands between two states and its probability is shared between them in proportion to the
distance (linear interpolation); discrete steps are first spread evenly over one cell width. Both
keep every step's mean exact; for the risk-adjusted chart the transition probabilities average over
the case-mix sample. The error shrinks roughly as 1/grid². The default grid has 4,000 cells (8,000
when the steps take 32 or fewer distinct values, e.g. one risk for every case; up to 16,000 so that
a typical step spans a cell); in the tests it is within 0.04 % of the converged value. The almost
Toeplitz system is solved by Levinson recursion with a rank-two correction. When every step and the
head start are whole multiples of one unit (Lucas's integer-scaled Poisson CUSUM, say), the chain
is put on that lattice and is exact (``lattice=True``). **Simulation** runs ``runs`` independent
charts from a seeded generator and reports the mean run length and its standard error.

References
----------
Brook D, Evans DA (1972). An approach to the probability distribution of CUSUM run length.
Biometrika 59(3):539–549.
Lucas JM, Crosier RB (1982). Fast initial response for CUSUM quality-control schemes.
Technometrics 24(3):199–205.
Lucas JM (1985). Counted data CUSUMs. Technometrics 27(2):129–144.
Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Monitoring surgical performance using
risk-adjusted cumulative sum charts. Biostatistics 1(4):441–452.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import ArrayLike

from caresignal.stats._arl_core import Chart
from caresignal.stats._arl_models import bernoulli_increments
from caresignal.stats._arl_normal import normal_cusum_arl, normal_cusum_threshold
from caresignal.stats._arl_poisson import poisson_cusum_arl, poisson_cusum_threshold
from caresignal.stats._arl_results import MAX_CASES, RunLength, Threshold, find, run
from caresignal.stats._arl_words import describe_false_alarm_rate
from caresignal.stats._checks import check_positive
from caresignal.stats._cusum_checks import as_probabilities, check_ratio

__all__ = [
    "RunLength",
    "Threshold",
    "bernoulli_cusum_arl",
    "bernoulli_cusum_threshold",
    "describe_false_alarm_rate",
    "normal_cusum_arl",
    "normal_cusum_threshold",
    "poisson_cusum_arl",
    "poisson_cusum_threshold",
]


def _bernoulli_chart(risk: ArrayLike, odds_ratio: Any, true_odds_ratio: Any) -> Chart:
    risks = as_probabilities("risk", risk)
    ratio = check_ratio("odds_ratio", odds_ratio)
    steps = bernoulli_increments(risks, ratio, check_positive("true_odds_ratio", true_odds_ratio))
    return Chart((steps,), steps.draw)


def bernoulli_cusum_arl(
    risk: ArrayLike,
    *,
    odds_ratio: float = 2.0,
    h: float,
    true_odds_ratio: float = 1.0,
    head_start: float = 0.0,
    signal_rule: str = ">=",
    method: str = "markov",
    grid: int | None = None,
    runs: int = 1000,
    seed: int | None = None,
    max_cases: int = MAX_CASES,
) -> RunLength:
    """Average run length, in cases, of the (risk-adjusted) Bernoulli CUSUM.

    The chart is :func:`caresignal.stats.cusum.bernoulli`: Steiner's weights
    ``W = y·log(R_A) − log(1 − p + R_A·p)`` accumulate in ``S = max(0, S + W)``, which signals at
    ``S >= h``. Each case's risk ``p`` is drawn, with replacement, from ``risk`` (the case mix) and
    its outcome is an event with the true probability ``p·R/(1 − p + R·p)`` for
    ``R = true_odds_ratio``. With ``odds_ratio < 1`` this is the ARL of the improvement chart.

    Parameters
    ----------
    risk : float or array-like of float
        One risk for every case (an unadjusted chart, as MOSS) or a sample of case risks, each
        strictly between 0 and 1, from which cases are drawn with replacement.
    odds_ratio : float, default 2.0
        R_A, the odds ratio the chart is designed to detect (> 0, not 1).
    h : float
        Threshold, in log-likelihood-ratio units (> 0; ``math.inf`` gives an infinite ARL).
    true_odds_ratio : float, default 1.0
        The odds ratio actually in force: 1 for the in-control ARL₀, R_A for the detection delay.
    head_start : float, default 0.0
        Initial value of the statistic (a fast-initial-response head start),
        ``0 <= head_start < h``.
    signal_rule : {">=", ">"}, default ">="
        Signal at ``S >= h`` (the project's convention) or at ``S > h``.
    method : {"markov", "simulate"}, default "markov"
        Markov-chain approximation or Monte Carlo simulation (see the module notes).
    grid : int, optional
        Markov chain: cells over ``[0, h]``. Default: chosen as in the module notes, or the exact
        lattice when the weights have one. Giving ``grid`` forces the interpolated grid.
    runs, seed, max_cases : int
        Simulation: number of runs, seed of ``numpy.random.default_rng`` and a cap on the cases
        simulated over all runs (exceeding it raises ``ValueError``).

    Returns
    -------
    RunLength
        ``arl`` in cases, with the method and its accuracy details.

    Notes
    -----
    The ARL₀ is the mean number of cases between false alarms of a unit that performs exactly as
    its risk model expects; divide by the unit's yearly cases for a rate in years
    (:func:`describe_false_alarm_rate`). It depends on the case mix: a sample from the unit's own
    recent cases is the usual choice. The Markov chain assumes the risks are drawn independently
    from the sample.

    References
    ----------
    Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Biostatistics 1(4):441–452.
    Brook D, Evans DA (1972). Biometrika 59(3):539–549.

    Examples
    --------
    >>> print(f"{bernoulli_cusum_arl(0.02, odds_ratio=2.0, h=4.5).arl:.0f}")
    18279
    >>> bernoulli_cusum_arl(0.02, h=4.5, true_odds_ratio=2.0).arl < 1000
    True
    """
    chart = _bernoulli_chart(risk, odds_ratio, true_odds_ratio)
    return run(chart, h, head_start, signal_rule, (method, grid, runs, seed, max_cases))


def bernoulli_cusum_threshold(
    risk: ArrayLike,
    *,
    odds_ratio: float = 2.0,
    arl0: float,
    head_start: float = 0.0,
    signal_rule: str = ">=",
    grid: int | None = None,
) -> Threshold:
    """The threshold h of the Bernoulli CUSUM whose in-control ARL is ``arl0`` cases.

    The search brackets the root of ARL(h) = ``arl0`` by doubling and applies Brent's method to
    the logarithm of the Markov-chain ARL (which grows with h) on a grid five times coarser, then
    refines it with secant steps on the full grid (relative accuracy 1e-6 in h).

    Parameters
    ----------
    risk : float or array-like of float
        One risk for every case, or the case-mix sample (each strictly between 0 and 1).
    odds_ratio : float, default 2.0
        R_A, the odds ratio the chart is designed to detect (> 0, not 1).
    arl0 : float
        The target in-control ARL: mean number of cases between false alarms (> 1).
    head_start : float, default 0.0
        Initial value of the statistic (>= 0); the threshold found is above it.
    signal_rule : {">=", ">"}, default ">="
        Signal at ``S >= h`` or at ``S > h``.
    grid : int, optional
        Markov-chain cells, as in :func:`bernoulli_cusum_arl`.

    Returns
    -------
    Threshold
        ``h`` and its ARL.

    References
    ----------
    Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Biostatistics 1(4):441–452.

    Examples
    --------
    >>> found = bernoulli_cusum_threshold(0.02, odds_ratio=2.0, arl0=18279)
    >>> round(found.h, 2)
    4.5
    """
    chart = _bernoulli_chart(risk, odds_ratio, 1.0)
    return find(chart, arl0, head_start, signal_rule, grid)
