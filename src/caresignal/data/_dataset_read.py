"""Reading the data directory as one ledger state: the current records of each table.

A table's current records are all its batches' rows, except those whose key a later correction
batch of the table also holds: for each key the latest batch wins. Only the files the ledger names
are read, so a file left by an interrupted import is never seen.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from caresignal.data._dataset_content import DTYPES, empty_frame
from caresignal.data._dataset_errors import BatchFileMissingError, UnknownTableError
from caresignal.data._ledger import BatchEntry
from caresignal.data.schema import SCHEMAS, TableSchema

__all__ = ["BATCH_COLUMN", "Snapshot", "stored_columns", "table_schema"]

#: The column :meth:`Snapshot.current` adds to say which batch each record came from.
BATCH_COLUMN = "_batch_id"
_LATEST = "_latest_correction"
_POSITION = "_position"


def table_schema(name: str) -> TableSchema:
    """The schema of the input table ``name``; :class:`UnknownTableError` if there is none."""
    try:
        return SCHEMAS[name]
    except KeyError:
        raise UnknownTableError(
            f"there is no input table called {name!r}",
            hint=f"choose one of: {', '.join(SCHEMAS)}",
        ) from None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The data directory as one state of its import ledger.

    Reads through a snapshot see exactly the batches its ledger named, even if another process
    imports more meanwhile: batch files are never changed or deleted once the ledger names them.

    Attributes
    ----------
    directory : Path
        The data directory.
    batches : tuple of BatchEntry
        The ledger's entries, in the order the batches were loaded.
    """

    directory: Path
    batches: tuple[BatchEntry, ...]

    def history(self, table: str | None = None) -> tuple[BatchEntry, ...]:
        """The batches loaded, oldest first: all of them, or those of ``table``."""
        if table is None:
            return self.batches
        table_schema(table)
        return tuple(entry for entry in self.batches if entry.table == table)

    def batch(self, batch_id: str) -> BatchEntry:
        """The ledger entry of batch ``batch_id`` (``KeyError`` if there is none)."""
        for entry in self.batches:
            if entry.batch_id == batch_id:
                return entry
        raise KeyError(batch_id)

    def find_content(self, table: str, content_hash: str) -> BatchEntry | None:
        """The earliest batch of ``table`` with the content hash ``content_hash``, if any."""
        for entry in self.history(table):
            if entry.content_hash == content_hash:
                return entry
        return None

    def table(self, name: str) -> pl.LazyFrame:
        """The current records of table ``name``, every column in its stored type.

        Records come in the order of their batches, then of their rows within the batch file.
        With nothing loaded, the frame has no rows but all the columns.
        """
        return self.current(name, with_batch=False)

    def keys(self, name: str) -> pl.DataFrame:
        """The key columns (the schema's ``key``) of the current records of table ``name``."""
        return self.table(name).select(table_schema(name).key).collect()

    def current(self, name: str, *, with_batch: bool) -> pl.LazyFrame:
        """The current records of ``name``; with ``with_batch``, also each one's batch id."""
        schema = table_schema(name)
        entries = self.history(name)
        if not entries:
            frame = empty_frame(schema)
            if with_batch:
                frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(BATCH_COLUMN))
            return frame.lazy()
        rows = pl.concat(
            [
                self.scan(entry).with_columns(pl.lit(position, dtype=pl.Int64).alias(_POSITION))
                for position, entry in enumerate(entries)
            ],
            how="vertical",
        )
        latest = self._latest_corrections(schema, entries)
        if latest is not None:
            # Keep a row unless a later correction holds its key.
            rows = (
                rows.join(latest, on=schema.key, how="left", maintain_order="left")
                .filter(pl.col(_LATEST).is_null() | (pl.col(_LATEST) <= pl.col(_POSITION)))
                .drop(_LATEST)
            )
        if with_batch:
            ids = [entry.batch_id for entry in entries]
            batch = pl.col(_POSITION).replace_strict(range(len(ids)), ids, return_dtype=pl.String)
            rows = rows.with_columns(batch.alias(BATCH_COLUMN))
        return rows.drop(_POSITION)

    def _latest_corrections(
        self, schema: TableSchema, entries: tuple[BatchEntry, ...]
    ) -> pl.LazyFrame | None:
        """Each corrected key with the position (in ``entries``) of its latest correction."""
        corrections = [
            self.scan(entry)
            .select(schema.key)
            .with_columns(pl.lit(position, dtype=pl.Int64).alias(_LATEST))
            for position, entry in enumerate(entries)
            if entry.correction
        ]
        if not corrections:
            return None
        return pl.concat(corrections).group_by(schema.key).agg(pl.col(_LATEST).max())

    def scan(self, entry: BatchEntry) -> pl.LazyFrame:
        """The rows of one batch's file, with the columns of its table's current schema."""
        path = self.directory / entry.file
        if not path.is_file():
            raise BatchFileMissingError(
                f"batch {entry.batch_id} ({entry.table}, loaded {entry.imported_at:%Y-%m-%d} by "
                f"{entry.imported_by}) is in the import ledger but its file {path} is missing",
                hint="restore the data directory from a backup; batch files must not be removed",
            )
        return pl.scan_parquet(path, glob=False).select(stored_columns(entry.table, entry.columns))


def stored_columns(table: str, present: Collection[str]) -> list[pl.Expr]:
    """Every column of input table ``table``, in order and in its stored type, as expressions over
    rows that hold the columns ``present`` (an absent column is all missing)."""
    return [
        pl.col(column.name).cast(DTYPES[column.kind])
        if column.name in present
        else pl.lit(None, dtype=DTYPES[column.kind]).alias(column.name)
        for column in table_schema(table).columns
    ]
