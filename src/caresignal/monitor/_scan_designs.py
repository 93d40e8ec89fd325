"""Threshold designs a scan needs, found on several processes when there are many (private; see
:mod:`caresignal.monitor.scan`).

A first scan designs a threshold pair for every unit's CUSUM (about 30 ms each; 1,650 on the
national dataset). The designs are independent, so before a batch of CUSUM tasks runs,
:class:`DesignPool` finds the ones the cache lacks on worker processes and puts them in the
cache; the tasks then find every design there. The workers are started (with ``spawn``, so they
share nothing with this process) only when at least :data:`MIN_PARALLEL` designs are missing, and
once per scan. A design depends only on its key, so the results are the same as one process
would give.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from caresignal.data.dataset import replace_file
from caresignal.monitor._scan_units import CusumTask, design_input
from caresignal.monitor.thresholds import ThresholdCache
from caresignal.stats.design import CaseMix, Solved, thresholds

__all__ = [
    "MIN_PARALLEL",
    "THRESHOLD_CACHE",
    "DesignPool",
    "designing",
    "read_threshold_cache",
    "write_threshold_cache",
]

#: The threshold designs kept between scans, relative to the data directory.
THRESHOLD_CACHE = Path("cache") / "thresholds.json"

#: Fewest missing designs worth starting worker processes for.
MIN_PARALLEL = 64


def _solve(job: tuple[CaseMix, str, float, tuple[float, float]]) -> tuple[Solved, ...]:
    mix, chart, ratio, goals = job
    return thresholds(mix, chart=chart, ratio=ratio, arl0=goals)  # type: ignore[arg-type]


class DesignPool:
    """Worker processes that fill a :class:`ThresholdCache` with the designs tasks will need.

    Use as a context manager; with one worker (the default) none is ever started.
    """

    def __init__(
        self,
        cache: ThresholdCache | Callable[[], ThresholdCache],
        workers: int = 1,
        minimum: int = MIN_PARALLEL,
    ) -> None:
        self._cache = cache if isinstance(cache, ThresholdCache) else None
        self._load = None if isinstance(cache, ThresholdCache) else cache
        #: How many designs the cache held when it was read (None until it is).
        self.known: int | None = None if self._cache is None else len(self._cache)
        self.workers = workers
        self.minimum = minimum
        #: How many designs the workers have made.
        self.designed = 0
        self._pool: ProcessPoolExecutor | None = None

    @property
    def cache(self) -> ThresholdCache:
        """The designs: read when first needed (a scan that carries every chart on from its
        kept state, designs included, never reads them)."""
        if self._cache is None:
            assert self._load is not None
            self._cache = self._load()
            self.known = len(self._cache)
        return self._cache

    @property
    def loaded(self) -> bool:
        """Whether the cache was read (or given)."""
        return self._cache is not None

    def __enter__(self) -> DesignPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def ready(self, tasks: Sequence[CusumTask]) -> list[CusumTask]:
        """``tasks``, each carrying what its design is computed from (worked out once, here, so
        the task does not work it out again), after the designs the cache lacks were made on
        the workers. With one worker the tasks are returned as they are."""
        if self.workers < 2:
            return list(tasks)
        given = [replace(task, given=design_input(task)) for task in tasks]
        self.designed += self._design_missing(given)
        return given

    def prepare(self, tasks: Sequence[CusumTask]) -> int:
        """Design, on the workers, what ``tasks`` need and the cache lacks; return how many."""
        before = self.designed
        self.ready(tasks)
        return self.designed - before

    def _design_missing(self, tasks: Sequence[CusumTask]) -> int:
        missing: dict[Any, tuple[CaseMix, str, float, tuple[float, float]]] = {}
        for task in tasks:
            given = design_input(task)
            if isinstance(given, str):
                continue
            key = given.key
            if key not in self.cache and key not in missing:
                missing[key] = (given.mix, given.chart, given.ratio, key[3])
        if len(missing) < self.minimum:
            return 0
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        jobs = list(missing.values())
        chunk = max(1, len(jobs) // (self.workers * 8))
        for key, solved in zip(missing, self._pool.map(_solve, jobs, chunksize=chunk), strict=True):
            self.cache.put(key, solved)
        return len(jobs)


def read_threshold_cache(directory: Path) -> ThresholdCache:
    """The designs kept in ``directory``; an empty cache if there is none or it cannot be read."""
    path = directory / THRESHOLD_CACHE
    try:
        return ThresholdCache.from_json(path.read_text("utf-8"))
    except (OSError, ValueError):
        return ThresholdCache()


def write_threshold_cache(directory: Path, cache: ThresholdCache) -> None:
    """Keep ``cache`` in ``directory`` for later scans (written atomically)."""
    path = directory / THRESHOLD_CACHE
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, cache.to_json().encode("utf-8"))


@contextmanager
def designing(directory: Path, cache: ThresholdCache | None, workers: int) -> Iterator[DesignPool]:
    """A :class:`DesignPool` over ``cache``, or over the designs kept in ``directory`` when none
    is given; those, with any new ones, are written back when the work ends without an error."""
    keep = cache is None
    source = functools.partial(read_threshold_cache, directory) if cache is None else cache
    with DesignPool(source, workers) as pool:
        yield pool
    if keep and pool.loaded and pool.known is not None and len(pool.cache) > pool.known:
        write_threshold_cache(directory, pool.cache)
