"""Result classes of :mod:`caresignal.stats.cusum` (private module; import them from there)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class CusumResult:
    """A CUSUM chart: the evidence after each case and where it signalled.

    Attributes
    ----------
    weights : numpy.ndarray
        The weight ``W_t`` of each case or period (log-likelihood-ratio units), read-only.
    statistic : numpy.ndarray
        ``S_t = max(0, S_{t-1} + W_t)`` after each case, never negative, read-only. At a signal it
        is the value that reached ``h``; with ``reset`` the next case starts again from 0.
    signals : numpy.ndarray
        Positions (0-based, int64) where the chart signals: ``S_t >= h`` (``S_t > h`` when
        ``signal_rule == ">"``). Without ``reset`` every position at or over the threshold is
        listed; with ``reset`` each signal is followed by a restart.
    h : float
        The threshold (``math.inf``: the chart never signals).
    signal_rule : str
        ``">="`` or ``">"``.
    reset : bool
        Whether the statistic restarts from 0 after each signal.
    last_reset : int or None
        Position of the last signal after which the statistic restarted from 0, or None if it
        never restarted (no signal, or ``reset=False``).
    direction : str
        ``"deterioration"`` (odds or rate ratio > 1: evidence of harm) or ``"improvement"``
        (ratio < 1: the statistic accumulates evidence of improvement, still as a non-negative
        number; plot it negated to draw the conventional lower chart).

    Examples
    --------
    >>> from caresignal.stats.cusum import bernoulli
    >>> chart = bernoulli([1, 1, 0, 1, 1], 0.1, h=1.0)
    >>> chart.signals.tolist(), chart.last_reset
    ([1, 4], 4)
    """

    weights: FloatArray
    statistic: FloatArray
    signals: NDArray[np.int64]
    h: float
    signal_rule: str
    reset: bool
    last_reset: int | None
    direction: str


@dataclass(frozen=True, slots=True)
class VladResult:
    """A variable life-adjusted display: cumulative expected minus observed events.

    Attributes
    ----------
    expected : numpy.ndarray
        Cumulative expected events ``Σ p_t`` after each case, read-only.
    observed : numpy.ndarray
        Cumulative observed events ``Σ y_t`` after each case, read-only.
    statistic : numpy.ndarray
        ``expected − observed`` after each case ("lives saved" when events are deaths): rising
        when outcomes are better than predicted, falling when worse. Read-only.

    Examples
    --------
    >>> from caresignal.stats.cusum import vlad
    >>> vlad([0, 1, 0], [0.1, 0.2, 0.3]).statistic
    array([ 0.1, -0.7, -0.4])
    """

    expected: FloatArray
    observed: FloatArray
    statistic: FloatArray
