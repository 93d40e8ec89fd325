"""What a batch holds: its canonical column types, its shape as stored, and its content hash.

Every batch is stored with all of its table's columns, in the schema's order, with one polars type
per column kind (:data:`DTYPES`). :func:`conform` brings a validated frame to that shape;
:func:`content_hash` gives the SHA-256 of a canonical serialisation of its content, independent of
the order of its rows and of where they came from (a CSV file, an Excel sheet or Parquet).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import polars as pl

from caresignal.data.schema import DTYPES, Column, Kind, TableSchema

__all__ = [
    "DTYPES",
    "HASH_FORMAT",
    "conform",
    "content_hash",
    "describe_keys",
    "empty_frame",
    "in_key_order",
    "key_order",
    "repeated_keys",
]


#: Names the serialisation :func:`content_hash` digests; change it if the serialisation changes.
HASH_FORMAT = "caresignal-content-v1"


def empty_frame(table: TableSchema) -> pl.DataFrame:
    """A frame with no rows and every column of ``table``, each with its stored type."""
    return pl.DataFrame(schema={column.name: DTYPES[column.kind] for column in table.columns})


def conform(table: TableSchema, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every column of ``table`` in order and in its stored type.

    An optional column the frame lacks is added, empty. Types that convert without loss are
    converted (a narrower integer, a categorical or enum to string, any datetime unit to
    microseconds). Anything else is a programming error (the frame was not validated against
    ``table``) and raises ``ValueError`` naming the column.
    """
    unknown = [name for name in frame.columns if name not in table.names]
    if unknown:
        raise ValueError(
            f"frame for {table.name!r} has columns not in its schema: {', '.join(unknown)}"
        )
    series = []
    for column in table.columns:
        if column.name in frame.columns:
            series.append(_stored(table, column, frame.get_column(column.name)))
        elif column.required:
            raise ValueError(f"frame for {table.name!r} lacks the required column {column.name!r}")
        else:
            series.append(pl.Series(column.name, [None] * frame.height, dtype=DTYPES[column.kind]))
    return pl.DataFrame(series)


def _stored(table: TableSchema, column: Column, series: pl.Series) -> pl.Series:
    target = DTYPES[column.kind]
    if series.dtype == target:
        return series
    if _converts(column.kind, series.dtype):
        return series.cast(target, strict=True)
    raise ValueError(
        f"column {column.name!r} of {table.name!r} has type {series.dtype}; a {column.kind} "
        f"column is stored as {target}"
    )


def _converts(kind: Kind, dtype: pl.DataType) -> bool:
    """Whether a column of ``dtype`` converts to the type of ``kind`` without loss."""
    if dtype == pl.Null():
        return True
    if kind == "string":
        return isinstance(dtype, pl.Categorical | pl.Enum)
    if kind == "integer":
        return dtype.is_integer()
    if kind == "float":
        return dtype.is_float() or dtype.is_integer()
    if kind == "datetime":
        return isinstance(dtype, pl.Datetime) and dtype.time_zone is None
    return False


def key_order(table: TableSchema, frame: pl.DataFrame) -> pl.Series | None:
    """The positions of ``frame``'s rows sorted by ``table``'s key; ``None`` if already sorted.

    Keys are sorted ascending, column by column, with empty values last.
    """
    if len(table.key) == 1 and frame.get_column(table.key[0]).is_sorted(nulls_last=True):
        return None
    # Sorting the key with a row index in the lazy engine is several times faster than
    # DataFrame.sort and arg_sort on 6 million strings (polars 2.1).
    index = "__row__"
    ordered = frame.lazy().select(*table.key).with_row_index(index)
    return ordered.sort(list(table.key), nulls_last=True).collect().get_column(index)


def in_key_order(frame: pl.DataFrame, name: str, order: pl.Series | None) -> pl.Series:
    """Column ``name`` of ``frame`` with its rows in ``order`` (see :func:`key_order`)."""
    column = frame.get_column(name)
    # Gathering from one contiguous chunk is many times faster than from the chunks of a read.
    return column if order is None else column.rechunk().gather(order)


