"""Results of the ARL functions and the steps they share (private; see
:mod:`caresignal.stats.arl`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from caresignal.stats._arl_core import Chart, check_options, markov, simulate, threshold
from caresignal.stats._checks import check_positive
from caresignal.stats._cusum_checks import check_head_start, check_signal_rule, check_threshold

#: Default cap on the cases simulated across all runs (about 10–20 s of work).
MAX_CASES = 200_000_000


@dataclass(frozen=True, slots=True)
class RunLength:
    """The average run length of a chart and how it was computed.

    Attributes
    ----------
    arl : float
        Average run length, in cases (or periods for the Poisson chart); ``math.inf`` when
        ``h`` is infinite.
    method : str
        ``"markov"`` or ``"simulate"``.
    grid : int or None
        Markov chain: the number of cells over ``[0, h]`` (lattice steps when ``lattice``).
    lattice : bool
        True when the chain was laid on the lattice of the steps and is exact.
    runs : int or None
        Simulation: the number of simulated runs.
    standard_error : float or None
        Simulation: the standard error of ``arl`` (sample standard deviation / √runs).

    Examples
    --------
    >>> from caresignal.stats.arl import bernoulli_cusum_arl
    >>> bernoulli_cusum_arl(0.25, h=3.0, odds_ratio=2.0).method
    'markov'
    """

    arl: float
    method: str
    grid: int | None
    lattice: bool
    runs: int | None
    standard_error: float | None


@dataclass(frozen=True, slots=True)
class Threshold:
    """A threshold h chosen for a target in-control ARL.

    Attributes
    ----------
    h : float
        The threshold (in the chart's units): the root of ARL(h) = ``arl0``, or for a chart whose
        steps lie on a lattice, where the ARL jumps at lattice points, the smallest lattice
        threshold whose ARL reaches ``arl0``.
    arl : float
        The Markov-chain ARL at ``h`` (equal to ``arl0`` up to the search tolerance, or just above
        it on a lattice).
    arl0 : float
        The target in-control ARL.
    grid : int
        The number of Markov-chain cells used (lattice steps when ``lattice``).
    lattice : bool
        True when the chain was exact on a lattice.

    Examples
    --------
    >>> from caresignal.stats.arl import normal_cusum_threshold
    >>> round(normal_cusum_threshold(0.5, 500.0).h, 3)
    4.389
    """

    h: float
    arl: float
    arl0: float
    grid: int
    lattice: bool


def run(
    chart: Chart, h: Any, head_start: Any, signal_rule: Any, options: tuple[Any, ...]
) -> RunLength:
    checked = check_options(*options)
    limit = check_threshold("h", h)
    strict = check_signal_rule(signal_rule)
    start = check_head_start(head_start, limit)
    if math.isinf(limit):
        return RunLength(math.inf, checked.method, None, False, None, None)
    if checked.method == "simulate":
        arl, error = simulate(chart, limit, start, strict, checked)
        return RunLength(arl, "simulate", None, False, checked.runs, error)
    arl, cells, lattice = markov(chart, limit, start, strict, checked.grid)
    return RunLength(arl, "markov", cells, lattice, None, None)


def find(chart: Chart, arl0: Any, head_start: Any, signal_rule: Any, grid: Any) -> Threshold:
    target = check_positive("arl0", arl0)
    if target <= 1.0:
        raise ValueError(f"arl0 is {target!r}; expected an average run length > 1")
    start = check_head_start(head_start, math.inf)
    checked = check_options("markov", grid, 2, None, 1)
    h, arl, cells, lattice = threshold(
        chart, target, start, check_signal_rule(signal_rule), checked.grid
    )
    return Threshold(h, arl, target, cells, lattice)
