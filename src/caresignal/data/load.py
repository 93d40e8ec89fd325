"""Reading and validating input files: every problem named, and nothing accepted unless all is well.

:func:`validate` checks a file (CSV, Parquet or Excel ``.xlsx``) or a polars frame against the
table's schema (:mod:`caresignal.data.schema`) and either returns the whole table, typed, or
raises :class:`~caresignal.errors.ImportRejectedError` listing every problem: file, row as a
spreadsheet numbers it (the header is row 1), column, value as written and what was expected.
Repeats of one problem in one column over consecutive rows are grouped (``rows 17–4,203:
birthweight_g is empty … (4,187 rows)``). The checks, in order:

* the file can be read (UTF-8 text, with or without a byte-order mark, comma- or
  semicolon-separated; a Parquet file; an ``.xlsx`` workbook's sheet named like the table, or its
  first sheet), and its header names each column once;
* every required column is there and no other (the nearest schema name is suggested);
* every cell holds a value of its column's type, one of its allowed values, within its range, and
  is not empty unless the column allows it (see :mod:`caresignal.data._load_parse` for the forms
  of numbers, booleans, dates and times accepted);
* each table's rules over several columns (a stillbirth that is also a neonatal death, a
  numerator above its denominator, a date in the future, …);
* each record appears once in the file and is not already loaded; every organisation code is known;
  each observation and response names a stay it falls within.

All the checks are polars expressions over whole columns: no Python loop runs over the rows.
``docs/data.md`` documents the tables, the checks and what the problems look like.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from caresignal.data._load_check import (
    Found,
    cell_step,
    header_problems,
    rule_problems,
    table_frame,
    typed_frame,
)
from caresignal.data._load_parse import unsupported
from caresignal.data._load_problems import Problem, format_problems, rejection
from caresignal.data._load_read import read_file
from caresignal.data._rules import Context, common_rules
from caresignal.data._rules_tables import TABLE_RULES
from caresignal.data._rules_wardcare import STAY_COLUMNS
from caresignal.data.schema import TableSchema, schema
from caresignal.errors import ImportRejectedError

__all__ = [
    "DEFAULT_LIMIT",
    "ImportRejectedError",
    "Problem",
    "ValidatedTable",
    "format_problems",
    "read_table",
    "validate",
]

#: How many problems a rejection keeps to show; every problem is counted all the same.
DEFAULT_LIMIT = 200

Organisations = Collection[str] | pl.Series | pl.DataFrame


@dataclass(frozen=True, slots=True)
class ValidatedTable:
    """A table that passed every check.

    Attributes
    ----------
    table : str
        The table's name (a key of :data:`caresignal.data.schema.SCHEMAS`).
    source : str
        The file's name, or the source the caller gave.
    frame : polars.DataFrame
        The data: exactly the schema's columns, in its order and with its types (``String``,
        ``Int64``, ``Float64``, ``Boolean``, ``Date``, ``Datetime("us")``); optional columns the
        file left out are there, empty. Values from a list of allowed values are spelled as the
        schema spells them.
    blank_rows : int
        Rows of the file with nothing in them, which were skipped.
    """

    table: str
    source: str
    frame: pl.DataFrame
    blank_rows: int = 0

    @property
    def rows(self) -> int:
        """How many records were accepted."""
        return self.frame.height


def read_table(path: str | os.PathLike[str], table: str) -> pl.DataFrame:
    """Read an input file as it is, without checking its values.

    Parameters
    ----------
    path : str or path-like
        A CSV file (UTF-8, with or without a byte-order mark; comma- or semicolon-separated, told
        from the header line), a Parquet file or an Excel ``.xlsx`` workbook. The format is told
        from the content, not the file's name.
    table : str
        The table the file holds; for a workbook, the sheet of that name is read if there is one,
        else the first sheet.

    Returns
    -------
    polars.DataFrame
        One column per header name (trimmed of spaces), every value as text for CSV and Excel,
        as stored for Parquet; row ``i`` of the frame is row ``i + 2`` of the spreadsheet.

    Raises
    ------
    ImportRejectedError
        If the file cannot be read at all (missing, empty, not UTF-8, not CSV, a corrupt workbook
        or Parquet file), or its header repeats a name or leaves a column that holds values
        unnamed. The error holds one problem per fault, naming the file.
    """
    schema(table)
    path = Path(path)
    return read_file(path, source=path.name, table=table)


def validate(
    data: pl.DataFrame | str | os.PathLike[str],
    table: str,
    *,
    today: date,
    known_organisations: Organisations,
    existing_keys: pl.DataFrame | None = None,
    source: str | None = None,
    exposure_indicators: Collection[str] = (),
    encounters: pl.DataFrame | None = None,
    limit: int = DEFAULT_LIMIT,
    on_stage: Callable[[str], None] | None = None,
) -> ValidatedTable:
    """Check a file or frame against the schema of ``table``; return it typed, or refuse it whole.

    Parameters
    ----------
    data : polars.DataFrame, str or path-like
        The file to read (see :func:`read_table`), or a frame as :func:`read_table` returns it
        (text columns, or typed ones as Parquet may store them).
    table : str
        The table's name, one of :data:`caresignal.data.schema.SCHEMAS` (``KeyError`` if not).
    today : datetime.date
        The day of the import: dates after it are refused.
    known_organisations : collection of str, polars.Series or polars.DataFrame
        The organisation codes already loaded. A frame with ``code`` and ``level`` columns (the
        loaded organisations table) also lets the parents in an organisations file be checked
        for their level.
    existing_keys : polars.DataFrame, optional
        The key columns (``TableSchema.key``) of the records of this table already loaded; a
        record in the file with one of these keys is refused.
    source : str, optional
        The name the problems give the file (default: the file's name, or ``"the <table> data"``
        for a frame).
    exposure_indicators : collection of str, optional
        For ``counts``: indicators whose denominator is an exposure (bed days, patient days)
        rather than cases, so that the numerator may exceed it.
    encounters : polars.DataFrame, optional
        For ``observations`` and ``responses``: the stays they may name, with the columns
        ``encounter_id``, ``admission_datetime`` and ``discharge_datetime`` (the encounters
        loaded, and any imported with them). Each record must name one of them and fall within
        it. Without it those two checks are not made; imports always make them.
    limit : int, optional
        How many problems the error keeps to show (default 200); all are counted.
    on_stage : callable, optional
        Called with the name of each stage as it starts (``"reading"``, ``"checking values"``,
        ``"checking rules"``), for a progress display.

    Returns
    -------
    ValidatedTable
        The table with the schema's columns and types.

    Raises
    ------
    ImportRejectedError
        If anything is wrong. ``problems`` holds the first ``limit`` problems in file order and
        ``total`` counts them all; nothing of the file is accepted.
    """
    spec = schema(table)
    stage = on_stage or _ignore
    if limit < 1:
        raise ValueError(f"limit is {limit}; expected a number of problems of at least 1")
    if isinstance(data, pl.DataFrame):
        frame, source = data, source or f"the {table} data"
    else:
        path = Path(data)
        source = source or path.name
        stage("reading")
        frame = read_file(path, source=source, table=table)
    context = Context(
        today=today.date() if isinstance(today, datetime) else today,
        organisations=_organisations(known_organisations),
        existing_keys=_existing(existing_keys, spec),
        exposure_indicators=tuple(exposure_indicators),
        encounters=_stays(encounters),
    )
    return _check(frame, spec, context, source=source, limit=limit, stage=stage)


def _check(
    frame: pl.DataFrame,
    spec: TableSchema,
    context: Context,
    *,
    source: str,
    limit: int,
    stage: Callable[[str], None],
) -> ValidatedTable:
    found = Found()
    header = header_problems(frame, spec, source)
    found.add(header, len(header))
    present = [
        name for name in spec.names if name in frame.columns and not unsupported(frame.schema[name])
    ]
    stage("checking values")
    work = typed_frame(frame, spec, present)
    if present and work.height == 0:
        found.add([Problem(source, "no_rows", "at least one row of data below the header")], 1)
    cell_step(work, frame, spec, found, source=source, limit=limit)
    stage("checking rules")
    kinds: dict[str, str] = {name: spec.column(name).kind for name in present}
    rules = common_rules(spec) + TABLE_RULES[spec.name]
    rule_problems(work, frame, rules, context, kinds, found, source=source, limit=limit)
    if found.total:
        raise rejection(source, found.shown, total=found.total, rows=found.rows, limit=limit)
    return ValidatedTable(spec.name, source, table_frame(work, spec), frame.height - work.height)


def _ignore(stage: str) -> None:
    """The default stage callback: no progress display."""


def _organisations(known: Organisations) -> pl.DataFrame:
    """The known organisations as a frame of ``code`` and ``level`` (missing where not given)."""
    if isinstance(known, pl.DataFrame):
        if "code" not in known.columns:
            raise ValueError(
                "known_organisations is a frame without a code column; expected the "
                "organisations table or a collection of codes"
            )
        level = pl.col("level") if "level" in known.columns else pl.lit(None)
        return known.select(pl.col("code").cast(pl.String), level.cast(pl.String).alias("level"))
    codes = pl.Series("code", list(known), dtype=pl.String)
    return pl.DataFrame({"code": codes, "level": pl.Series([None] * len(codes), dtype=pl.String)})


def _stays(encounters: pl.DataFrame | None) -> pl.DataFrame | None:
    """The stays, checked to hold their columns, typed as the encounters table types them."""
    if encounters is None:
        return None
    missing = [name for name in STAY_COLUMNS if name not in encounters.columns]
    if missing:
        raise ValueError(
            f"encounters has no column {', '.join(missing)}; expected the encounters table or "
            f"its columns {', '.join(STAY_COLUMNS)}"
        )
    return encounters.select(
        pl.col("encounter_id").cast(pl.String),
        pl.col("admission_datetime", "discharge_datetime").cast(pl.Datetime("us")),
    )


def _existing(existing: pl.DataFrame | None, spec: TableSchema) -> pl.DataFrame | None:
    """The loaded keys, checked to hold the key columns."""
    if existing is None:
        return None
    missing = [name for name in spec.key if name not in existing.columns]
    if missing:
        raise ValueError(
            f"existing_keys has no column {', '.join(missing)}; expected the key columns of "
            f"the {spec.name} table: {', '.join(spec.key)}"
        )
    return existing.select(spec.key)
