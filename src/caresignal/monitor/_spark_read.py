"""A table's current records as a Spark DataFrame, read from the data directory's batch files
(private; see :mod:`caresignal.monitor.spark`).

The rule is :class:`caresignal.data.dataset.Snapshot`'s (see :mod:`caresignal.data._dataset_read`):
the records of every batch the snapshot's ledger names, except those whose key a later
correction batch of the table also holds. Spark reads each named batch file itself, so a file
left by an interrupted import is never seen. The columns are those the batch files hold; the
executors bring them to the table's stored types with
:func:`caresignal.data._dataset_read.stored_columns`, as the snapshot does.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from caresignal.data._dataset_read import table_schema
from caresignal.errors import CaresignalError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from caresignal.data.dataset import BatchEntry, Snapshot

__all__ = ["SparkFilesError", "current_records"]

_POSITION = "_position"
_LATEST = "_latest_correction"


class SparkFilesError(CaresignalError):
    """Spark cannot read or write files where it was told the data directory is."""


def current_records(
    session: SparkSession,
    snapshot: Snapshot,
    table: str,
    *,
    location: str,
    entries: Sequence[BatchEntry] | None = None,
) -> DataFrame | None:
    """The current records of ``table`` (None when it has no batches).

    Parameters
    ----------
    session : SparkSession
        The running session.
    snapshot : Snapshot
        The ledger state read: only its batches of ``table`` are read.
    table : str
        The input table.
    location : str
        Where Spark finds the data directory (a URI such as ``file:///srv/caresignal`` or
        ``dbfs:/Volumes/nhs/caresignal/data``); each batch's file is ``location`` joined with the
        file's path inside the directory.
    entries : sequence of BatchEntry, optional
        Read these batches of ``table`` only (none of them a correction) instead of all.

    Raises
    ------
    caresignal.data.dataset.BatchFileMissingError
        A batch the ledger names has no file in the data directory.
    SparkFilesError
        Spark cannot read a batch's file at ``location``.
    """
    from pyspark.sql import functions as sf

    chosen = snapshot.history(table) if entries is None else tuple(entries)
    if not chosen:
        return None
    parts: list[DataFrame] = []
    for position, entry in enumerate(chosen):
        snapshot.scan(entry)  # the same check, and error, for a missing file as a local read
        path = location.rstrip("/") + "/" + PurePath(entry.file).as_posix()
        try:
            part = session.read.parquet(path)
        except Exception as error:  # PySpark raises many kinds; its message says which
            raise SparkFilesError(
                f"Spark cannot read batch {entry.batch_id} ({table}) at {path}: "
                f"{str(error).splitlines()[0]}",
                hint="check that --data-uri (SparkBackend's location) names the data directory "
                "as every executor sees it",
            ) from error
        present = [name for name in part.columns if name in entry.columns]
        parts.append(part.select(*present).withColumn(_POSITION, sf.lit(position)))
    rows = functools.reduce(_union, parts)
    key = list(table_schema(table).key)
    corrections = [
        part.select(*key).withColumn(_LATEST, sf.lit(position))
        for position, (entry, part) in enumerate(zip(chosen, parts, strict=True))
        if entry.correction
    ]
    if corrections:
        # Keep a row unless a later correction holds its key (a null key is never matched, as in
        # the snapshot's polars join).
        latest = (
            functools.reduce(_union, corrections).groupBy(*key).agg(sf.max(_LATEST).alias(_LATEST))
        )
        rows = (
            rows.join(latest, on=key, how="left")
            .filter(sf.col(_LATEST).isNull() | (sf.col(_LATEST) <= sf.col(_POSITION)))
            .drop(_LATEST)
        )
    return rows.drop(_POSITION)


def _union(first: Any, second: Any) -> Any:
    """Two batches' rows; a column one of them lacks is missing in its rows."""
    return first.unionByName(second, allowMissingColumns=True)
