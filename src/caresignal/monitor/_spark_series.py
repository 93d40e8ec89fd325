"""Every indicator's series built by Spark from the data directory's Parquet batches (private;
see :mod:`caresignal.monitor.spark` and ``docs/spark.md``).

For each table the catalogue reads, one Spark job reads the current records
(:func:`caresignal.monitor._spark_read.current_records`), keeps the columns the indicators read
and the rows of the units watched, and partitions them by unit (``repartition(n, unit)``), so
that each partition holds every row of each of its units. A function then runs over each
partition's rows on an executor (``mapInArrow``): the local backend's own code,
:func:`caresignal.monitor._series_cases.case_frames` and
:func:`caresignal.monitor._series_predict.predict` for a case table,
:func:`caresignal.monitor._series_frames.source_periods` for a period table. Those functions
work unit by unit within a frame, and a unit's series depends only on its own rows and the
indicator's frozen risk model, so each unit's slice of the result is exactly its slice of the
series the local backend builds. Each slice becomes one row ``(indicator, unit, kind, rows)``,
the rows an Arrow IPC stream (LZ4-compressed). The executors write those rows as Parquet into a
folder of the job's own inside the data directory (``cache/spark/``), and the driver reads them
there and deletes the folder, so that no collect through Spark's driver has to hold every series
(``spark.driver.maxResultSize``, 1 GB by default, would refuse them at national scale; streamed
with ``toLocalIterator`` they stayed in the driver's JVM memory). The driver lays the slices end
to end in unit order and finishes the series as the local backend does
(:func:`caresignal.monitor.series.finish_cases` and
:func:`~caresignal.monitor.series.finish_periods`: the as-of cut, the reference rate pooled
over units, each unit's slice).

**Risk models are fitted once, on the driver, and broadcast.** A recorded fit is read from
``models/<indicator>.json`` as by a local scan. When an indicator has none yet, a first job
gathers its cases up to the as-of date (with covariates) to the driver, which fits and records
the model with the local function
(:func:`caresignal.monitor._series_risk.fit_and_record`); later scans skip that job. The fits
travel to the executors in one broadcast with the job's other settings. The baseline check of a
recorded fit hashes the cases of its baseline window, which the executors send back beside the
series (the hash runs over the whole window in the series order, so it is computed on the
driver).

The bedside indicators (the ward care audit's monthly measures) are built on the driver by the
local functions: the audit pairs each trigger with responses of three tables, and a month's
median delay does not add up from parts. The series cache (``cache/series/``) is neither read
nor written by this path.

A scan that carries its charts on from the last scan's kept state
(:mod:`caresignal.monitor._scan_resume`) reads only the batches imported since: on Spark, their
cases come from :func:`spark_new_case_rows`, by the same function on each unit's rows of those
batches. The new batches' period rows (one row a unit and month) are summed on the driver.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from caresignal.data._dataset_content import empty_frame
from caresignal.data._dataset_read import stored_columns, table_schema
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import CASE_TABLES, Indicator
from caresignal.monitor._series_build import CaseRows
from caresignal.monitor._series_cache import COLUMNS
from caresignal.monitor._series_cases import case_frames, read_columns
from caresignal.monitor._series_hash import baseline_hash
from caresignal.monitor._series_models import FitRecord
from caresignal.monitor._series_predict import predict
from caresignal.monitor._series_risk import baseline_check, fit_and_record, recorded_fit
from caresignal.monitor._spark_read import SparkFilesError, current_records
from caresignal.monitor.catalogue import Catalogue
from caresignal.monitor.series import Series, build_all, finish_cases, finish_periods

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

    from caresignal.clock import Clock
    from caresignal.data.dataset import BatchEntry, Snapshot

__all__ = ["SLICES_PER_CORE", "spark_cores", "spark_new_case_rows", "spark_series"]

#: What each unit's piece holds: its series rows, its cases in the fit's baseline window (for the
#: baseline check), or its cases up to the as-of date (to fit a model not yet fitted).
SERIES, WINDOW, CASES = "series", "window", "cases"
#: A piece that could not be computed: its rows are the error's message, in UTF-8.
ERROR = "error"
#: The schema of the rows each unit's function returns.
OUTPUT = "indicator string, unit string, kind string, rows binary"

#: Slices of a job per core Spark offers: a few, so that a slow slice does not hold up the rest.
SLICES_PER_CORE = 2
#: Where, inside the data directory, each job's pieces are written by the executors and read
#: back by the driver (a folder of its own for each job, deleted once read).
SCRATCH = Path("cache") / "spark"
#: The tables whose series are built on the driver (see the module notes).
DRIVER_TABLES = frozenset({"observations"})


def spark_cores(session: SparkSession) -> int:
    """The cores Spark offers (its default parallelism)."""
    return max(1, int(session.sparkContext.defaultParallelism))


@dataclass(frozen=True, slots=True, eq=False)
class _Source:
    """Where a job's rows come from and its pieces go: the session, the ledger state read, where
    the executors find the data directory, and which batches (None: every batch of the table)."""

    session: SparkSession
    snapshot: Snapshot
    location: str
    entries: tuple[BatchEntry, ...] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class _Job:
    """What each unit's function needs: the table, its indicators (all of one unit column, and
    for a case table of one date column), each one's units and, for a case table, its fit."""

    table: str
    indicators: tuple[Indicator, ...]
    units: Mapping[str, tuple[str, ...]]
    as_of: dt.date
    fits: Mapping[str, FitRecord | None]
    #: Case indicators whose cases up to the as-of date are sent instead (their model is unfitted).
    gather: frozenset[str] = frozenset()
    #: Whether each fit's baseline window is sent too, for its baseline check.
    check: bool = True

    def pieces(self, rows: pl.DataFrame) -> list[tuple[str, str, pl.DataFrame]]:
        """``(indicator, kind, frame)`` of the rows of some units, each unit's rows whole (or of
        no rows, for the schemas)."""
        rows = rows.select(stored_columns(self.table, rows.columns))
        if self.table not in CASE_TABLES:
            return [
                (
                    item.id,
                    SERIES,
                    frames.source_periods(rows.lazy(), item, self.units[item.id], self.as_of),
                )
                for item in self.indicators
            ]
        lazy = case_frames(rows.lazy(), self.indicators, self.units)
        found: list[tuple[str, str, pl.DataFrame]] = []
        for item in self.indicators:
            cases = lazy.pop(item.id).collect()
            if item.id in self.gather:
                found.append(
                    (item.id, CASES, cases.filter(frames.on_or_before("date", self.as_of)))
                )
                continue
            fit = self.fits.get(item.id)
            if fit is None:
                risk = pl.repeat(None, cases.height, dtype=pl.Float64, eager=True)
            else:
                risk = predict(fit.model, cases)
                if self.check:
                    found.append((item.id, WINDOW, frames.in_window(cases, fit.start, fit.end)))
            series = cases.select(COLUMNS[:4]).with_columns(risk.alias("risk_model"))
            found.append((item.id, SERIES, series))
        return found


