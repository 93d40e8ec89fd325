"""The textbook CUSUM recursion, one case at a time: the reference the fast path must match.

Shared by tests/stats/test_cusum.py and test_cusum_properties.py. It is written as plainly as the
papers state it (Page 1954; Steiner et al. 2000), with no numpy tricks, so that it is independent
of caresignal's closed-form, windowed implementation.
"""

from __future__ import annotations

from collections.abc import Iterable


def sequential_cusum(
    weights: Iterable[float], h: float, *, strict: bool, reset: bool
) -> tuple[list[float], list[int]]:
    """``S_t = max(0, S_{t-1} + W_t)``; a signal where ``S_t > h`` (``strict``) or ``>= h``."""
    level, path, signals = 0.0, [], []
    for t, w in enumerate(weights):
        level = max(0.0, level + float(w))
        path.append(level)
        if (level > h) if strict else (level >= h):
            signals.append(t)
            if reset:
                level = 0.0
    return path, signals
