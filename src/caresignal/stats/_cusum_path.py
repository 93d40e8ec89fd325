"""The path of a one-sided CUSUM, with or without resets, in linear time (private; see
:mod:`caresignal.stats.cusum`).

Without resets the recursion ``S_t = max(0, S_{t-1} + W_t)`` from ``S_0 = s`` has the closed form
``S_t = C_t - min(-s, min_{u <= t} C_u)`` for the cumulative sum ``C`` of the weights (Lindley),
which numpy computes with ``cumsum`` and ``minimum.accumulate``. With resets the chart restarts
from 0 after each signal, so the series is cut at signals: the closed form runs over a window
that starts small and doubles until it finds the next signal or the end, then restarts just
after the signal with a window about twice the last gap between signals. Each case is therefore
processed a bounded number of times on average and the Python loop runs about once per signal
(plus a logarithmic number of window doublings), not once per case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Smallest window after a signal, and the largest window.
FIRST_WINDOW = 256
LARGEST_WINDOW = 1 << 22


def lindley(weights: FloatArray, start: float = 0.0) -> FloatArray:
    """``S_t = max(0, S_{t-1} + W_t)`` for every t, from ``S_0 = start``, without a loop."""
    C = np.cumsum(weights)
    floor = np.minimum.accumulate(C)
    np.minimum(floor, -start, out=floor)
    C -= floor
    return C


def crossings(path: FloatArray, h: float, strict: bool) -> NDArray[np.bool_]:
    """Where the statistic signals: ``S > h`` if ``strict`` else ``S >= h``."""
    return np.greater(path, h) if strict else np.greater_equal(path, h)


def cusum_path(
    weights: FloatArray, h: float, *, strict: bool, reset: bool
) -> tuple[FloatArray, NDArray[np.int64]]:
    """The statistic after each case and the positions of the signals.

    Without ``reset`` (or when ``h`` is infinite) every position where the statistic is at or
    above ``h`` is a signal; with ``reset`` the statistic restarts from 0 after each signal.
    """
    if not reset or math.isinf(h):
        path = lindley(weights)
        return path, np.flatnonzero(crossings(path, h, strict)).astype(np.int64)
    return _with_resets(weights, h, strict)


def _with_resets(
    weights: FloatArray, h: float, strict: bool
) -> tuple[FloatArray, NDArray[np.int64]]:
    n = weights.size
    path = np.empty(n, dtype=np.float64)
    signals: list[int] = []
    position, level, window = 0, 0.0, FIRST_WINDOW
    while position < n:
        end = min(n, position + window)
        segment = lindley(weights[position:end], level)
        hits = crossings(segment, h, strict)
        first = int(np.argmax(hits))
        if hits[first]:
            path[position : position + first + 1] = segment[: first + 1]
            gap = first + 1 if not signals else position + first - signals[-1]
            signals.append(position + first)
            position, level = position + first + 1, 0.0
            window = int(min(LARGEST_WINDOW, max(FIRST_WINDOW, 2 * gap)))
        else:
            path[position:end] = segment
            position, level = end, float(segment[-1])
            window = min(LARGEST_WINDOW, 2 * window)
    return path, np.asarray(signals, dtype=np.int64)


#: The window of a chart that never resets (``h`` infinite): one window over every case.
ENDLESS = 1 << 62


@dataclass(frozen=True, slots=True)
class PathState:
    """Where :func:`resume_path` stands after some cases: enough to carry the path on exactly.

    ``steps`` cases were processed. The current window starts at case ``position``, is
    ``window`` cases long and began from the statistic ``level``. ``total`` and ``floor`` are
    the running cumulative sum and its running minimum (cut at ``-level``) at the last case of
    the window processed so far (None before its first case). ``last_signal`` is the position
    of the last signal (-1 before any).
    """

    steps: int = 0
    position: int = 0
    window: int = FIRST_WINDOW
    level: float = 0.0
    total: float | None = None
    floor: float | None = None
    last_signal: int = -1


def resume_path(
    weights: FloatArray, h: float, *, strict: bool, state: PathState | None = None
) -> tuple[FloatArray, NDArray[np.int64], PathState]:
    """The path with resets over ``weights``, carried on from ``state`` (from the start if None).

    Returns the statistic at each of these cases, the signals among them (positions counted from
    the chart's first case) and the state after them. The result is exactly (to the last bit)
    that of :func:`cusum_path` with ``reset=True`` over all the cases so far: the windows fall
    where they would, and a window cut short by the end of the data goes on with the same
    running sum. So a chart can be computed once and carried on as cases arrive.
    """
    if state is None:
        state = PathState(window=ENDLESS if math.isinf(h) else FIRST_WINDOW)
    base, size = state.steps, state.steps + weights.size
    path = np.empty(weights.size, dtype=np.float64)
    signals: list[int] = []
    position, window, level = state.position, state.window, state.level
    total, floor, last = state.total, state.floor, state.last_signal
    cursor = base
    while cursor < size:
        end = min(size, position + window)
        part = weights[cursor - base : end - base]
        if total is None or floor is None:
            C = np.cumsum(part)
            lows = np.minimum.accumulate(C)
            np.minimum(lows, -level, out=lows)
        else:  # the window's running sum and minimum go on from where they stood
            C = np.cumsum(np.concatenate([[total], part]))[1:]
            lows = np.minimum.accumulate(np.concatenate([[floor], C]))[1:]
        segment = C - lows
        hits = crossings(segment, h, strict)
        first = int(np.argmax(hits))
        if hits[first]:
            at = cursor + first
            path[cursor - base : at - base + 1] = segment[: first + 1]
            gap = at - position + 1 if last < 0 else at - last
            signals.append(at)
            last, position, level = at, at + 1, 0.0
            window = int(min(LARGEST_WINDOW, max(FIRST_WINDOW, 2 * gap)))
            total = floor = None
            cursor = position
            continue
        path[cursor - base : end - base] = segment
        if end == position + window:
            position, level, window = end, float(segment[-1]), min(LARGEST_WINDOW, 2 * window)
            total = floor = None
        else:
            total, floor = float(C[-1]), float(lows[-1])
        cursor = end
    after = PathState(size, position, window, level, total, floor, last)
    return path, np.asarray(signals, dtype=np.int64), after
