"""Benchmark: importing 6 million birth records from CSV and from Parquet (prints JSON lines).

Run: ``.venv/bin/python benchmarks/bench_load.py [rows]``. The file is built from the documented
example (``docs/examples/births.csv``), tiled to 6 million rows with unique record ids, birth times
spread over ten years and to the minute (so that no two neighbouring rows parse alike), and dates
in both the ISO and the UK forms. It is written under a temporary directory as CSV (every value as
text, as a hospital's extract would be) and as Parquet (typed, as :mod:`caresignal.data.synth`
writes it), then each is imported once into a fresh data directory by
:func:`caresignal.data.imports.import_files`: reading, every cell, every rule, duplicate keys and
organisation codes, then the batch file and the ledger. ``stage_seconds`` splits the time by stage.
Targets: CSV under 60 s, Parquet under 15 s (issue 3). ``cpu_seconds`` (all threads) shows how
much of the wall time was work when other programs share the machine.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.data.load import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
TODAY = date(2035, 1, 1)
TARGETS = {"csv": 60.0, "parquet": 15.0}


def _births(rows: int) -> pl.DataFrame:
    """The example births repeated to ``rows`` rows, with unique ids and spread-out times."""
    organisations = validate(
        EXAMPLES / "organisations.csv", "organisations", today=TODAY, known_organisations=()
    ).frame
    example = validate(
        EXAMPLES / "births.csv", "births", today=TODAY, known_organisations=organisations
    ).frame
    index = pl.int_range(pl.len())
    shift = pl.duration(days=(index // example.height) % 3650, minutes=(index * 7919) % 600)
    return example.select(pl.all().gather(pl.int_range(rows) % example.height)).with_columns(
        pl.format("B{}", index.cast(pl.String).str.zfill(9)).alias("record_id"),
        (pl.col("birth_datetime") - pl.duration(days=3650) + shift).alias("birth_datetime"),
        (pl.col("neonatal_death_date") - pl.duration(days=3650) + shift).dt.date(),
    )


def _as_text(births: pl.DataFrame) -> pl.DataFrame:
    """Every column as a hospital's CSV extract has it; half the dates in the UK form."""
    uk = pl.int_range(pl.len()) % 2 == 0
    return births.with_columns(
        pl.col("birth_datetime").dt.to_string("%Y-%m-%dT%H:%M"),
        pl.when(uk)
        .then(pl.col("neonatal_death_date").dt.to_string("%d/%m/%Y"))
        .otherwise(pl.col("neonatal_death_date").dt.to_string("%Y-%m-%d")),
    )


def _peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import(path: Path, data: Path) -> tuple[float, dict[str, float], int]:
    """Import ``path`` into a fresh data directory holding the example organisations.

    Returns the seconds of the whole import (every check, then the batch file and the ledger),
    the seconds spent in each stage, and the rows loaded.
    """
    clock = FixedClock(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC))
    dataset = Dataset(data)
    import_files(
        dataset, "organisations", [EXAMPLES / "organisations.csv"], clock=clock, imported_by="bench"
    )
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    result = import_files(
        dataset,
        "births",
        [path],
        clock=clock,
        imported_by="bench",
        on_stage=lambda stage: marks.append((stage.rpartition(": ")[2], time.perf_counter())),
    )
    end = time.perf_counter()
    ends = [moment for _, moment in marks[1:]] + [end]
    stages = {name: round(stop - begun, 2) for (name, begun), stop in zip(marks, ends, strict=True)}
    return end - start, stages, result.batch.rows


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 6_000_000
    births = _births(rows)
    with tempfile.TemporaryDirectory() as folder:
        files = {"csv": Path(folder) / "births.csv", "parquet": Path(folder) / "births.parquet"}
        _as_text(births).write_csv(files["csv"])
        births.write_parquet(files["parquet"])
        del births
        for kind, path in files.items():
            cpu = time.process_time()
            seconds, stages, loaded = _import(path, Path(folder) / f"data-{kind}")
            cpu = time.process_time() - cpu
            print(
                json.dumps(
                    {
                        "benchmark": f"import/births_{kind}",
                        "rows": loaded,
                        "file_mb": round(path.stat().st_size / 1e6, 1),
                        "seconds": round(seconds, 2),
                        "stage_seconds": stages,
                        "cpu_seconds": round(cpu, 2),
                        "target_seconds": TARGETS[kind] if rows == 6_000_000 else None,
                        "peak_memory_mb": round(_peak_memory_mb()),
                    }
                )
            )


if __name__ == "__main__":
    main()
