"""Markov-chain engine for CUSUM run lengths (private; see :mod:`caresignal.stats.arl`).

A one-sided CUSUM ``S = max(0, S + W)`` that signals when ``S >= h`` is approximated by a Markov
chain on ``n + 1`` equally spaced nodes ``0, Δ, ..., nΔ = h`` (Δ = h/n). From node ``i`` a step
``W`` lands at ``x = iΔ + W``: below zero it returns to node 0; at or above ``h`` it signals; in
between, its probability is split between the two nodes either side of ``x`` in proportion to the
distance (linear interpolation). The split keeps the mean of every step exact, so the chain has no
drift bias, and the ARL converges at rate O(Δ²) for smooth step distributions. Node ``n`` stands
for the chart just below ``h``. When every possible step, ``h`` and the head start are whole
multiples of a common unit (a lattice, as in Lucas's integer-scaled Poisson CUSUM), the nodes are
put on that lattice and the chain is exact.

The step distribution enters only through ``masses(delta, n, shift, smooth)``: for a step measured
in grid units, ``z = (W + shift)/Δ``, landing in cell ``d = floor(z)`` at ``f = z - d``, the arrays
hold, by offset ``d`` from ``-(n + 1)`` to ``n + 1``, the probability ``(1 - f)`` sent to the node
below (``lower``), the probability ``f`` sent to the node above (``upper``, indexed by ``d + 1``),
and the probability of landing exactly on a node (``exact``; used only for the ``S > h`` rule).
With ``smooth`` (used off a lattice) each discrete step is first spread evenly over
``[z - 1/2, z + 1/2)``, which keeps its mean, adds a variance of Δ²/12 and makes the chain's ARL a
smooth function of h: without it a step landing just below or just at h from one node switches
between "stays" and "signals", which for few distinct steps moves the ARL by up to about 1 %.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy import linalg, special

FloatArray = NDArray[np.float64]
Draw = Callable[[np.random.Generator, tuple[int, int]], FloatArray]

#: Relative tolerance for treating a step as a whole number of grid units.
SNAP = 1e-9
#: Largest chain solved when the steps lie on a lattice (beyond this, interpolate).
MAX_LATTICE_NODES = 20000
#: Largest divisor of the smallest step tried when looking for a lattice.
MAX_LATTICE_DIVISOR = 64
#: The default number of grid cells and its bounds (see :func:`default_cells`).
MIN_CELLS = 4000
FEW_VALUES_CELLS = 8000
MAX_CELLS = 16000
#: Largest chain solved densely when the fast solver's residual check fails.
DENSE_LIMIT = 4000
#: Step distributions with at most this many distinct values (of probability > 1e-12) are "few".
FEW_VALUES = 32


class Increments(Protocol):
    """A distribution of CUSUM steps: what the Markov chain and the simulation need to know."""

    def masses(
        self, delta: float, n: int, shift: float, smooth: bool
    ) -> tuple[FloatArray, FloatArray, FloatArray]: ...

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> FloatArray: ...

    def lattice_unit(self) -> float | None: ...

    def typical_step(self) -> float: ...

    def distinct_values(self) -> int: ...


@dataclass(frozen=True, slots=True)
class DiscreteIncrements:
    """Steps taking finitely many values; probabilities summing to less than 1 leave the rest as
    steps so large that they always signal (a truncated tail)."""

    values: FloatArray
    probs: FloatArray
    sampler: Draw

    def masses(
        self, delta: float, n: int, shift: float, smooth: bool
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        z = (self.values + shift) / delta
        if not smooth:
            z = _snap(z)
            cell = np.floor(z)
            return _cell_masses(cell, self.probs, (z - cell) * self.probs, n, exact=True)
        # Each step spread evenly over one cell width, [z - 1/2, z + 1/2), covering two cells.
        start = z - 0.5
        cell = np.floor(start)
        part = start - cell  # the share in the second cell
        cells = np.concatenate([cell, cell + 1.0])
        mass = np.concatenate([(1.0 - part) * self.probs, part * self.probs])
        moment = np.concatenate([0.5 * (1.0 - part**2) * self.probs, 0.5 * part**2 * self.probs])
        return _cell_masses(cells, mass, moment, n, exact=False)

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> FloatArray:
        return self.sampler(rng, shape)

    def lattice_unit(self) -> float | None:
        return lattice_unit(self.values[self.probs > 0])

    def distinct_values(self) -> int:
        return int(np.unique(self.values[self.probs > 1e-12]).size)

    def typical_step(self) -> float:
        """The probability-weighted median of the step sizes |W|."""
        order = np.argsort(np.abs(self.values))
        cumulative = np.cumsum(self.probs[order])
        middle = int(np.searchsorted(cumulative, 0.5 * cumulative[-1]))
        return float(np.abs(self.values[order][min(middle, order.size - 1)]))


@dataclass(frozen=True, slots=True)
class NormalIncrements:
    """Steps ``X - k`` with ``X`` normal with unit variance: ``mean`` is ``mu - k``."""

    mean: float

    def masses(
        self, delta: float, n: int, shift: float, smooth: bool
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        del smooth  # already continuous
        centre = (self.mean + shift) / delta  # the step in grid units is N(centre, spread²)
        spread = 1.0 / delta
        d = np.arange(-(n + 1), n + 1, dtype=np.float64)
        a, b = (d - centre) / spread, (d + 1.0 - centre) / spread
        inside = _normal_interval(a, b)
        to_upper = (centre - d) * inside + spread * (_pdf(a) - _pdf(b))
        size = 2 * n + 3
        lower, upper = np.zeros(size), np.zeros(size)
        lower[:-1] = np.clip(inside - to_upper, 0.0, None)
        upper[1:] = np.clip(to_upper, 0.0, None)
        lower[0] += special.ndtr(a[0])
        return lower, upper, np.zeros(size)

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> FloatArray:
        return rng.normal(self.mean, 1.0, size=shape)

    def lattice_unit(self) -> float | None:
        return None

    def typical_step(self) -> float:
        return 1.0

    def distinct_values(self) -> int:
        return FEW_VALUES + 1  # a continuous distribution


def _cell_masses(
    cell: FloatArray, mass: FloatArray, moment: FloatArray, n: int, *, exact: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Split each cell's probability between its two end nodes by its first moment in the cell.

    ``mass`` lands in grid cell ``[cell, cell + 1)`` (in grid units) with ``moment`` =
    E[(z - cell); z in the cell]: ``mass - moment`` goes to the lower node, ``moment`` to the upper.
    Cells beyond ``n`` signal from every node and are dropped; cells below ``-(n + 1)`` return to
    node 0 from every node. With ``exact``, mass on a node (no moment) is also counted in ``exact``.
    """
    keep = cell <= n
    cell, mass, moment = cell[keep], mass[keep], moment[keep]
    below = cell < -(n + 1)
    cell = np.where(below, -(n + 1), cell)
    moment = np.where(below, 0.0, moment)
    index = (cell + (n + 1)).astype(np.int64)
    size = 2 * n + 3
    lower = np.bincount(index, weights=mass - moment, minlength=size).astype(np.float64)
    upper = np.bincount(index + 1, weights=moment, minlength=size).astype(np.float64)
    on_node = (moment == 0.0) if exact else np.zeros(index.size, dtype=bool)
    ex = np.bincount(index[on_node], weights=mass[on_node], minlength=size).astype(np.float64)
    return lower, upper, ex


