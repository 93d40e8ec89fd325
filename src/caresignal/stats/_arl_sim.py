"""Monte Carlo run lengths of CUSUM charts (private; see :mod:`caresignal.stats.arl`).

Many runs advance together in blocks of cases. Within a block a chart started at ``S0`` is
``S_t = C_t - min(-S0, min_{s <= t} C_s)`` for the cumulative sum ``C`` of its steps (Lindley's
recursion without a loop), so the only Python loop is over blocks. Several charts may watch the
same draws (the upper and lower halves of a two-sided CUSUM); a run ends when any of them signals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._arl_chain import Draw

#: Draws per block across all active runs (bounds memory at about 100 MB).
BLOCK_CELLS = 4_000_000


def simulate_run_lengths(
    draw: Draw,
    h: float,
    *,
    runs: int,
    rng: np.random.Generator,
    starts: Sequence[float] = (0.0,),
    signs: Sequence[float] = (1.0,),
    offset: float = 0.0,
    strict: bool,
    max_cases: int,
) -> NDArray[np.int64]:
    """Cases to the first signal in each of ``runs`` independent runs.

    Chart ``j`` takes the steps ``signs[j] * x + offset`` for the draws ``x`` and starts at
    ``starts[j]``; it signals at ``S >= h`` (``S > h`` if ``strict``).
    """
    level = np.tile(np.asarray(starts, dtype=np.float64)[:, None], (1, runs))
    elapsed = np.zeros(runs, dtype=np.int64)
    lengths = np.zeros(runs, dtype=np.int64)
    active = np.arange(runs)
    simulated = 0
    while active.size:
        block = int(max(64, min(1 << 16, BLOCK_CELLS // active.size)))
        simulated += active.size * block
        if simulated > max_cases:
            raise ValueError(
                f"the simulation needs more than max_cases={max_cases:,} simulated cases "
                f"({active.size} of {runs} runs have not signalled after "
                f"{int(elapsed[active[0]]):,} cases); use method='markov', fewer runs, "
                "or a larger max_cases"
            )
        x = draw(rng, (active.size, block))
        hit = np.zeros(x.shape, dtype=bool)
        for j, sign in enumerate(signs):
            path = _lindley(sign * x + offset, level[j, active])
            hit |= (path > h) if strict else (path >= h)
            level[j, active] = path[:, -1]
        signalled = hit.any(axis=1)
        first = np.argmax(hit, axis=1)
        done = active[signalled]
        lengths[done] = elapsed[done] + first[signalled] + 1
        elapsed[active] += block
        active = active[~signalled]
    return lengths


def _lindley(steps: NDArray[np.float64], start: NDArray[np.float64]) -> NDArray[np.float64]:
    """``S_t = max(0, S_{t-1} + W_t)`` along each row, from ``S_0 = start`` (one per row)."""
    C = np.cumsum(steps, axis=1)
    floor = np.minimum(np.minimum.accumulate(C, axis=1), -start[:, None])
    S: NDArray[np.float64] = C - floor
    return S
