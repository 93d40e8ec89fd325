"""Benchmark: the scan and the replay on Spark ``local[2]`` beside the local backend (prints JSON).

Run: ``.venv/bin/python benchmarks/bench_spark.py [--data-dir DIR] [--scale huge] [--master M]``
(needs the spark extra: ``pip install -e '.[spark]'``). The data directory is copied to a
temporary directory first; without ``--data-dir`` the synthetic dataset of ``--scale`` (default
``huge``: 10 years, about 6 million births, 190 sites, every ward type) is built there.

A first local scan fits the risk models and designs every threshold (not measured: both
backends then read the same recorded fits and designs). Then, with the scan state deleted before
each, so every chart is computed from its whole series:

* ``local_scan``: the scan as of the last day of the data, its series read from the local series
  cache (``cache/series/``), as a rescan reads them; ``local_scan_uncached``: the same with the
  series cache deleted first, so the series are built from the batches;
* ``spark_scan``: the scan on Spark, which always builds the series from the batches;
* ``local_series`` and ``spark_series``: building every indicator's series alone (the local one
  with the series cache deleted);
* ``local_replay`` and ``spark_replay``: the whole history replayed.

The Spark session's start is timed on its own (``spark_start``). Each Spark step counts the Spark
jobs it ran (``*_jobs``, from Spark's status tracker: the series jobs, the chart jobs and Spark's
own jobs reading the Parquet files' footers). ``same_findings``, ``same_signals`` and
``same_series`` say whether the two backends agreed (numbers to 1e-9); ``spark_slower_by`` is
each Spark time divided by the local one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CLOCK_AT = datetime(2035, 1, 1, tzinfo=UTC)


def _prepare(source: Path | None, scale: str, work: Path) -> Path:
    directory = work / "data"
    if source is not None:
        shutil.copytree(source, directory)
        return directory
    from caresignal.clock import FixedClock
    from caresignal.data.dataset import Dataset
    from caresignal.data.imports import import_synthetic
    from caresignal.monitor.catalogue import load_catalogue

    import_synthetic(
        Dataset(directory),
        scale,  # type: ignore[arg-type]
        1,
        clock=FixedClock(CLOCK_AT),
        exposure_indicators=load_catalogue().exposure_indicators(),
    )
    return directory


def _timed(step: str, run: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    print(json.dumps({"step": step, "seconds": round(seconds, 2)}), file=sys.stderr, flush=True)
    return result, seconds


def _same_findings(local: Any, spark: Any) -> bool:
    """Whether the findings agree: every field equal, the numbers to 1e-9 (a unit's period sums
    may add their rows in another order on Spark, see docs/spark.md)."""
    import dataclasses
    import math

    if len(local) != len(spark):
        return False
    for mine, theirs in zip(local, spark, strict=True):
        for field in dataclasses.fields(mine):
            left, right = getattr(mine, field.name), getattr(theirs, field.name)
            if isinstance(left, float) and isinstance(right, float):
                if not math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif left != right:
                return False
    return True


def _same_series(local: Any, spark: Any) -> bool:
    """Whether every series has the same units, slices and rows (floats to 1e-9)."""
    from polars.testing import assert_frame_equal

    if list(local) != list(spark):
        return False
    for name, mine in local.items():
        theirs = spark[name]
        if mine.units != theirs.units or mine.offsets.tolist() != theirs.offsets.tolist():
            return False
        try:
            assert_frame_equal(mine.frame, theirs.frame, rel_tol=1e-9, abs_tol=1e-9)
        except AssertionError:
            return False
        exact = [c for c, kind in mine.frame.schema.items() if not kind.is_float()]
        if not mine.frame.select(exact).equals(theirs.frame.select(exact)):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data directory to copy and use")
    parser.add_argument("--scale", default="huge", help="the synthetic dataset to build")
    parser.add_argument("--master", default="local[2]", help="the Spark master")
    arguments = parser.parse_args()

    from caresignal.clock import FixedClock
    from caresignal.data.dataset import Dataset
    from caresignal.monitor.catalogue import load_catalogue
    from caresignal.monitor.replay import replay
    from caresignal.monitor.scan import LocalBackend, last_day, scan
    from caresignal.monitor.spark import SparkBackend, spark_session

    clock = FixedClock(CLOCK_AT)
    catalogue = load_catalogue()
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as work:
        directory, _ = _timed(
            "prepare", lambda: _prepare(arguments.data_dir, arguments.scale, Path(work))
        )
        dataset = Dataset(directory)
        day = last_day(dataset.snapshot(), catalogue)
        assert day is not None
        state = directory / "cache" / "scan"

        def scan_with(backend: Any, *, uncached: bool = False) -> Any:
            shutil.rmtree(state, ignore_errors=True)
            if uncached:
                shutil.rmtree(series_cache, ignore_errors=True)
            return scan(dataset, catalogue, as_of=day, clock=clock, backend=backend)

        def series_with(backend: Any) -> Any:
            shutil.rmtree(series_cache, ignore_errors=True)
            return backend.series(dataset.snapshot(), catalogue, as_of=day, clock=clock)

        series_cache = directory / "cache" / "series"
        _timed(
            "warm_up",
            lambda: scan(dataset, catalogue, as_of=day, clock=clock, workers=os.cpu_count() or 1),
        )
        local, local_scan = _timed("local_scan", lambda: scan_with(None))
        _, local_uncached = _timed("local_scan_uncached", lambda: scan_with(None, uncached=True))
        local_series, local_build = _timed("local_series", lambda: series_with(LocalBackend()))
        local_signals, local_replay = _timed(
            "local_replay", lambda: replay(dataset, catalogue, clock=clock)
        )
        started = time.perf_counter()
        jobs: dict[str, int] = {}
        with spark_session(arguments.master, "caresignal-bench") as session:
            spark_start = time.perf_counter() - started
            backend = SparkBackend(session)
            context = session.sparkContext

            def counted(step: str, run: Any) -> tuple[Any, float]:
                context.setJobGroup(step, step)
                found = _timed(step, run)
                jobs[step] = len(context.statusTracker().getJobIdsForGroup(step))
                return found

            spark_series, spark_build = counted("spark_series", lambda: series_with(backend))
            spark, spark_scan = counted("spark_scan", lambda: scan_with(backend))
            spark_signals, spark_replay = counted(
                "spark_replay", lambda: replay(dataset, catalogue, clock=clock, backend=backend)
            )
            cores = backend.cores
    figures = {
        "benchmark": "spark",
        "dataset": str(arguments.data_dir) if arguments.data_dir else arguments.scale,
        "master": arguments.master,
        "spark_cores": cores,
        "machine_cpus": os.cpu_count(),
        "findings": len(local.findings),
        "signals": len(local_signals.signals),
        "local_scan_s": round(local_scan, 2),
        "local_scan_uncached_s": round(local_uncached, 2),
        "spark_scan_s": round(spark_scan, 2),
        "spark_scan_jobs": jobs["spark_scan"],
        "local_series_s": round(local_build, 2),
        "spark_series_s": round(spark_build, 2),
        "spark_series_jobs": jobs["spark_series"],
        "local_replay_s": round(local_replay, 2),
        "spark_replay_s": round(spark_replay, 2),
        "spark_replay_jobs": jobs["spark_replay"],
        "spark_start_s": round(spark_start, 2),
        "spark_slower_by": {
            "scan": round(spark_scan / local_scan, 2),
            "scan_uncached": round(spark_scan / local_uncached, 2),
            "series": round(spark_build / local_build, 2),
            "replay": round(spark_replay / local_replay, 2),
        },
        "same_findings": _same_findings(local.findings, spark.findings),
        "same_signals": spark_signals.signals == local_signals.signals,
        "same_series": _same_series(local_series, spark_series),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
