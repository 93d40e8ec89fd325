"""Scan and replay on Apache Spark: the same per-series task functions, run on Spark's executors.

:class:`SparkBackend` is a :class:`~caresignal.monitor.scan.Backend` for
:func:`caresignal.monitor.scan.scan` and :func:`caresignal.monitor.replay.replay`:

- ``series`` has **Spark build every indicator's series** from the data directory's Parquet
  batches: each table's rows are partitioned by unit and each partition's units go through the
  local backend's own per-series functions on an executor (``mapInArrow``); risk models are
  fitted once on the driver and broadcast. See :mod:`caresignal.monitor._spark_series`.
- ``each`` runs the scan's and the replay's per-series tasks (one unit's CUSUM chart or SPC
  chart, or a batch of units' charts of one indicator) on the **executors**, with
  ``SparkContext.parallelize(tasks, slices).mapPartitions(...)``: the task objects (each unit's
  steps, its expected risks, its method and, when known, its threshold design) and the task
  function are pickled by PySpark and run by the same code on the executors' Python. The risk
  models are not needed there: each case's expected risk travels in its task.

A batch of many units' charts gives each unit exactly the outcome it would get alone (see
:mod:`caresignal.monitor._scan_carry_batch` and :mod:`caresignal.monitor._scan_spc`), so when
there are fewer batches than Spark has cores, each batch is cut into smaller ones to keep every
core busy, and the outcomes are put back together in order.

A task whose thresholds are not yet designed designs them where it runs, into the copy of the
scan's :class:`~caresignal.monitor.thresholds.ThresholdCache` that travelled with the task
function; the designs made on each executor come back with its results and are added to the
driver's cache, so ``cache/thresholds.json`` gains them as it does in a local scan. See
``docs/spark.md``.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from caresignal.errors import CaresignalError
from caresignal.monitor._scan_carry_batch import CusumBatch
from caresignal.monitor._scan_spc import SpcBatch
from caresignal.monitor._spark_series import (
    SLICES_PER_CORE,
    spark_cores,
    spark_new_case_rows,
    spark_series,
)
from caresignal.monitor.thresholds import ThresholdCache

if TYPE_CHECKING:
    import datetime as dt

    import polars as pl
    from pyspark.sql import SparkSession

    from caresignal.clock import Clock
    from caresignal.data.dataset import BatchEntry, Snapshot
    from caresignal.monitor._catalogue_types import Indicator
    from caresignal.monitor._series_models import FitRecord
    from caresignal.monitor.catalogue import Catalogue
    from caresignal.monitor.series import Series

__all__ = [
    "DEFAULT_MASTER",
    "INSTALL_HINT",
    "LOCAL_DRIVER_MEMORY",
    "SLICES_PER_CORE",
    "SparkBackend",
    "SparkUnavailableError",
    "spark_session",
]

Task = TypeVar("Task")
Result = TypeVar("Result")

#: The Spark master used when none is given: two cores of this machine.
DEFAULT_MASTER = "local[2]"
#: The JVM memory of a ``local`` master's driver, which also runs its executors: the tasks pass
#: through it (35 MB a slice for the ``huge`` dataset's births; Spark's default of 1 GB ran out).
LOCAL_DRIVER_MEMORY = "4g"
#: What to install for Spark.
INSTALL_HINT = "install the Spark extra: pip install 'caresignal[spark]'"

#: One slice's results, and for each threshold cache the task function holds, the designs made
#: while running the slice.
_SliceResult = tuple[list[Any], list[list[tuple[Any, Any]]]]


class SparkUnavailableError(CaresignalError):
    """PySpark is not installed, or Spark could not be started."""


def _pyspark_missing() -> SparkUnavailableError:
    return SparkUnavailableError(
        "the Spark backend needs PySpark, which is not installed", hint=INSTALL_HINT
    )


@contextmanager
def spark_session(master: str = DEFAULT_MASTER, app_name: str = "caresignal") -> Iterator[Any]:
    """A Spark session on ``master`` (``local[N]``, ``spark://host:7077``, ``yarn``...), stopped
    when the block ends.

    When a session is already running in this process (a Databricks job's ``spark``, or a
    caller's), it is used as it is, whatever ``master`` says, and left running.

    For a ``local`` master the executors' Python is this interpreter, so they import the same
    caresignal, and the JVM gets :data:`LOCAL_DRIVER_MEMORY`; on a cluster, caresignal must be
    installed on every node (docs/spark.md). Raises :class:`SparkUnavailableError` when PySpark
    is not installed or Java cannot be started.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise _pyspark_missing() from None
    builder = SparkSession.builder.master(master).appName(app_name)
    if master.startswith("local"):
        builder = (
            builder.config("spark.pyspark.python", sys.executable)
            .config("spark.pyspark.driver.python", sys.executable)
            .config("spark.driver.memory", LOCAL_DRIVER_MEMORY)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    running = SparkSession.getActiveSession()
    try:
        session = builder.getOrCreate()
    except Exception as error:  # Java missing, a bad master URL: PySpark raises many kinds
        raise SparkUnavailableError(
            f"Spark could not be started on {master!r}: {error}",
            hint="check that Java 17 or later is installed and the --master URL is right",
        ) from error
    session.sparkContext.setLogLevel("WARN")
    try:
        yield session
    finally:
        if running is None:
            session.stop()


class SparkBackend:
    """Runs a scan's or a replay's per-series tasks on Spark's executors (see module docs).

    Parameters
    ----------
    session : pyspark.sql.SparkSession
        A running session, e.g. from :func:`spark_session`, or ``spark`` in a Databricks job.
    location : str, optional
        Where Spark's executors find the data directory, as a URI (``dbfs:/Volumes/nhs/cs/data``,
        ``abfss://...``, ``hdfs://...``). By default the directory's own path as a ``file:`` URI,
        which serves a ``local`` master and a cluster whose nodes all mount the directory at the
        same path.
    """

    def __init__(self, session: SparkSession, *, location: str | None = None) -> None:
        self.session = session
        self.location = location
        #: Spark jobs run (one per call of :meth:`each` with any tasks).
        self.jobs = 0

    @property
    def cores(self) -> int:
        """The cores Spark offers (its default parallelism)."""
        return spark_cores(self.session)

    def series(
        self, snapshot: Snapshot, catalogue: Catalogue, *, as_of: dt.date, clock: Clock
    ) -> Mapping[str, Series]:
        """Every indicator's series, by id, built by Spark from the Parquet batches with the
        local per-series functions (:func:`caresignal.monitor._spark_series.spark_series`)."""
        return spark_series(
            self.session,
            snapshot,
            catalogue,
            as_of=as_of,
            clock=clock,
            location=self._location(snapshot),
        )

    def new_case_rows(
        self,
        snapshot: Snapshot,
        indicators: Sequence[Indicator],
        units: Mapping[str, Sequence[str]],
        new: tuple[BatchEntry, ...],
        fits: Mapping[str, FitRecord | None],
    ) -> dict[str, pl.DataFrame]:
        """The new batches' cases, read by Spark from their files with the local per-series
        functions (:func:`caresignal.monitor._spark_series.spark_new_case_rows`)."""
        return spark_new_case_rows(
            self.session, snapshot, indicators, units, new, fits, location=self._location(snapshot)
        )

    def _location(self, snapshot: Snapshot) -> str:
        return self.location or snapshot.directory.resolve().as_uri()

    def each(self, work: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
        """``[work(task) for task in tasks]``, in order, computed on the executors."""
        if not tasks:
            return []
        pieces, owners = _spread(list(tasks), self.cores * SLICES_PER_CORE)
        slices = min(len(pieces), self.cores * SLICES_PER_CORE)
        run = functools.partial(_run_slice, work)
        rdd = self.session.sparkContext.parallelize(pieces, slices)
        parts: list[_SliceResult] = rdd.mapPartitions(run).collect()
        self.jobs += 1
        caches = _caches(work)
        results: list[Any] = []
        for found, designs in parts:
            results += found
            for cache, made in zip(caches, designs, strict=True):
                for key, levels in made:
                    if key not in cache:
                        cache.put(key, levels)
        return _gather(results, owners)


def _run_slice(work: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[_SliceResult]:
    """Run one slice's tasks on an executor; yield their results and the designs they made."""
    caches = _caches(work)
    known = [set(cache.keys()) for cache in caches]
    found = [work(task) for task in tasks]
    made = []
    for cache, before in zip(caches, known, strict=True):
        held = cache.keys()  # a ThresholdCache is not iterable
        made.append([(key, cache.get(key)) for key in held if key not in before])
    yield found, made


def _caches(work: Callable[..., Any]) -> list[ThresholdCache]:
    """The threshold caches a task function holds (a ``functools.partial``'s arguments)."""
    if not isinstance(work, functools.partial):
        return []
    held = (*work.args, *work.keywords.values())
    return [value for value in held if isinstance(value, ThresholdCache)]


def _spread(tasks: list[Any], slots: int) -> tuple[list[Any], list[int] | None]:
    """The tasks to send, and which task each sent one is part of (None when sent as given).

    Batches of charts (:class:`CusumBatch`, :class:`SpcBatch`) are cut into smaller batches when
    there are fewer of them than ``slots``, so that every core gets work; a unit's outcome does not
    depend on the batch it is in.
    """
    if len(tasks) >= slots or not all(isinstance(t, CusumBatch | SpcBatch) for t in tasks):
        return tasks, None
    charts = sum(len(task.tasks) for task in tasks)
    size = max(1, math.ceil(charts / slots))
    pieces: list[Any] = []
    owners: list[int] = []
    for owner, task in enumerate(tasks):
        kind = type(task)
        for start in range(0, len(task.tasks), size):
            pieces.append(kind(task.tasks[start : start + size]))
            owners.append(owner)
        if not task.tasks:
            pieces.append(task)
            owners.append(owner)
    return pieces, owners


def _gather(results: list[Any], owners: list[int] | None) -> list[Any]:
    """Each task's result: the pieces' lists of outcomes joined back in order."""
    if owners is None:
        return results
    joined: list[list[Any]] = [[] for _ in range(max(owners) + 1)]
    for owner, part in zip(owners, results, strict=True):
        joined[owner] += part
    return joined
