"""Risk-adjusted CUSUM charts (Bernoulli and Poisson) and the VLAD.

A CUSUM adds up, case by case, the evidence that a unit's outcomes have moved from what its risk
model expects to a chosen alternative, and signals when the evidence reaches a threshold ``h``.

* :func:`weights` — Steiner's log-likelihood-ratio weight of each case.
* :func:`bernoulli` — the (risk-adjusted) Bernoulli CUSUM of 0/1 outcomes; with one risk for every
  case it is the unadjusted chart used by MOSS.
* :func:`poisson` — the Poisson CUSUM of counts per period against expected counts.
* :func:`vlad` — the variable life-adjusted display: cumulative expected − observed.

Conventions (all charts): the statistic is ``S_t = max(0, S_{t-1} + W_t)`` from ``S_0 = 0``; it
signals at ``S_t >= h`` (``signal_rule=">"`` for ``S_t > h``, as some packages do); with
``reset=True`` it restarts from 0 after each signal (a reset does not mean the problem is
resolved). Choose ``h`` for a false-alarm rate with :mod:`caresignal.stats.arl`.

References
----------
Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Monitoring surgical performance using
risk-adjusted cumulative sum charts. Biostatistics 1(4):441–452.
Lovegrove J, Valencia O, Treasure T, Sherlaw-Johnson C, Gallivan S (1997). Monitoring the results
of cardiac surgery by variable life-adjusted display. Lancet 350:1128–1130.
Lucas JM (1985). Counted data CUSUMs. Technometrics 27(2):129–144.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from caresignal.stats import _cusum_weights as _weights
from caresignal.stats._checks import as_bool_array, check_same_length, readonly
from caresignal.stats._cusum_checks import (
    as_counts,
    as_means,
    as_probabilities,
    check_ratio,
    check_signal_rule,
    check_threshold,
)
from caresignal.stats._cusum_path import cusum_path
from caresignal.stats._cusum_results import CusumResult, VladResult

__all__ = [
    "CusumResult",
    "VladResult",
    "bernoulli",
    "poisson",
    "poisson_weights",
    "vlad",
    "weights",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _outcome_and_risk(outcome: ArrayLike, risk: ArrayLike) -> tuple[BoolArray, FloatArray]:
    events = as_bool_array("outcome", outcome)
    risks = as_probabilities("risk", risk, length=events.size)
    check_same_length(outcome=events, risk=risks)
    return events, risks


def weights(outcome: ArrayLike, risk: ArrayLike, *, odds_ratio: float = 2.0) -> FloatArray:
    """Steiner's log-likelihood-ratio CUSUM weight of each case.

    ``W_t = y_t·log(R_A) + log(1 / (1 − p_t + R_A·p_t))``: the log of how much more likely the
    case's outcome is if the odds of an event are multiplied by ``R_A`` than if the risk model
    is right (R₀ = 1).

    Parameters
    ----------
    outcome : array-like of 0/1 or bool
        ``y_t``: 1 (True) if the adverse event (e.g. death within 30 days) happened.
    risk : float or array-like of float
        ``p_t``: the predicted probability of the event for each case, strictly between 0 and 1,
        or one probability for every case (an unadjusted chart).
    odds_ratio : float, default 2.0
        ``R_A`` (> 0, not 1): above 1 (2: a doubling of the odds) weighs evidence of harm, below 1
        (½) evidence of improvement.

    Returns
    -------
    numpy.ndarray
        Read-only float array, one weight (in natural-log units) per case.

    Notes
    -----
    With ``R_A > 1`` an event scores ``log(R_A) − log(1 − p + R_A·p) > 0`` and a non-event
    ``−log(1 − p + R_A·p) < 0``; the higher the risk, the less an event counts and the more a
    non-event counts. With ``R_A < 1`` the signs swap: non-events count as evidence of
    improvement.

    References
    ----------
    Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Biostatistics 1(4):441–452, p. 446.

    Examples
    --------
    Steiner et al. (2000): logit p = −3.68 + 0.077·Parsonnet; at Parsonnet 0 a survivor scores
    −0.024 and a death 0.669.

    >>> import math
    >>> p = 1 / (1 + math.exp(3.68))
    >>> weights([0, 1], [p, p], odds_ratio=2.0)
    array([-0.024,  0.669])
    """
    events, risks = _outcome_and_risk(outcome, risk)
    ratio = check_ratio("odds_ratio", odds_ratio)
    return readonly(_weights.bernoulli_weights(events, risks, ratio))


def _chart(
    case_weights: FloatArray, ratio: float, h: Any, reset: bool, signal_rule: Any
) -> CusumResult:
    limit = check_threshold("h", h)
    strict = check_signal_rule(signal_rule)
    if not isinstance(reset, bool | np.bool_):
        raise TypeError(f"reset must be True or False, got {reset!r}")
    statistic, signals = cusum_path(case_weights, limit, strict=strict, reset=bool(reset))
    last = int(signals[-1]) if reset and signals.size else None
    return CusumResult(
        weights=case_weights,
        statistic=readonly(statistic),
        signals=readonly(signals),
        h=limit,
        signal_rule=str(signal_rule),
        reset=bool(reset),
        last_reset=last,
        direction="deterioration" if ratio > 1.0 else "improvement",
    )


def bernoulli(
    outcome: ArrayLike,
    risk: ArrayLike,
    *,
    odds_ratio: float = 2.0,
    h: float,
    reset: bool = True,
    signal_rule: str = ">=",
) -> CusumResult:
    """The (risk-adjusted) Bernoulli CUSUM of 0/1 outcomes (Steiner et al. 2000).

    ``S_t = max(0, S_{t-1} + W_t)`` with the weights of :func:`weights`, from ``S_0 = 0``. With
    ``odds_ratio > 1`` it accumulates evidence that the odds of an event have risen by that factor
    (the upper chart); with ``odds_ratio < 1`` evidence that they have fallen (the lower,
    improvement chart, which the same formula gives directly: survivors then score positive
    weights). Either way the statistic is non-negative and signals at ``S_t >= h``.

    Parameters
    ----------
    outcome : array-like of 0/1 or bool
        1 (True) if the adverse event happened, one per case, in time order.
    risk : float or array-like of float
        Each case's predicted risk from a model fitted on a baseline period, strictly between 0
        and 1; or one risk for every case (an unadjusted chart, e.g. the national rate as MOSS).
    odds_ratio : float, default 2.0
        R_A, the change of odds to detect (> 0, not 1): 2 for a doubling, ½ for a halving.
    h : float
        Threshold, in log-likelihood-ratio units (> 0). ``math.inf`` never signals. Choose it with
        :func:`caresignal.stats.arl.bernoulli_cusum_threshold` (e.g. 4.5 for R_A = 2 and 4 for
        R_A = ½ on the cardiac surgery data of Steiner et al.).
    reset : bool, default True
        Restart the statistic from 0 after each signal.
    signal_rule : {">=", ">"}, default ">="
        Signal at ``S_t >= h`` (this project's convention) or at ``S_t > h``.

    Returns
    -------
    CusumResult
        Weights, statistic, signal positions and the last reset.

    Notes
    -----
    The chart assumes the risk model is well calibrated for the unit: a miscalibrated model
    signals (or stays silent) for that reason alone. Its false-alarm rate depends on ``h``, R_A and
    the case mix; see :mod:`caresignal.stats.arl`. The whole chart takes time linear in the number
    of cases, resets included.

    References
    ----------
    Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Biostatistics 1(4):441–452.

    Examples
    --------
    >>> chart = bernoulli([0, 1, 1, 0, 1], 0.2, odds_ratio=2.0, h=1.0)
    >>> chart.statistic
    array([0.   , 0.511, 1.022, 0.   , 0.511])
    >>> chart.signals.tolist()
    [2]
    """
    case_weights = weights(outcome, risk, odds_ratio=odds_ratio)
    return _chart(case_weights, check_ratio("odds_ratio", odds_ratio), h, reset, signal_rule)


def poisson(
    observed: ArrayLike,
    expected: ArrayLike,
    *,
    rate_ratio: float = 2.0,
    h: float,
    reset: bool = True,
    signal_rule: str = ">=",
) -> CusumResult:
    """The Poisson CUSUM of counts per period against expected counts.

    Weight ``W_t = y_t·log(λ1/λ0) − (λ1 − λ0)`` with ``λ0`` the expected count of period t and
    ``λ1 = rate_ratio·λ0``: the log-likelihood ratio of the count under the raised (or lowered)
    rate. Accumulated as in :func:`bernoulli`.

    Parameters
    ----------
    observed : array-like of int
        Events in each period (whole numbers >= 0), in time order.
    expected : float or array-like of float
        Expected events in each period (> 0), e.g. the sum of the case risks; or one value for all.
    rate_ratio : float, default 2.0
        The change of rate to detect (> 0, not 1); below 1 gives the improvement chart.
    h : float
        Threshold in log-likelihood-ratio units (> 0; ``math.inf`` never signals). Choose it with
        :func:`caresignal.stats.arl.poisson_cusum_threshold`.
    reset, signal_rule
        As in :func:`bernoulli`.

    Returns
    -------
    CusumResult

    Notes
    -----
    Dividing the weights by ``log(rate_ratio)`` gives Lucas's count-scale chart with reference
    value ``k = (λ1 − λ0)/log(λ1/λ0)``; its threshold is ``h / log(rate_ratio)``. The counts are
    assumed Poisson given the expected value: over-dispersed counts raise the false-alarm rate.

    References
    ----------
    Lucas JM (1985). Counted data CUSUMs. Technometrics 27(2):129–144.

    Examples
    --------
    >>> chart = poisson([1, 3, 0, 4], 1.0, rate_ratio=2.0, h=1.5)
    >>> chart.weights
    array([-0.307,  1.079, -1.   ,  1.773])
    >>> chart.signals.tolist()
    [3]
    """
    case_weights = poisson_weights(observed, expected, rate_ratio=rate_ratio)
    return _chart(case_weights, check_ratio("rate_ratio", rate_ratio), h, reset, signal_rule)


def poisson_weights(observed: ArrayLike, expected: ArrayLike, *, rate_ratio: float) -> FloatArray:
    """The Poisson CUSUM's log-likelihood-ratio weight of each period.

    ``W_t = y_t·log(R) − (R − 1)·μ_t``: the log of how much more likely the period's count is if
    the rate is multiplied by ``R`` than if the expected count ``μ_t`` is right. These are the
    weights :func:`poisson` adds up; a chart carried on period by period uses them directly.

    Parameters
    ----------
    observed : array-like of float
        Events in each period (whole numbers >= 0), in time order.
    expected : float or array-like of float
        Expected events in each period (> 0); or one value for all.
    rate_ratio : float
        The change of rate to detect (> 0, not 1).

    Returns
    -------
    numpy.ndarray
        Read-only float array, one weight (in natural-log units) per period.

    References
    ----------
    Lucas JM (1985). Counted data CUSUMs. Technometrics 27(2):129–144.

    Examples
    --------
    >>> poisson_weights([1, 3], 1.0, rate_ratio=2.0)
    array([-0.307,  1.079])
    """
    counts = as_counts("observed", observed)
    means = as_means("expected", expected, length=counts.size)
    ratio = check_ratio("rate_ratio", rate_ratio)
    return readonly(_weights.poisson_weights(counts, means, ratio))


def vlad(outcome: ArrayLike, risk: ArrayLike) -> VladResult:
    """The variable life-adjusted display: cumulative expected minus observed events.

    ``V_t = Σ_{u <= t} (p_u − y_u)``: the number of events avoided ("lives saved") compared with
    what the risk model predicts; MOSS's "excess events" chart is its negative.

    Parameters
    ----------
    outcome : array-like of 0/1 or bool
        1 (True) if the adverse event happened, one per case, in time order.
    risk : float or array-like of float
        Predicted risk of each case (strictly between 0 and 1), or one risk for every case.

    Returns
    -------
    VladResult
        Cumulative expected, observed and expected − observed.

    Notes
    -----
    The VLAD has no threshold of its own; it shows the size of the difference that a CUSUM
    tests. Its slope is the difference between predicted and observed rates.

    References
    ----------
    Lovegrove J et al. (1997). Lancet 350:1128–1130.

    Examples
    --------
    >>> vlad([0, 0, 1, 0], 0.25).statistic
    array([ 0.25,  0.5 , -0.25,  0.  ])
    """
    events, risks = _outcome_and_risk(outcome, risk)
    expected = np.cumsum(risks)
    observed = np.cumsum(events, dtype=np.float64)
    return VladResult(readonly(expected), readonly(observed), readonly(expected - observed))
