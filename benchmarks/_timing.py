"""Timing shared by the benchmark scripts: the best of several runs, as timeit recommends."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(runs: int, call: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``call`` ``runs`` times; return the shortest wall time in seconds and the last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result
