"""The data directory: where accepted batches live, and the import ledger that says which count.

Each accepted batch of an input table becomes one immutable Parquet file,
``batches/<table>/<batch-id>.parquet``, and one entry in ``ledger.json``. An import writes the
batch file (temporary name, flushed to disk, renamed) before it replaces the ledger (the same way),
so a crash at any moment leaves the data directory as it was before the import or as it is after
it, never a mixture. Files the ledger does not name are never read, and the next writer deletes
them. ``docs/data-directory.md`` describes the layout, the ledger and what happens after a crash.

The frames given to :meth:`Writer.add` are already validated (:mod:`caresignal.data.load` checks
files against :mod:`caresignal.data.schema`); the data directory adds the checks that need the
records already loaded, made while it holds the write lock.

For example, with ``staff`` a validated frame of the staffing table and ``now`` the clock's time::

    dataset = Dataset("caresignal-data")
    result = dataset.add(
        "staffing", staff, sources=["rota.csv"], imported_by="ana", imported_at=now
    )
    print(result.describe())  # staffing: loaded 96 records as batch 000001
    current = dataset.table("staffing").collect()
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

import polars as pl

from caresignal.data import _dataset_files as files
from caresignal.data import _ledger as ledger
from caresignal.data._dataset_check import check_against_loaded, check_unique
from caresignal.data._dataset_content import DTYPES, conform, content_hash, empty_frame, key_order
from caresignal.data._dataset_errors import (
    BatchFileMissingError,
    DatasetBusyError,
    DatasetError,
    DuplicateRecordsError,
    EmptyBatchError,
    LedgerCorruptError,
    LedgerMissingError,
    UnknownRecordsError,
    UnknownTableError,
)
from caresignal.data._dataset_files import STEPS, OnStep
from caresignal.data._dataset_read import Snapshot, table_schema
from caresignal.data._ledger import BatchEntry, Superseded

__all__ = [
    "DTYPES",
    "STEPS",
    "BatchEntry",
    "BatchFileMissingError",
    "Dataset",
    "DatasetBusyError",
    "DatasetError",
    "DuplicateRecordsError",
    "EmptyBatchError",
    "ImportResult",
    "LedgerCorruptError",
    "LedgerMissingError",
    "Snapshot",
    "Superseded",
    "UnknownRecordsError",
    "UnknownTableError",
    "Writer",
    "empty_frame",
    "replace_file",
]

#: How long a writer waits for another to finish before giving up, by default (seconds).
DEFAULT_WAIT = 60.0


def _no_step(name: str) -> None:
    """The default ``on_step``: nothing to do."""


def replace_file(path: Path, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``, as the ledger is replaced.

    A temporary file is written and flushed to disk, renamed over ``path`` and the directory
    flushed, so a crash leaves the old file or the new one, never part of either. For the other
    files of a data directory (``truth.json``, recorded risk models).
    """
    files.write_atomic(path, data, _no_step, "file")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What happened to a batch offered to the data directory.

    ``added`` is true if the batch was loaded as ``batch``; false if the same content was already
    loaded, as ``batch``, and nothing was changed (this is not an error: importing a file twice is
    harmless). :meth:`describe` says which in words.
    """

    added: bool
    batch: BatchEntry

    def describe(self) -> str:
        """What happened, in one sentence.

        >>> from datetime import UTC, datetime
        >>> entry = BatchEntry("000003", "births", "batches/births/000003.parquet", 2, (),
        ...     "sha256:0", ("births.csv",), "ana", datetime(2024, 3, 7, tzinfo=UTC), False)
        >>> ImportResult(False, entry).describe()
        'births: this content is already loaded, as batch 000003 on 2024-03-07 by ana'
        """
        batch = self.batch
        if not self.added:
            return (
                f"{batch.table}: this content is already loaded, as batch {batch.batch_id} "
                f"on {batch.imported_at:%Y-%m-%d} by {batch.imported_by}"
            )
        text = f"{batch.table}: loaded {_records(batch.rows)} as batch {batch.batch_id}"
        if batch.correction:
            text += f", replacing {_records(batch.superseded_records)} loaded before"
        return text


class Dataset:
    """A data directory, created (empty) if it does not exist.

    Parameters
    ----------
    directory : str or PathLike
        The data directory (the command line's ``--data-dir``).
    wait : float or None, default 60
        How many seconds a writer waits for another process's write to finish before raising
        :class:`DatasetBusyError`; ``None`` waits for ever and ``0`` not at all.
    on_step : callable, optional
        Called with the name of each durable step of a write once it is done (:data:`STEPS`);
        the crash test uses it to stop a writer at a known point.

    Raises
    ------
    LedgerCorruptError
        If the directory's ``ledger.json`` cannot be read.
    LedgerMissingError
        If the directory holds batch files but no ledger.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        wait: float | None = DEFAULT_WAIT,
        on_step: OnStep | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.wait = wait
        self._on_step = on_step or _no_step
        if self._read_ledger() is None:
            self._create()

    @property
    def ledger_path(self) -> Path:
        """The import ledger, ``ledger.json`` in the data directory."""
        return self.directory / files.LEDGER

    def snapshot(self) -> Snapshot:
        """The data directory as its ledger says now; reads through it stay consistent."""
        batches = self._read_ledger()
        if batches is None:
            raise self._missing()
        return Snapshot(self.directory, batches)

    def table(self, name: str) -> pl.LazyFrame:
        """The current records of table ``name`` (see :meth:`Snapshot.table`)."""
        return self.snapshot().table(name)

    def keys(self, name: str) -> pl.DataFrame:
        """The key columns of the current records of table ``name``."""
        return self.snapshot().keys(name)

    def history(self, table: str | None = None) -> tuple[BatchEntry, ...]:
        """The batches loaded, oldest first: all of them, or those of ``table``."""
        return self.snapshot().history(table)

    def writer(self) -> Writer:
        """A writer, to use in a ``with`` block: it holds the write lock until the block ends."""
        return Writer(self, self._on_step)

    def add(
        self,
        table: str,
        frame: pl.DataFrame,
        *,
        sources: Sequence[str],
        imported_by: str,
        imported_at: datetime,
        correction: bool = False,
    ) -> ImportResult:
        """Load one validated batch, taking the write lock for it (see :meth:`Writer.add`)."""
        with self.writer() as writer:
            return writer.add(
                table,
                frame,
                sources=sources,
                imported_by=imported_by,
                imported_at=imported_at,
                correction=correction,
            )

    def _read_ledger(self) -> tuple[BatchEntry, ...] | None:
        try:
            data = self.ledger_path.read_bytes()
        except FileNotFoundError:
            return None
        return ledger.decode(data, self.ledger_path)

    def _create(self) -> None:
        """Start an empty ledger in a new (or ledger-less but batch-free) data directory."""
        files.ensure_directory(self.directory)
        lock = files.acquire_lock(self.directory / files.LOCK, self.wait)
        try:
            if self._read_ledger() is not None:
                return  # another process created it while this one waited
            batches = self.directory / "batches"
            if batches.is_dir() and any(batches.glob("*/*.parquet")):
                raise self._missing()
            files.write_atomic(self.ledger_path, ledger.encode(()), self._on_step, "ledger")
        finally:
            files.release_lock(lock)

    def _missing(self) -> LedgerMissingError:
        return LedgerMissingError(
            f"the data directory {self.directory} has batch files but no import ledger "
            f"({files.LEDGER})",
            hint="restore ledger.json from a backup; without it caresignal cannot tell which "
            "batch files count, and will not guess",
        )


class Writer:
    """The one writer of a data directory, holding its lock inside a ``with`` block.

    Entering the block takes the lock (waiting as the dataset's ``wait`` says) and deletes the
    files an interrupted import left behind (listed in :attr:`removed`). Reads through
    :attr:`snapshot` see the state the writer is changing.
    """

    def __init__(self, dataset: Dataset, on_step: OnStep) -> None:
        self.dataset = dataset
        self._on_step = on_step
        self._lock: int | None = None
        self._snapshot: Snapshot | None = None
        self.removed: tuple[str, ...] = ()

    def __enter__(self) -> Writer:
        directory = self.dataset.directory
        self._lock = files.acquire_lock(directory / files.LOCK, self.dataset.wait)
        try:
            self._snapshot = self.dataset.snapshot()
            named = {entry.file for entry in self._snapshot.batches}
            self.removed = files.remove_orphans(directory, named, self._on_step)
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            files.release_lock(self._lock)
            self._lock = None

    @property
    def snapshot(self) -> Snapshot:
        """The data directory as this writer has left it so far."""
        if self._snapshot is None or self._lock is None:
            raise RuntimeError("use the writer in a `with` block: it holds no lock")
        return self._snapshot

    def loaded_as(self, table: str, frame: pl.DataFrame) -> BatchEntry | None:
        """The batch of ``table`` that already holds exactly this content, if any; reads only.

        The content is compared by :func:`content_hash`, as :meth:`add` compares it, so a file
        whose records are all loaded already can be told apart from one that only shares keys.
        """
        snapshot = self.snapshot
        schema = table_schema(table)
        batch = conform(schema, frame)
        order = key_order(schema, batch)
        return snapshot.find_content(table, content_hash(schema, batch, order))

    def add(
        self,
        table: str,
        frame: pl.DataFrame,
        *,
        sources: Sequence[str],
        imported_by: str,
        imported_at: datetime,
        correction: bool = False,
    ) -> ImportResult:
        """Load one validated batch of ``table``, all or nothing.

        Parameters
        ----------
        table : str
            The input table (:data:`caresignal.data.schema.SCHEMAS`).
        frame : polars.DataFrame
            The batch's rows, validated against the table's schema. Optional columns may be
            left out (they are stored empty); columns must have their kind's type
            (:data:`DTYPES`) or one that converts to it without loss.
        sources : sequence of str
            The names of the files the rows were read from, for the ledger.
        imported_by : str
            Who is importing the batch.
        imported_at : datetime
            When, timezone-aware (the caller's clock).
        correction : bool, default False
            False for new records: none may already be loaded. True for corrections: every
            record must already be loaded, and the batch's rows replace those with the same key.

        Returns
        -------
        ImportResult
            The new batch; or, if the same content (:func:`content_hash`) is already loaded in a
            batch of ``table``, that batch, with nothing changed.

        Raises
        ------
        UnknownTableError, EmptyBatchError, DuplicateRecordsError, UnknownRecordsError
            With nothing changed.
        """
        _check_arguments(imported_by, imported_at, sources)
        number = _next_number(self.snapshot.batches)  # the writer must hold the lock
        batch = _Batch(table, frame, tuple(sources), imported_by, imported_at, correction)
        prepared = self._prepare(batch, f"{number:06d}")
        if isinstance(prepared, ImportResult):
            return prepared
        self._commit([prepared])
        return ImportResult(True, prepared[1])

    def add_together(
        self,
        frames: Sequence[tuple[str, pl.DataFrame]],
        *,
        sources: Sequence[str],
        imported_by: str,
        imported_at: datetime,
    ) -> tuple[ImportResult, ...]:
        """Load new records of several tables as one change: every batch, or none.

        Each ``(table, frame)`` is checked as :meth:`add` checks a batch of new records. The
        batch files are written first and the ledger that names them all is replaced once, so
        a crash leaves either every batch loaded or none. A frame whose content is already
        loaded is answered with that batch and not loaded again.

        Raises
        ------
        UnknownTableError, EmptyBatchError, DuplicateRecordsError
            With nothing changed.
        """
        _check_arguments(imported_by, imported_at, sources)
        number = _next_number(self.snapshot.batches)  # the writer must hold the lock
        results: list[ImportResult] = []
        new: list[tuple[pl.DataFrame, BatchEntry]] = []
        for table, frame in frames:
            batch = _Batch(table, frame, tuple(sources), imported_by, imported_at, False)
            prepared = self._prepare(batch, f"{number + len(new):06d}")
            if isinstance(prepared, ImportResult):
                results.append(prepared)
            else:
                new.append(prepared)
                results.append(ImportResult(True, prepared[1]))
        if new:
            self._commit(new)
        return tuple(results)

    def _prepare(
        self, offered: _Batch, batch_id: str
    ) -> ImportResult | tuple[pl.DataFrame, BatchEntry]:
        """The checked batch and its ledger entry; or the batch already holding its content."""
        snapshot = self.snapshot
        table = offered.table
        schema = table_schema(table)
        batch = conform(schema, offered.frame)
        if batch.height == 0:
            raise EmptyBatchError(
                f"the batch for {table} has no rows: nothing to load",
                hint="check that the file holds records below its header",
            )
        order = key_order(schema, batch)
        check_unique(schema, batch, order)
        digest = content_hash(schema, batch, order)
        earlier = snapshot.find_content(table, digest)
        if earlier is not None:
            return ImportResult(False, earlier)
        correction = offered.correction
        supersedes = check_against_loaded(snapshot, schema, batch, correction=correction)
        entry = BatchEntry(
            batch_id=batch_id,
            table=table,
            file=ledger.batch_file(table, batch_id),
            rows=batch.height,
            columns=tuple(batch.columns),
            content_hash=digest,
            sources=offered.sources,
            imported_by=offered.imported_by,
            imported_at=offered.imported_at,
            correction=correction,
            supersedes=supersedes,
        )
        return batch, entry

    def _commit(self, prepared: Sequence[tuple[pl.DataFrame, BatchEntry]]) -> None:
        """Write the batch files, then the ledger naming them: the import happens at the rename."""
        snapshot = self.snapshot
        directory = snapshot.directory
        for batch, entry in prepared:
            files.write_batch_file(batch, directory / entry.file, self._on_step)
        batches = (*snapshot.batches, *(entry for _, entry in prepared))
        data = ledger.encode(batches)
        files.write_atomic(directory / files.LEDGER, data, self._on_step, "ledger")
        self._snapshot = Snapshot(directory, batches)


@dataclass(frozen=True, slots=True)
class _Batch:
    """A batch offered to :meth:`Writer.add`, with what the ledger records of it."""

    table: str
    frame: pl.DataFrame
    sources: tuple[str, ...]
    imported_by: str
    imported_at: datetime
    correction: bool


def _records(count: int) -> str:
    return f"{count:,} record{'' if count == 1 else 's'}"


def _next_number(batches: tuple[BatchEntry, ...]) -> int:
    numbers = [int(entry.batch_id) for entry in batches if entry.batch_id.isdigit()]
    return max(numbers, default=0) + 1


def _check_arguments(imported_by: str, imported_at: datetime, sources: Sequence[str]) -> None:
    if not isinstance(imported_by, str) or not imported_by.strip():
        raise ValueError(f"imported_by must name who imports the batch, not {imported_by!r}")
    if not isinstance(imported_at, datetime) or imported_at.tzinfo is None:
        raise ValueError(f"imported_at must be a timezone-aware datetime, not {imported_at!r}")
    if isinstance(sources, str) or not all(isinstance(name, str) for name in sources):
        raise TypeError(f"sources must be a sequence of file names, not {sources!r}")