def spark_series(
    session: SparkSession,
    snapshot: Snapshot,
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    clock: Clock,
    location: str,
) -> dict[str, Series]:
    """Every indicator's series, by id in catalogue order, built by Spark (see module notes).

    ``location`` is where Spark finds the data directory (see
    :func:`caresignal.monitor._spark_read.current_records`). Raises
    :class:`~caresignal.monitor.series.ModelFitError` as the local build does, when a risk
    model cannot be fitted, and ``ValueError`` when a case cannot be priced by its model.
    """
    organisations = snapshot.table("organisations").collect()
    units = {item.id: tuple(frames.indicator_units(organisations, item)) for item in catalogue}
    groups: dict[tuple[str, ...], list[Indicator]] = {}
    on_driver: list[Indicator] = []
    for item in catalogue:
        if item.table in DRIVER_TABLES:
            on_driver.append(item)
            continue
        date = item.definition.date_column if item.table in CASE_TABLES else ""
        groups.setdefault((item.table, item.unit_column, date), []).append(item)
    built: dict[str, Series] = {}
    if on_driver:
        built |= build_all(snapshot, Catalogue(tuple(on_driver)), as_of=as_of, clock=clock)
    source = _Source(session, snapshot, location)
    for (table, _, _), members in groups.items():
        job = _Job(table, tuple(members), {i.id: units[i.id] for i in members}, as_of, {})
        if table in CASE_TABLES:
            built |= _cases(source, job, organisations, clock)
        else:
            pieces = _run(source, job)
            for item in members:
                periods = pieces[item.id, SERIES]
                built[item.id] = finish_periods(
                    item, organisations, list(units[item.id]), periods, as_of
                )
    return {item.id: built[item.id] for item in catalogue}


