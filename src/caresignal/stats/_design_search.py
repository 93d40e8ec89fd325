"""Several thresholds of a chart from one search (private; see :mod:`caresignal.stats.design`).

The in-control ARL of a chart is computed by the Markov chain of :mod:`caresignal.stats.arl` on
:data:`CELLS` and twice as many cells, extrapolated to an infinitely fine grid (Richardson: the
chain's error falls as 1/cells²). Log ARL is close to linear in h with slope about 1 (Wald: the
in-control mean of ``exp(W)`` is 1 for a log-likelihood-ratio weight ``W``), so a first guess from
Siegmund's approximation, one evaluation per level on a grid half as fine and secant steps on the
full one reach both targets in four to six chain solutions in all. Where the ARL moves in jumps
(a Poisson chart of about one event a month), bisection finishes what the secant steps cannot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from caresignal.stats._arl_chain import DiscreteIncrements, chain_arl

#: Cells of the coarser of the two chains extrapolated (the finer has twice as many).
CELLS = 500
#: A threshold is accepted when its ARL is within this relative distance of the target.
ARL_RTOL = 1e-3
#: Secant steps allowed per level before giving up.
MAX_STEPS = 12


@dataclass(frozen=True, slots=True)
class Solved:
    """A threshold and the in-control ARL the Markov chain gives at it.

    Attributes
    ----------
    h : float
        The threshold (log-likelihood-ratio units; signal at ``S >= h``).
    arl : float
        The in-control ARL at ``h``, in steps (cases or periods), extrapolated from chains of
        500 and 1,000 cells: within 0.1 % of the target it was searched for, or, for a chart
        whose ARL jumps past the target as h grows (counts of rare events), the ARL of the
        smallest h that reaches it.

    Examples
    --------
    >>> Solved(h=4.5, arl=9000.0).h
    4.5
    """

    h: float
    arl: float


#: No threshold is searched above this: its in-control ARL would be beyond e^50 steps, far past
#: any target, and the chain's linear system is too ill-conditioned there to say how far.
H_MAX = 50.0


def chain_arl0(steps: DiscreteIncrements, h: float, cells: int = CELLS) -> float:
    """The in-control ARL at ``h``, extrapolated from chains of ``cells`` and ``2·cells`` cells.

    Where the chain cannot give an ARL (a threshold so high that its linear system is
    ill-conditioned, shown by a negative or infinite answer) the ARL is taken as infinite: past
    any target. Where the extrapolation alone goes wrong, the finer chain's ARL is used.
    """
    coarse, fine = (
        float(chain_arl(steps, h, n, starts=(0.0,), strict=False, smooth=True)[0])
        for n in (cells, 2 * cells)
    )
    if not (0.0 < coarse < math.inf and 0.0 < fine < math.inf):
        return math.inf
    extrapolated = (4.0 * fine - coarse) / 3.0
    return extrapolated if extrapolated > 0.0 else fine


def _siegmund_guess(steps: DiscreteIncrements, arl0: float) -> float:
    """h with (e^h − h − 1)/|E W| = arl0 (Siegmund 1985, without the overshoot correction)."""
    drift = abs(float(steps.values @ steps.probs))
    h = math.log(arl0 * drift + 1.0)
    for _ in range(3):
        h = math.log(arl0 * drift + h + 1.0)
    return max(h, 0.1)


def solve_levels(steps: DiscreteIncrements, targets: tuple[float, ...]) -> tuple[Solved, ...]:
    """The threshold reaching each target ARL₀ (ascending targets share the search)."""
    logs = [math.log(target) for target in targets]
    low = _siegmund_guess(steps, targets[0])
    high = low + logs[-1] - logs[0] if len(targets) > 1 else low + 1.0
    rough_low, rough_high = (math.log(chain_arl0(steps, h, CELLS // 2)) for h in (low, high))
    slope = (rough_high - rough_low) / (high - low)
    if not slope > 0.0:
        slope = 1.0
    # The fine chain's ARL differs from the rough line by a nearly constant offset in log ARL:
    # what it was at one level corrects the first guess at the next.
    offset, solved = 0.0, []
    for goal in logs:
        found = _refine(steps, low + (goal - rough_low - offset) / slope, goal, slope)
        offset = math.log(found.arl) - rough_low - slope * (found.h - low)
        solved.append(found)
    return tuple(solved)


def _refine(steps: DiscreteIncrements, h: float, goal: float, slope: float) -> Solved:
    """Secant steps on log ARL(h) = goal from ``h`` with a starting ``slope``, then bisection.

    A chart whose weights take few values (counts of rare events) has an ARL that moves in small
    jumps as h grows; the secant steps may then never land within the tolerance. Bisection on the
    bracket they found ends at the smallest h (to :data:`H_TOL`) whose ARL reaches the target.
    """
    previous: tuple[float, float] | None = None
    below: tuple[float, float] | None = None  # (h, ARL) with the ARL short of the goal
    above: tuple[float, float] | None = None  # (h, ARL) with the ARL past the goal
    for _ in range(MAX_STEPS):
        h = min(max(h, 1e-3), H_MAX)
        arl = chain_arl0(steps, h)
        if math.isinf(arl):  # far past the goal: bisection takes it from here
            above = (h, arl) if above is None or h < above[0] else above
            break
        gap = math.log(arl) - goal
        if abs(gap) <= ARL_RTOL:
            return Solved(h, arl)
        if gap < 0 and (below is None or h > below[0]):
            below = (h, arl)
        if gap > 0 and (above is None or h < above[0]):
            above = (h, arl)
        if previous is not None and previous[0] != h and previous[1] != gap:
            slope = (gap - previous[1]) / (h - previous[0])
        previous = (h, gap)
        h -= gap / slope if slope > 0.0 else gap
    return _bisect(steps, goal, below, above)


#: Bisection stops when the bracket is this narrow (log-likelihood-ratio units).
H_TOL = 1e-6


def _bisect(
    steps: DiscreteIncrements,
    goal: float,
    below: tuple[float, float] | None,
    above: tuple[float, float] | None,
) -> Solved:
    """The smallest h whose ARL reaches ``exp(goal)``, between a bracket's ends."""
    if below is None:
        below = (1e-3, chain_arl0(steps, 1e-3))
    while above is None:
        h = below[0] + 1.0 if below[0] < H_MAX else math.inf
        if math.isinf(h):
            raise ValueError(f"no threshold found for an in-control ARL of {math.exp(goal):.6g}")
        arl = chain_arl0(steps, h)
        if math.log(arl) >= goal:
            above = (h, arl)
        else:
            below = (h, arl)
    while above[0] - below[0] > H_TOL:
        h = (below[0] + above[0]) / 2.0
        arl = chain_arl0(steps, h)
        gap = math.log(arl) - goal
        if abs(gap) <= ARL_RTOL:
            return Solved(h, arl)
        if gap < 0:
            below = (h, arl)
        else:
            above = (h, arl)
    return Solved(*above)
