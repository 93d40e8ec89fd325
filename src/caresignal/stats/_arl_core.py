"""The machinery shared by the public ARL functions (private; see :mod:`caresignal.stats.arl`).

A chart is one or two one-sided CUSUMs watching the same draws. Its ARL comes from the Markov
chain of :mod:`._arl_chain` (two halves are combined by the relation of Lucas & Crosier 1982) or
from the simulation of :mod:`._arl_sim`; thresholds from the searches of :mod:`._arl_search`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from caresignal.stats._arl_chain import (
    MAX_LATTICE_NODES,
    Draw,
    Increments,
    chain_arl,
    common_unit,
    default_cells,
    markov_arl,
)
from caresignal.stats._arl_search import continuous_threshold, lattice_threshold
from caresignal.stats._arl_sim import simulate_run_lengths
from caresignal.stats._checks import check_choice, check_int

METHODS = ("markov", "simulate")


@dataclass(frozen=True, slots=True)
class Chart:
    """One one-sided CUSUM, or the two halves of a two-sided one.

    Half ``j`` takes the steps ``signs[j] * x + offset`` for the draws ``x`` of ``draw``; its step
    distribution for the Markov chain is ``halves[j]``.
    """

    halves: tuple[Increments, ...]
    draw: Draw
    signs: tuple[float, ...] = (1.0,)
    offset: float = 0.0


@dataclass(frozen=True, slots=True)
class Options:
    """Checked options of an ARL calculation."""

    method: str
    grid: int | None
    runs: int
    seed: int | None
    max_cases: int


def check_options(method: Any, grid: Any, runs: Any, seed: Any, max_cases: Any) -> Options:
    check_choice("method", method, METHODS)
    if grid is not None:
        check_int("grid", grid, minimum=2)
    check_int("runs", runs, minimum=2)
    if seed is not None:
        check_int("seed", seed, minimum=0)
    check_int("max_cases", max_cases, minimum=1)
    return Options(method, grid, runs, seed, max_cases)


def markov(
    chart: Chart, h: float, start: float, strict: bool, cells: int | None
) -> tuple[float, int, bool]:
    """The chart's ARL by Markov chain, the grid cells, and whether the chain was exact."""
    if len(chart.halves) == 1:
        values, plan = markov_arl(chart.halves[0], h, starts=(start,), strict=strict, cells=cells)
        return float(values[0]), plan.cells, plan.lattice
    up, plan = markov_arl(chart.halves[0], h, starts=(0.0, start), strict=strict, cells=cells)
    down, _ = markov_arl(chart.halves[1], h, starts=(0.0, start), strict=strict, cells=plan.cells)
    # Lucas & Crosier (1982): ARL = (L+(s) L-(0) + L-(s) L+(0) - L+(0) L-(0)) / (L+(0) + L-(0)).
    combined = (up[1] * down[0] + down[1] * up[0] - up[0] * down[0]) / (up[0] + down[0])
    return float(combined), plan.cells, plan.lattice


def simulate(
    chart: Chart, h: float, start: float, strict: bool, options: Options
) -> tuple[float, float]:
    """The chart's ARL by simulation and its standard error."""
    lengths = simulate_run_lengths(
        chart.draw,
        h,
        runs=options.runs,
        rng=np.random.default_rng(options.seed),
        starts=(start,) * len(chart.halves),
        signs=chart.signs,
        offset=chart.offset,
        strict=strict,
        max_cases=options.max_cases,
    )
    return float(lengths.mean()), float(lengths.std(ddof=1) / math.sqrt(lengths.size))


def threshold(
    chart: Chart, arl0: float, start: float, strict: bool, grid: int | None
) -> tuple[float, float, int, bool]:
    """The threshold h reaching ``arl0``, its ARL, the grid cells and whether it is a lattice."""
    unit = common_unit(chart.halves[0], (start,)) if grid is None else None
    if unit is not None and len(chart.halves) == 1:
        return _lattice_threshold(chart.halves[0], unit, arl0, start, strict)

    def arl_of_h(h: float, cells: int) -> float:
        return markov(chart, h, start, strict, cells)[0] if h > start else 1.0

    def cells_for(h: float) -> int:
        return grid if grid is not None else default_cells(chart.halves[0], h)

    h, cells = continuous_threshold(
        arl_of_h, arl0, guess=max(1.0, 2.0 * start), cells_for=cells_for
    )
    return h, arl_of_h(h, cells), cells, False


def _lattice_threshold(
    steps: Increments, unit: float, arl0: float, start: float, strict: bool
) -> tuple[float, float, int, bool]:
    """On a lattice the ARL jumps at lattice points: the smallest lattice h reaching arl0."""

    def arl_of_nodes(nodes: int) -> float:
        if nodes * unit <= start + 1e-12:
            return 1.0
        if nodes > MAX_LATTICE_NODES:
            raise ValueError(
                f"arl0={arl0!r} needs a threshold beyond {MAX_LATTICE_NODES} lattice steps"
            )
        return float(chain_arl(steps, nodes * unit, nodes, starts=(start,), strict=False)[0])

    nodes = lattice_threshold(arl_of_nodes, arl0)
    # "S >= N·unit" is "S > (N - 1)·unit" on the lattice.
    h = (nodes - 1) * unit if strict else nodes * unit
    return h, arl_of_nodes(nodes), nodes, True