def spark_new_case_rows(
    session: SparkSession,
    snapshot: Snapshot,
    indicators: Sequence[Indicator],
    units: Mapping[str, Sequence[str]],
    new: tuple[BatchEntry, ...],
    fits: Mapping[str, FitRecord | None],
    *,
    location: str,
) -> dict[str, pl.DataFrame]:
    """The indicators' cases in the batches ``new`` alone, each with its predicted risk from its
    recorded fit, by id: what :func:`caresignal.monitor._series_build.new_case_rows` gives,
    built by Spark from those batches' files (a scan that carries its charts on reads them)."""
    items = tuple(indicators)
    # Every date: the carried-on scan keeps the rows it needs, as with the local function.
    job = _Job(
        items[0].table,
        items,
        {i.id: tuple(units[i.id]) for i in items},
        dt.date.max,
        dict(fits),
        check=False,
    )
    pieces = _run(_Source(session, snapshot, location, new), job)
    return {item.id: pieces[item.id, SERIES] for item in items}


def _cases(
    source: _Source, job: _Job, organisations: pl.DataFrame, clock: Clock
) -> dict[str, Series]:
    """The case series of one group of indicators: models fitted first where none is recorded."""
    directory = source.snapshot.directory
    fits = {item.id: recorded_fit(directory, item, False) for item in job.indicators}
    unfitted = frozenset(
        item.id for item in job.indicators if item.risk_model is not None and fits[item.id] is None
    )
    if unfitted:
        gathered = _run(source, _with(job, fits, unfitted))
        for item in job.indicators:
            if item.id in unfitted:
                cases = gathered[item.id, CASES]
                fits[item.id] = fit_and_record(directory, item, cases, job.as_of, clock)
    pieces = _run(source, _with(job, fits, frozenset()))
    built: dict[str, Series] = {}
    for item in job.indicators:
        fit = fits[item.id]
        changed, checked = False, True
        if fit is not None and item.id not in unfitted:
            changed, checked = baseline_check(fit, baseline_hash(pieces[item.id, WINDOW]))
        rows = CaseRows(pieces[item.id, SERIES], fit, item.id in unfitted, changed, checked)
        built[item.id] = finish_cases(
            item, organisations, list(job.units[item.id]), rows, job.as_of
        )
    return built


def _with(job: _Job, fits: Mapping[str, FitRecord | None], gather: frozenset[str]) -> _Job:
    """``job`` with the fits known; with ``gather``, for those indicators alone, to send their
    cases for fitting."""
    indicators = tuple(i for i in job.indicators if not gather or i.id in gather)
    units = {item.id: job.units[item.id] for item in indicators}
    return _Job(job.table, indicators, units, job.as_of, dict(fits), gather)


