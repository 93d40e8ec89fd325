"""Threshold searches: the h whose ARL is a target (private; see :mod:`caresignal.stats.arl`)."""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy import optimize

#: Relative accuracy of a threshold found by root search.
H_RTOL = 1e-6


def _bracket(arl_of_h: Callable[[float], float], arl0: float, guess: float) -> tuple[float, float]:
    """Two thresholds whose ARLs lie either side of ``arl0`` (the ARL grows with h)."""
    low = high = guess
    if arl_of_h(guess) < arl0:
        while arl_of_h(high) < arl0:
            low, high = high, high * 2.0
            if high > 1e6:
                raise ValueError(f"no threshold below 1e6 reaches arl0={arl0!r}")
    else:
        while arl_of_h(low) >= arl0:
            low, high = low / 2.0, low
            if low < 1e-9:
                raise ValueError(
                    f"arl0={arl0!r} is reached by every threshold; expected a larger arl0"
                )
    return low, high


def continuous_threshold(
    arl_of_h: Callable[[float, int], float],
    arl0: float,
    *,
    guess: float,
    cells_for: Callable[[float], int],
) -> tuple[float, int]:
    """Root of log ARL(h) = log arl0, and the grid cells used to find it.

    ``arl_of_h(h, cells)`` is the ARL at ``h`` from a chain of ``cells`` cells; ``cells_for(h)``
    the full grid at ``h``. Bracketing and Brent's method run first on a grid five times coarser;
    on the full grid (fixed at the coarse answer) secant steps then refine the root, since log ARL
    is close to linear in h, falling back on a bracket and Brent's method if they stray.
    """
    target = math.log(arl0)
    known: dict[tuple[float, int], float] = {}

    def gap(h: float, cells: int) -> float:
        if (h, cells) not in known:
            known[h, cells] = math.log(arl_of_h(h, cells)) - target
        return known[h, cells]

    def coarse_cells(h: float) -> int:
        return max(100, cells_for(h) // 5)

    low, high = _bracket(lambda h: math.exp(gap(h, coarse_cells(h)) + target), arl0, guess)
    rough = float(optimize.brentq(lambda h: gap(h, coarse_cells(h)), low, high, rtol=SECANT_START))
    # The coarse chain's slope of log ARL at its root starts the secant steps on the full grid.
    step = 1e-3 * rough
    slope = (gap(rough + step, coarse_cells(rough)) - gap(rough, coarse_cells(rough))) / step
    cells = cells_for(rough)
    root = _secant(lambda h: gap(h, cells), rough, slope)
    if root is not None:
        return root, cells
    low, high = 0.99 * rough, 1.01 * rough
    while gap(low, cells) > 0.0:
        low *= 0.9
    while gap(high, cells) < 0.0:
        high *= 1.1
    return float(optimize.brentq(gap, low, high, args=(cells,), rtol=H_RTOL)), cells


#: Relative accuracy of the coarse root, where the secant steps start.
SECANT_START = 1e-5


def _secant(gap: Callable[[float], float], x0: float, slope: float) -> float | None:
    """A Newton step from ``x0`` with an estimated ``slope``, then secant steps; None unless
    they converge to a relative change of ``H_RTOL``."""
    g0 = gap(x0)
    if slope <= 0.0 or not math.isfinite(slope):
        return None
    x1 = x0 - g0 / slope
    for _ in range(12):
        if not 0.5 * x0 < x1 < 2.0 * x0:
            return None
        if abs(x1 - x0) <= H_RTOL * x1:
            return x1
        g1 = gap(x1)
        if g1 == g0:
            return x1
        x0, g0, x1 = x1, g1, x1 - g1 * (x1 - x0) / (g1 - g0)
    return None


def lattice_threshold(arl_of_nodes: Callable[[int], float], arl0: float) -> int:
    """The smallest whole number of lattice units whose ARL reaches ``arl0`` (bisection)."""
    high = 1
    while arl_of_nodes(high) < arl0:
        high *= 2
        if high > 1 << 20:
            raise ValueError(f"no threshold reaches arl0={arl0!r}")
    low = high // 2  # arl(low) < arl0, or low == 0
    while high - low > 1:
        middle = (low + high) // 2
        if arl_of_nodes(middle) >= arl0:
            high = middle
        else:
            low = middle
    return high