def repeated_keys(table: TableSchema, frame: pl.DataFrame, order: pl.Series | None) -> pl.DataFrame:
    """The keys that more than one row of ``frame`` holds, each once, in key order."""
    keys = pl.DataFrame([in_key_order(frame, name, order) for name in table.key])
    repeated = pl.all_horizontal(pl.col(name) == pl.col(name).shift(1) for name in table.key)
    return keys.filter(repeated.fill_null(value=False)).unique(maintain_order=True)


def content_hash(table: TableSchema, frame: pl.DataFrame, order: pl.Series | None) -> str:
    """The SHA-256 of the content of a conformed batch of ``table``, as ``"sha256:<hex>"``.

    ``order`` is :func:`key_order` of the batch, whose keys must be unique. The serialisation
    digested is, in order: the line ``caresignal-content-v1``, the table's name and the number of
    rows, each on its own line; then for each column in the schema's order, the line
    ``name:kind``, a bitmap saying which values are present (one bit per row, 1 if present, the
    first row in the highest bit of the first byte, zero-padded to whole bytes) and the values,
    with the rows sorted by the table's key:

    * integer: 8-byte little-endian signed integers; float: 8-byte little-endian IEEE doubles
      (−0.0 written as 0.0, every NaN as the same NaN); boolean: one byte, 0 or 1;
    * date: 4-byte little-endian days since 1970-01-01; datetime: 8-byte little-endian
      microseconds since 1970-01-01T00:00;
    * string: the UTF-8 length in bytes of each value (8-byte little-endian), then all the
      values' UTF-8 bytes one after another.

    An empty value is written as 0, false or the empty string.
    """
    digest = hashlib.sha256(f"{HASH_FORMAT}\n{table.name}\n{frame.height}\n".encode())
    for column in table.columns:
        digest.update(f"{column.name}:{column.kind}\n".encode())
        _digest_column(digest, column.kind, in_key_order(frame, column.name, order))
    return f"sha256:{digest.hexdigest()}"


def _digest_column(digest: Any, kind: Kind, series: pl.Series) -> None:
    # Buffers go to the digest without copies where they can: this runs over millions of rows.
    digest.update(np.packbits(series.is_not_null().to_numpy()))
    if kind == "string":
        filled = series.fill_null("")
        lengths = filled.str.len_bytes().cast(pl.Int64).to_numpy()
        digest.update(np.ascontiguousarray(lengths, dtype="<i8"))
        digest.update(filled.str.join("").cast(pl.Binary).item())
    elif kind == "float":
        values = series.fill_null(0.0).to_numpy() + 0.0  # −0.0 + 0.0 is 0.0
        values[np.isnan(values)] = np.nan
        digest.update(np.ascontiguousarray(values, dtype="<f8"))
    elif kind == "boolean":
        digest.update(np.ascontiguousarray(series.fill_null(value=False).to_numpy(), dtype="u1"))
    else:
        width = {"integer": "<i8", "date": "<i4", "datetime": "<i8"}[kind]
        values = series.to_physical().fill_null(0).to_numpy()
        digest.update(np.ascontiguousarray(values, dtype=width))


def describe_keys(keys: pl.DataFrame, total: int, limit: int = 5) -> str:
    """The first ``limit`` records of ``keys`` in words, and how many more there are of ``total``.

    >>> describe_keys(pl.DataFrame({"record_id": ["B1", "B2"]}), total=7)
    'record_id B1; record_id B2 (and 5 more)'
    """
    shown = [
        ", ".join(f"{name} {value}" for name, value in row.items())
        for row in keys.head(limit).iter_rows(named=True)
    ]
    more = total - len(shown)
    return "; ".join(shown) + (f" (and {more:,} more)" if more > 0 else "")
