"""The checks of a batch's keys that the data directory makes itself, under its write lock.

A batch must hold each record once. A batch of new records may not hold a record already loaded;
a correction must hold only records already loaded, and replaces them. The loader makes the same
checks while it validates a file (against :meth:`Snapshot.keys`); these are made again while the
write lock is held, so that two imports running at once cannot both load the same record.
"""

from __future__ import annotations

import polars as pl

from caresignal.data._dataset_content import describe_keys, repeated_keys
from caresignal.data._dataset_errors import DuplicateRecordsError, UnknownRecordsError
from caresignal.data._dataset_read import BATCH_COLUMN, Snapshot
from caresignal.data._ledger import Superseded
from caresignal.data.schema import TableSchema

__all__ = ["check_against_loaded", "check_unique"]


def check_unique(table: TableSchema, batch: pl.DataFrame, order: pl.Series | None) -> None:
    """Raise :class:`DuplicateRecordsError` if a key appears in more than one row of ``batch``.

    ``order`` is :func:`key_order` of ``batch``.
    """
    duplicates = repeated_keys(table, batch, order)
    if duplicates.height:
        raise DuplicateRecordsError(
            f"the batch for {table.name} holds records more than once: "
            f"{describe_keys(duplicates, duplicates.height)}",
            hint=f"a record is identified by {', '.join(table.key)}; keep one row for each",
        )


def check_against_loaded(
    snapshot: Snapshot, table: TableSchema, batch: pl.DataFrame, *, correction: bool
) -> tuple[Superseded, ...]:
    """Check ``batch``'s keys against the records loaded; return what a correction replaces.

    Raises :class:`DuplicateRecordsError` if a batch of new records holds a record already
    loaded, and :class:`UnknownRecordsError` if a correction holds one that is not.
    """
    if not snapshot.history(table.name):
        if correction:
            _refuse_unknown(table, batch.select(table.key))
        return ()
    keys = batch.lazy().select(table.key)
    loaded = snapshot.current(table.name, with_batch=True).select(*table.key, BATCH_COLUMN)
    if not correction:
        clash = keys.join(loaded, on=table.key, how="semi", maintain_order="left").collect()
        if clash.height:
            raise DuplicateRecordsError(
                f"the batch for {table.name} holds records already loaded: "
                f"{describe_keys(clash, clash.height)}",
                hint="to replace records already loaded, import the file as a correction",
            )
        return ()
    # One pass over the loaded keys: each record of the correction with the batch it replaces.
    matched = keys.join(loaded, on=table.key, how="left", maintain_order="left").collect()
    unknown = matched.filter(pl.col(BATCH_COLUMN).is_null()).select(table.key)
    if unknown.height:
        _refuse_unknown(table, unknown)
    counts = matched.group_by(BATCH_COLUMN).len()
    by_batch = dict(zip(counts[BATCH_COLUMN], counts["len"], strict=True))
    return tuple(
        Superseded(entry.batch_id, int(by_batch[entry.batch_id]))
        for entry in snapshot.history(table.name)
        if entry.batch_id in by_batch
    )


def _refuse_unknown(table: TableSchema, unknown: pl.DataFrame) -> None:
    raise UnknownRecordsError(
        f"the correction for {table.name} names records that are not loaded: "
        f"{describe_keys(unknown, unknown.height)}",
        hint="a correction replaces records already loaded; import new records without "
        "marking them as a correction",
    )
