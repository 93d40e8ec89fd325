"""Reading a bulk-load file into the store (recommendations, concerns): the header checked
against the table's columns first, every cell then as trimmed text (private)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import polars as pl

from caresignal.data._load_problems import Problem, rejection
from caresignal.data._load_read import read_file

__all__ = ["LIMIT", "Row", "read_rows"]

#: At most this many problems are listed when a file is refused.
LIMIT = 200

Row = dict[str, str | None]


def read_rows(
    path: Path, table: str, columns: Sequence[str], optional: Collection[str], each: str
) -> list[tuple[int, Row]]:
    """Each data row of ``path`` with its spreadsheet row number (the header is row 1), its
    cells trimmed and blank ones None; the whole file is refused, naming each problem, when a
    required column is missing, a column is unknown, or there are no rows (one row for each
    ``each``)."""
    frame = read_file(path, source=path.name, table=table).select(pl.all().cast(pl.String))
    header = set(frame.columns)
    problems = [
        Problem(path.name, "missing_column", f"the columns {', '.join(columns)}", column)
        for column in columns
        if column not in header and column not in optional
    ] + [
        Problem(path.name, "unknown_column", f"only the columns {', '.join(columns)}", column)
        for column in frame.columns
        if column not in columns
    ]
    if frame.height == 0:
        problems.append(Problem(path.name, "no_rows", f"one row for each {each}"))
    if problems:
        raise rejection(path.name, problems, total=len(problems), rows=0, limit=LIMIT)
    return [
        (number, {key: _trimmed(value) for key, value in row.items()})
        for number, row in enumerate(frame.iter_rows(named=True), start=2)
    ]


def _trimmed(value: str | None) -> str | None:
    return None if value is None or not value.strip() else value.strip()
