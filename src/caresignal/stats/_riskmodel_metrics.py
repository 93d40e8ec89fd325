"""Discrimination (c-statistic) and calibration (observed vs expected by risk group) of risks.

Re-exported by :mod:`caresignal.stats.riskmodel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from caresignal.stats._checks import (
    as_bool_array,
    as_float_array,
    check_at_most,
    check_int,
    check_same_length,
    check_whole,
    readonly,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _outcome_and_risk(outcome: Any, risk: Any) -> tuple[NDArray[np.bool_], FloatArray]:
    events = as_bool_array("outcome", outcome)
    risks = as_float_array("risk", risk, minimum=0.0, maximum=1.0)
    check_same_length(outcome=events, risk=risks)
    return events, risks


def c_statistic(outcome: Any, risk: Any, *, cases: Any = None) -> float:
    """Concordance (c) statistic: the area under the ROC curve of predicted risks.

    Parameters
    ----------
    outcome : array-like of {0, 1} or bool, or of whole numbers with ``cases``
        Whether each case had the event (e.g. died within 30 days); with ``cases``, the number
        of events among the cases each row stands for.
    risk : array-like of float
        Predicted probability of the event for each case (each row), in [0, 1].
    cases : array-like of whole numbers > 0, optional
        Grouped data: how many cases each row stands for, all with the row's risk (e.g. one row
        per covariate pattern). The answer is that of the individual cases.

    Returns
    -------
    float
        The probability that a random case with the event has a higher predicted risk than a
        random case without it, ties counting one half (0.5: no discrimination; 1: perfect).

    Notes
    -----
    Computed without a loop from the Mann–Whitney rank formula with average ranks for ties:
    c = (R₁ − n₁(n₁ + 1)/2) / (n₁·n₀), where R₁ is the sum of the ranks of the n₁ cases with the
    event among all cases. Equal to R's ``wilcox.test(risk[y == 1], risk[y == 0])$statistic /
    (n1 * n0)``. Needs at least one case with and one without the event.

    With ``cases``, the pairs are counted by distinct risk instead: with e_k events and f_k
    non-events at the k-th smallest risk, c = Σ_k e_k (Σ_{j<k} f_j + f_k / 2) / (n₁·n₀). Every
    product is a whole or half number, exact in floating point below 2⁵³, so the result is that
    of the individual cases to the last bit.

    References
    ----------
    Hanley JA, McNeil BJ (1982). The meaning and use of the area under a receiver operating
    characteristic (ROC) curve. Radiology 143:29–36.

    Examples
    --------
    >>> c_statistic([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.8])
    0.8888888888888888
    >>> c_statistic([0, 1, 0, 2], [0.1, 0.35, 0.4, 0.8], cases=[2, 1, 1, 2])
    0.8888888888888888
    """
    if cases is not None:
        events, counts, risks = _counts_and_risk(outcome, cases, risk)
        return _grouped_c(events, counts - events, risks)
    flags, risks = _outcome_and_risk(outcome, risk)
    with_event = int(flags.sum())
    _check_both(with_event, flags.size - with_event, flags.size)
    without = flags.size - with_event
    rank_sum = float(rankdata(risks)[flags].sum())
    return (rank_sum - with_event * (with_event + 1) / 2.0) / (with_event * without)


def _counts_and_risk(outcome: Any, cases: Any, risk: Any) -> tuple[FloatArray, ...]:
    counts = check_whole("cases", as_float_array("cases", cases, minimum=1.0))
    events = check_whole("outcome", as_float_array("outcome", outcome, minimum=0.0))
    risks = as_float_array("risk", risk, minimum=0.0, maximum=1.0)
    check_same_length(outcome=events, risk=risks, cases=counts)
    check_at_most("outcome", events, "cases", counts)
    return events, counts, risks


def _check_both(with_event: float, without: float, total: float) -> None:
    if with_event == 0 or without == 0:
        raise ValueError(
            f"outcome has {with_event:.0f} events among {total:.0f} cases; the c-statistic needs "
            "cases both with and without the event"
        )


def _grouped_c(events: FloatArray, non_events: FloatArray, risks: FloatArray) -> float:
    """c from events and non-events per row: pairs counted by distinct risk, ties one half."""
    with_event, without = float(events.sum()), float(non_events.sum())
    _check_both(with_event, without, with_event + without)
    index = np.unique(risks, return_inverse=True)[1].reshape(-1)
    e = np.bincount(index, weights=events)
    f = np.bincount(index, weights=non_events)
    below = np.cumsum(f) - f
    concordant = float(np.sum(e * below) + 0.5 * np.sum(e * f))
    return concordant / (with_event * without)


@dataclass(frozen=True, slots=True, eq=False)
class CalibrationTable:
    """Observed against expected events in groups of predicted risk.

    Attributes
    ----------
    n : ndarray of int
        Cases in each group (lowest risks first).
    observed : ndarray of int
        Cases with the event.
    expected : ndarray of float
        Sum of the predicted risks: the events the model expects.
    mean_risk : ndarray of float
        Mean predicted risk (expected / n).
    observed_rate : ndarray of float
        Observed proportion with the event (observed / n).
    lowest_risk, highest_risk : ndarray of float
        The range of predicted risks in the group.
    """

    n: IntArray
    observed: IntArray
    expected: FloatArray
    mean_risk: FloatArray
    observed_rate: FloatArray
    lowest_risk: FloatArray
    highest_risk: FloatArray


def _risk_groups(risks: FloatArray, groups: int) -> IntArray:
    """Group index of each case: cut at the quantiles of risk, tied risks kept together."""
    breaks = np.unique(np.quantile(risks, np.linspace(0.0, 1.0, groups + 1)))
    index: IntArray = np.searchsorted(breaks[1:-1], risks, side="left").astype(np.int64)
    return np.unique(index, return_inverse=True)[1].astype(np.int64)


def calibration_table(outcome: Any, risk: Any, *, groups: int = 10) -> CalibrationTable:
    """Observed and expected events by group (tenths by default) of predicted risk.

    Parameters
    ----------
    outcome : array-like of {0, 1} or bool
        Whether each case had the event.
    risk : array-like of float
        Predicted risk of each case, in [0, 1].
    groups : int
        Number of risk groups (10: tenths), at least 1.

    Returns
    -------
    CalibrationTable
        n, observed and expected events, mean predicted risk and observed rate per group.

    Notes
    -----
    Groups are cut at the quantiles of predicted risk, as R's
    ``cut(risk, quantile(risk, 0:g / g), include.lowest = TRUE)`` (the Hosmer–Lemeshow groups):
    each interval is closed on the right and tied risks stay in one group. When many cases share
    a risk there may therefore be fewer groups than asked, of unequal size; empty groups are not
    shown.

    References
    ----------
    Hosmer DW, Lemeshow S (1980). Goodness of fit tests for the multiple logistic regression
    model. Communications in Statistics A 9:1043–1069.

    Examples
    --------
    >>> table = calibration_table([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.6, 0.9], groups=3)
    >>> table.n.tolist(), table.observed.tolist(), table.expected.round(2).tolist()
    ([2, 2, 2], [0, 1, 2], [0.3, 0.7, 1.5])
    """
    events, risks = _outcome_and_risk(outcome, risk)
    check_int("groups", groups, minimum=1)
    index = _risk_groups(risks, groups)
    n = np.bincount(index).astype(np.int64)
    observed = np.bincount(index, weights=events.astype(np.float64)).astype(np.int64)
    expected = np.bincount(index, weights=risks)
    lowest = np.full(n.size, np.inf)
    highest = np.full(n.size, -np.inf)
    np.minimum.at(lowest, index, risks)
    np.maximum.at(highest, index, risks)
    return CalibrationTable(
        n=readonly(n),
        observed=readonly(observed),
        expected=readonly(expected),
        mean_risk=readonly(expected / n),
        observed_rate=readonly(observed / n),
        lowest_risk=readonly(lowest),
        highest_risk=readonly(highest),
    )
