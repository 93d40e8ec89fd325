"""Benchmark: building every indicator's series at national scale (prints JSON lines).

Run: ``.venv/bin/python benchmarks/bench_series.py [--data-dir DIR]``. The data directory is
copied to a temporary directory first (the benchmark writes models and caches); without
``--data-dir`` the ``huge`` synthetic dataset (10 years, about 6 million births, 190 sites) is
built there with :func:`caresignal.data.imports.import_synthetic`. Each measurement runs in a
fresh subprocess, so its peak memory (``ru_maxrss``) is its own:

* ``io_floor``: reading only the births columns the indicators need from the Parquet batches;
* ``first_build``: ``build_all`` with no recorded model (fits five risk models);
* ``recorded_cold``: ``build_all`` with the recorded fits and no series cache (target 2.5 s,
  3 GiB);
* ``warm``: ``build_all`` again, reading the cache;
* ``append_month``: ``build_all`` after one month's births were imported as a new batch (the
  last month's rows with new record ids, dated one month on; target 0.6 s).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

CLOCK_AT = datetime(2035, 1, 1, tzinfo=UTC)
AS_OF = date(2034, 12, 31)
STEPS = ("io_floor", "first_build", "recorded_cold", "warm", "append_month")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _build(directory: Path) -> dict[str, object]:
    from caresignal.clock import FixedClock
    from caresignal.data.dataset import Dataset
    from caresignal.monitor.catalogue import load_catalogue
    from caresignal.monitor.series import build_all

    catalogue = load_catalogue()
    start = time.perf_counter()
    built = build_all(Dataset(directory), catalogue, as_of=AS_OF, clock=FixedClock(CLOCK_AT))
    seconds = time.perf_counter() - start
    rows = sum(series.frame.height for series in built.values())
    return {"seconds": round(seconds, 3), "rows": rows}


def io_floor(directory: Path) -> dict[str, object]:
    import polars as pl

    from caresignal.data.dataset import Dataset
    from caresignal.monitor._series_cases import _source_columns
    from caresignal.monitor.catalogue import load_catalogue

    snapshot = Dataset(directory).snapshot()
    births = [item for item in load_catalogue() if item.table == "births"]
    names = snapshot.table("births").collect_schema().names()
    columns = {"record_id", "site_code", "birth_datetime"}
    for item in births:
        columns |= _source_columns(item, names)
    files = [directory / entry.file for entry in snapshot.history("births")]
    start = time.perf_counter()
    frame = pl.scan_parquet(files).select(sorted(columns)).collect()
    return {"seconds": round(time.perf_counter() - start, 3), "rows": frame.height}


def append_month(directory: Path) -> None:
    """Import the last month's births again as new records dated one month on."""
    import polars as pl

    from caresignal.clock import FixedClock
    from caresignal.data.dataset import Dataset
    from caresignal.data.imports import import_files

    dataset = Dataset(directory)
    births = dataset.table("births")
    last = births.select(pl.col("birth_datetime").max()).collect().item()
    month = (
        births.filter(pl.col("birth_datetime") >= datetime(last.year, last.month, 1))
        .collect()
        .with_columns(
            ("M" + pl.col("record_id")).alias("record_id"),
            pl.col("birth_datetime").dt.offset_by("1mo"),
            pl.col("neonatal_death_date").dt.offset_by("1mo"),
        )
    )
    path = directory.parent / "month.parquet"
    month.write_parquet(path)
    import_files(dataset, "births", [path], clock=FixedClock(CLOCK_AT), imported_by="bench")


def _measure(step: str, directory: Path) -> None:
    """One measurement, in this (fresh) process; prints one JSON line."""
    if step == "io_floor":
        result = io_floor(directory)
    else:
        if step == "first_build":
            shutil.rmtree(directory / "models", ignore_errors=True)
        if step in ("first_build", "recorded_cold"):
            shutil.rmtree(directory / "cache", ignore_errors=True)
        result = _build(directory)
    print(json.dumps({"benchmark": f"series.build_all/{step}", **result, "peak_mb": _peak_mb()}))


def prepare(source: Path | None, work: Path) -> Path:
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
        "huge",
        1,
        clock=FixedClock(CLOCK_AT),
        exposure_indicators=load_catalogue().exposure_indicators(),
    )
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data directory to copy and use")
    parser.add_argument("--measure", choices=STEPS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure is not None:
        _measure(arguments.measure, arguments.data_dir)
        return
    with tempfile.TemporaryDirectory(prefix="bench-series-") as work:
        directory = prepare(arguments.data_dir, Path(work))
        for step in STEPS:
            if step == "append_month":
                append_month(directory)
            command = [sys.executable, __file__, "--measure", step, "--data-dir", str(directory)]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
