"""Imports for the crash test to kill (tests/ingest/test_dataset_crash.py), and what they load.

Run as a script, it imports into a data directory and is meant to be killed with SIGKILL:

``python crash_import.py pause DIR STEP NUMBER``
    Load batch NUMBER of :func:`batch`; when the write reaches STEP (one of
    ``caresignal.data.dataset.STEPS``), print ``PAUSED STEP`` and wait to be killed.
    Prints ``DONE`` if the step never came.
``python crash_import.py create DIR STEP``
    Open DIR as a new data directory, pausing at STEP of writing its first (empty) ledger.
``python crash_import.py loop DIR LAST``
    Print ``READY``, then load the batches after the last one loaded, up to LAST, printing
    ``COMMITTED n`` after batch n.

The batches are counts (a composite key: unit, period start, period type, indicator): every
third is a correction of the latest month's first units and of the first month's first units
(which every correction corrects again), the others are a new month for every unit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime

import polars as pl

from caresignal.data.dataset import Dataset

UNITS = 150
INDICATORS = ("sepsis_screen_1h", "falls", "pressure_ulcers", "cardiac_arrests")
KEY = ("unit_code", "period_start", "period_type", "indicator")
WHEN = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def is_correction(number: int) -> bool:
    """Whether batch ``number`` (from 1) is a correction."""
    return number % 3 == 0


def _month(index: int) -> date:
    return date(2020 + index // 12, index % 12 + 1, 1)


def _new_months(number: int) -> int:
    """How many new (not correction) batches there are among batches 1 to ``number``."""
    return number - number // 3


def batch(number: int) -> pl.DataFrame:
    """The rows of batch ``number`` (from 1): a new month, or a correction."""
    if is_correction(number):
        latest = _new_months(number) - 1
        months = [(_month(latest), 40), (_month(0), 5)]
    else:
        months = [(_month(_new_months(number) - 1), UNITS)]
    rows = [
        (f"U{unit:03d}", month, indicator)
        for month, units in months
        for unit in range(units)
        for indicator in INDICATORS
    ]
    units, periods, indicators = zip(*rows, strict=True)
    return pl.DataFrame(
        {
            "unit_code": units,
            "period_start": periods,
            "period_type": ["month"] * len(rows),
            "indicator": indicators,
            "numerator": [float(number * 10_000 + i) for i in range(len(rows))],
            "denominator": [None if is_correction(number) else 500.0 + i for i in range(len(rows))],
        },
        schema_overrides={"denominator": pl.Float64},
    )


def load(dataset: Dataset, number: int) -> None:
    """Load batch ``number`` into ``dataset``."""
    dataset.add(
        "counts",
        batch(number),
        sources=[f"counts-{number:03d}.csv"],
        imported_by="crash-test",
        imported_at=WHEN,
        correction=is_correction(number),
    )


def expected(count: int) -> pl.DataFrame:
    """The current counts after batches 1 to ``count``, sorted by key, worked out row by row."""
    records: dict[tuple[object, ...], dict[str, object]] = {}
    for number in range(1, count + 1):
        for row in batch(number).iter_rows(named=True):
            key = tuple(row[name] for name in KEY)
            assert (key in records) == is_correction(number), (number, key)
            records[key] = {**row, "expected": None}
    schema = {
        "unit_code": pl.String,
        "period_start": pl.Date,
        "period_type": pl.String,
        "indicator": pl.String,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "expected": pl.Float64,
    }
    return pl.DataFrame(list(records.values()), schema=schema, orient="row").sort(KEY)


def _pause_at(step: str) -> Callable[[str], None]:
    def on_step(name: str) -> None:
        if name == step:
            print(f"PAUSED {name}", flush=True)
            sys.stdin.read()  # until killed; if the test went away instead, stop here
            os._exit(3)

    return on_step


def main(arguments: list[str]) -> None:
    """Run the mode ``arguments[0]`` (see the module's docstring)."""
    mode, directory = arguments[0], arguments[1]
    if mode == "pause":
        load(Dataset(directory, wait=0, on_step=_pause_at(arguments[2])), int(arguments[3]))
    elif mode == "create":
        Dataset(directory, wait=0, on_step=_pause_at(arguments[2]))
    elif mode == "loop":
        dataset = Dataset(directory, wait=0)
        print("READY", flush=True)
        for number in range(len(dataset.history()) + 1, int(arguments[2]) + 1):
            load(dataset, number)
            print(f"COMMITTED {number}", flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
