"""Scoring in blocks of rows, on every processor core.

Each block is small enough for its intermediate arrays to stay in the processor's cache, which
makes the elementwise steps several times faster than over whole columns of ten million rows.
numpy releases the interpreter lock inside each step, so blocks run on all cores at once from a
small pool of threads; every block writes only its own rows of the output columns.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["BLOCK", "in_blocks"]

BLOCK = 1 << 16
_WORKERS = max(1, min(8, os.cpu_count() or 1))


def in_blocks(n: int, step: Callable[[slice], None]) -> None:
    """Run ``step`` over consecutive blocks of ``n`` rows (in parallel when there are many)."""
    parts = [slice(start, min(start + BLOCK, n)) for start in range(0, n, BLOCK)]
    if _WORKERS == 1 or len(parts) < 2 * _WORKERS:
        for part in parts:
            step(part)
        return
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        for _ in pool.map(step, parts):  # re-raises the first error of any block
            pass