def _pdf(x: FloatArray) -> FloatArray:
    density: FloatArray = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
    return density


def _normal_interval(a: FloatArray, b: FloatArray) -> FloatArray:
    """P(a <= Z < b) for standard normal Z, accurate in both tails."""
    left = special.ndtr(b) - special.ndtr(a)
    right = special.ndtr(-a) - special.ndtr(-b)
    result: FloatArray = np.where(a > 0, right, left)
    return result


def _snap(z: FloatArray) -> FloatArray:
    nearest = np.rint(z)
    close = np.abs(z - nearest) <= SNAP * np.maximum(1.0, np.abs(z))
    snapped: FloatArray = np.where(close, nearest, z)
    return snapped


def lattice_unit(values: FloatArray) -> float | None:
    """The largest unit of which every value is a whole multiple, if a small one exists."""
    sizes = np.abs(values[values != 0.0])
    if sizes.size == 0:
        return None
    smallest = float(sizes.min())
    for divisor in range(1, MAX_LATTICE_DIVISOR + 1):
        unit = smallest / divisor
        ratio = values / unit
        if np.all(np.abs(ratio - np.rint(ratio)) <= SNAP * np.maximum(1.0, np.abs(ratio))):
            return unit
    return None


def _rows(
    masses: tuple[FloatArray, FloatArray, FloatArray], n: int, strict: bool, rows: NDArray[np.int64]
) -> FloatArray:
    """Transition probabilities from the given nodes to nodes 0..n (signals are left out)."""
    lower, upper, exact = masses
    both = lower + upper
    i = rows[:, None]
    Q: FloatArray = both[np.arange(n + 1)[None, :] - i + (n + 1)]
    Q[:, 0] = np.cumsum(both)[n + 1 - rows]  # everything at or below node 0 restarts at 0
    top = 2 * n + 1 - rows
    Q[:, n] = upper[top] + (exact[top] if strict else 0.0)  # from below h; at h only under ">"
    return Q


def chain_arl(
    steps: Increments,
    h: float,
    n: int,
    *,
    starts: tuple[float, ...],
    strict: bool,
    smooth: bool = False,
) -> FloatArray:
    """ARLs of the chart ``S = max(0, S + W)`` from each of ``starts``, signalling at ``S >= h``
    (``S > h`` if ``strict``), on a grid of ``n`` cells."""
    delta = h / n
    masses = steps.masses(delta, n, 0.0, smooth)
    L = _solve(masses, n, strict)
    return np.array([_from_start(steps, L, delta, n, start, strict, smooth) for start in starts])