def _run(source: _Source, job: _Job) -> dict[tuple[str, str], pl.DataFrame]:
    """Run ``job`` on the executors over every watched unit's rows, each unit's rows whole in one
    partition; each (indicator, kind)'s pieces laid end to end in unit order (one with no piece
    is empty, with the schema the local code gives)."""
    from pyspark.sql import functions as sf

    templates = {
        (name, kind): frame
        for name, kind, frame in job.pieces(empty_frame(table_schema(job.table)))
    }
    found: dict[tuple[str, str], list[tuple[str, pl.DataFrame]]] = {key: [] for key in templates}
    session, directory = source.session, source.snapshot.directory
    unit_column = job.indicators[0].unit_column  # one unit column for all the job's indicators
    rows = current_records(
        session, source.snapshot, job.table, location=source.location, entries=source.entries
    )
    if rows is not None:
        if job.table in CASE_TABLES:  # only the columns the indicators read cross the shuffle
            rows = rows.select(*sorted(read_columns(job.indicators, rows.columns)))
        watched = sorted({code for codes in job.units.values() for code in codes})
        slices = max(1, min(len(watched), spark_cores(session) * SLICES_PER_CORE))
        shared = session.sparkContext.broadcast(job)
        folder = SCRATCH / uuid.uuid4().hex
        target = source.location.rstrip("/") + "/" + folder.as_posix()
        pieces = (
            rows.filter(sf.col(unit_column).isin(watched))
            .repartition(slices, unit_column)
            # A lambda, since PySpark reads a function's type hints to choose its calling
            # convention and cannot read a partial's.
            .mapInArrow(lambda batches: _partition_pieces(shared, batches), OUTPUT)
        )
        try:
            try:  # the pieces are compressed already
                pieces.write.option("compression", "none").parquet(target)
            except Exception as error:  # PySpark raises many kinds; its message says which
                raise SparkFilesError(
                    f"Spark cannot write the series of {job.table} to {target}: "
                    f"{str(error).splitlines()[0]}",
                    hint="the executors write each job's series into the data directory's "
                    "cache/spark folder, which the driver reads: check that --data-uri names "
                    "the data directory and that it can be written",
                ) from error
            written = pl.scan_parquet(directory / folder / "*.parquet").collect()
            for name, unit, kind, blob in written.iter_rows():
                if kind == ERROR:  # the model's message; its row counts the partition's cases
                    raise ValueError(f"{blob.decode()} (a row of one Spark partition's cases)")
                found[name, kind].append((unit, pl.read_ipc(io.BytesIO(blob))))
        finally:
            shared.destroy()
            shutil.rmtree(directory / folder, ignore_errors=True)
    return {
        key: pl.concat(
            [templates[key], *(piece for _, piece in sorted(parts, key=itemgetter(0)))],
            how="vertical",
        ).rechunk()
        for key, parts in found.items()
    }


def _partition_pieces(shared: Any, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The pieces of one partition's units as ``OUTPUT`` rows, one row for each unit, indicator
    and kind (runs on an executor).

    The partition holds every row of each of its units, so the local functions run over all its
    rows at once (they work unit by unit within a frame) and each unit's slice of their result is
    its piece.
    """
    import pyarrow as pa

    job: _Job = shared.value
    parts = list(batches)
    if not parts:
        return
    rows = pl.from_arrow(pa.Table.from_batches(parts))
    assert isinstance(rows, pl.DataFrame)  # a table gives a frame
    names: list[str] = []
    units: list[str] = []
    kinds: list[str] = []
    blobs: list[bytes] = []
    try:
        for name, kind, frame in job.pieces(rows):
            for (unit,), piece in frame.partition_by(
                "unit", as_dict=True, maintain_order=True
            ).items():
                buffer = io.BytesIO()
                piece.write_ipc(buffer, compression="lz4")
                names.append(name)
                units.append(str(unit))
                kinds.append(kind)
                blobs.append(buffer.getvalue())
    except ValueError as error:  # a case the risk model cannot price: the model's own message
        names, units, kinds, blobs = [""], [""], [ERROR], [str(error).encode()]
    yield pa.RecordBatch.from_pydict(
        {
            "indicator": pa.array(names, pa.string()),
            "unit": pa.array(units, pa.string()),
            "kind": pa.array(kinds, pa.string()),
            "rows": pa.array(blobs, pa.binary()),
        }
    )