def _solve(masses: tuple[FloatArray, FloatArray, FloatArray], n: int, strict: bool) -> FloatArray:
    """Solve ``(I - Q) L = 1`` for the ARL from every node.

    ``Q`` is a Toeplitz matrix (the step distribution shifted along each row) except in column 0,
    which also collects every step below zero, and column n, which keeps only the mass arriving
    from below h. So ``I - Q = B - U Vᵀ`` with ``B`` Toeplitz and a rank-two correction: Levinson
    recursion solves ``B`` in O(n²) and the Woodbury identity adds the correction. The residual is
    checked, with a dense solve as the fallback.
    """
    lower, upper, exact = masses
    both = lower + upper
    nodes = np.arange(n + 1)
    column, row = -both[n + 1 - nodes], -both[nodes + n + 1]
    column[0] += 1.0
    row[0] += 1.0
    top = 2 * n + 1 - nodes
    U = np.zeros((n + 1, 2))
    U[:, 0] = np.cumsum(both)[n + 1 - nodes] - both[n + 1 - nodes]  # steps to below node 0
    U[:, 1] = (exact[top] if strict else 0.0) - lower[top]  # at or above h: a signal
    if not strict:
        U[n, 1] += exact[n + 1]  # node n is the chart just below h: a zero step stays there
    ones = np.ones(n + 1)
    X = linalg.solve_toeplitz((column, row), np.column_stack([ones, U]))
    small = np.eye(2) - X[[0, n], 1:]
    L = X[:, 0] + X[:, 1:] @ np.linalg.solve(small, X[[0, n], 0])
    residual = linalg.matmul_toeplitz((column, row), L) - U @ L[[0, n]] - ones
    if np.all(np.isfinite(L)) and np.abs(residual).max() <= 1e-8 * max(1.0, float(L.max())):
        return np.asarray(L, dtype=np.float64)
    if n > DENSE_LIMIT:
        raise ValueError(
            f"the Markov chain with {n} cells could not be solved accurately; "
            "use fewer cells (grid) or method='simulate'"
        )
    Q = _rows(masses, n, strict, nodes)
    if not strict:
        Q[n, n] += exact[n + 1]
    return np.asarray(np.linalg.solve(np.eye(n + 1) - Q, ones), dtype=np.float64)


def _from_start(
    steps: Increments,
    L: FloatArray,
    delta: float,
    n: int,
    start: float,
    strict: bool,
    smooth: bool,
) -> float:
    position = start / delta
    node = int(np.floor(position + SNAP * max(1.0, position)))
    fraction = position - node
    if abs(fraction) <= SNAP * max(1.0, position):
        return float(L[node])
    # Between nodes: one exact step from the head start, then the chain (Nyström-type).
    shifted = steps.masses(delta, n, fraction * delta, smooth)
    row = _rows(shifted, n, strict, np.array([node]))[0]
    return float(1.0 + row @ L)


@dataclass(frozen=True, slots=True)
class Discretisation:
    """How the chain was laid out: ``cells`` grid cells over ``[0, h_used]``; exact on a lattice."""

    cells: int
    lattice: bool
    h_used: float
    strict: bool


def default_cells(steps: Increments, h: float) -> int:
    """The default grid: 4,000 cells (8,000 when the steps take few distinct values, whose ARL
    converges more slowly), more if needed for a typical (median) step to span a cell, at most
    16,000."""
    base = FEW_VALUES_CELLS if steps.distinct_values() <= FEW_VALUES else MIN_CELLS
    typical = steps.typical_step()
    wanted = np.ceil(h / typical) if typical > 0 else base
    return int(np.clip(wanted, base, MAX_CELLS))


def discretise(
    steps: Increments, h: float, *, starts: tuple[float, ...], strict: bool, cells: int | None
) -> Discretisation:
    """Choose the chain: the lattice if there is one (and ``cells`` is not forced), else a grid."""
    unit = common_unit(steps, starts) if cells is None else None
    if unit is not None:
        ratio = h / unit
        nodes = int(np.floor(ratio + SNAP * ratio)) + 1 if strict else _ceil(ratio)
        nodes = max(nodes, 1)
        if nodes <= MAX_LATTICE_NODES:
            # On the lattice "S > h" is "S >= the next lattice point": one rule serves both.
            return Discretisation(nodes, True, nodes * unit, False)
    if cells is None:
        cells = default_cells(steps, h)
    return Discretisation(cells, False, h, strict)


def common_unit(steps: Increments, starts: tuple[float, ...]) -> float | None:
    """The lattice unit of the steps refined to hold the head starts too, if there is one."""
    unit = steps.lattice_unit()
    if unit is None:
        return None
    return lattice_unit(np.array([unit, *starts], dtype=np.float64))


def _ceil(x: float) -> int:
    return int(np.ceil(x - SNAP * max(1.0, abs(x))))


def markov_arl(
    steps: Increments, h: float, *, starts: tuple[float, ...], strict: bool, cells: int | None
) -> tuple[FloatArray, Discretisation]:
    """The Markov-chain ARLs from each start, and the discretisation used."""
    plan = discretise(steps, h, starts=starts, strict=strict, cells=cells)
    values = chain_arl(
        steps, plan.h_used, plan.cells, starts=starts, strict=plan.strict, smooth=not plan.lattice
    )
    return values, plan
