"""Problems found in an input file: the record of each, their grouping, and the words for people.

A :class:`Problem` names the file, the row (as a spreadsheet shows it: the header is row 1) or the
run of consecutive rows it covers, the column, the value as written and what was expected. The
loader finds problems column by column and rule by rule as polars frames of bad rows;
:func:`group_rows` turns one such frame into problems without a Python loop over rows, merging
consecutive rows with the same problem into one record with a count.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from caresignal.errors import ImportRejectedError

__all__ = ["Problem", "format_problems", "group_rows", "rejection"]

_ROW = "__row"

#: What a problem that concerns the whole file (no row) is about, by its ``check``.
_FILE_PHRASES = {
    "unreadable": "the file cannot be read: {value}",
    "no_rows": "the file has a header but no data rows",
    "missing_column": "column {column} is missing",
    "unknown_column": "column {column} is not a column of this table",
    "duplicate_column": "column {column} appears more than once in the header",
    "unnamed_column": "a column with no name in the header holds values",
    "column_type": "column {column} holds {value}",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input file, or one run of consecutive rows with the same problem.

    Attributes
    ----------
    file : str
        The file's name (or the source the caller gave).
    check : str
        What was checked, as a short code: ``"empty"``, ``"type"``, ``"allowed"``, ``"range"``,
        ``"missing_column"``, ``"duplicate_record"``, a rule's name, and so on (docs/data.md).
    expected : str
        What was expected, in words.
    column : str or None
        The column, or the columns joined by ``", "`` for a rule over several; ``None`` for a
        problem with the whole file.
    value : str or None
        The value as written in the first row of the run (``None`` if empty); for a rule over
        several columns, each column with its value (``"stillbirth = antepartum, ..."``).
    row, last_row : int or None
        The first and last row of the run as a spreadsheet numbers them (the header is row 1, the
        first data row is row 2); ``None`` for a problem with the whole file.
    count : int
        How many rows the run covers.
    other_values : int
        How many other distinct values the run holds besides ``value``.
    record : str or None
        For a file that is not a table (a FHIR file), where the problem is instead of a row:
        ``"line 14 (Observation obs-17)"``; ``row`` is then ``None``.
    """

    file: str
    check: str
    expected: str
    column: str | None = None
    value: str | None = None
    row: int | None = None
    last_row: int | None = None
    count: int = 1
    other_values: int = 0
    record: str | None = None

    def to_dict(self) -> dict[str, str | int | None]:
        """The problem as a plain dictionary (for ``--json``)."""
        data: dict[str, str | int | None] = {
            "file": self.file,
            "row": self.row,
            "last_row": self.last_row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
            "count": self.count,
            "other_values": self.other_values,
            "check": self.check,
        }
        if self.record is not None:
            data["record"] = self.record
        return data

    def describe(self) -> str:
        """The problem in one line for people, naming the file, rows, column, value, expectation.

        Examples
        --------
        >>> problem = Problem("births.csv", "empty", "a whole number of grams from 200 to 7,000",
        ...                   column="birthweight_g", row=17, last_row=4203, count=4187)
        >>> print(problem.describe())
        births.csv, rows 17–4,203: birthweight_g is empty;
        expected a whole number of grams from 200 to 7,000 (4,187 rows)
        """
        separator = ": " if self.row is None and self.record is None else ", "
        return f"{self.file}{separator}{self.body()}"

    def body(self) -> str:
        """The problem in words without the file's name (``describe`` adds it)."""
        if self.record is not None:
            what = self._what() if self.column is not None else str(self.value)
            return f"{self.record}: {what}; expected {self.expected}"
        if self.row is None:
            phrase = _FILE_PHRASES.get(self.check, "{value}")
            what = phrase.format(column=self.column, value=self.value)
            return f"{what}; expected {self.expected}"
        where = f"row {self.row:,}" if self.count == 1 else f"rows {self.row:,}–{self.last_row:,}"
        tail = f" ({self.count:,} rows)" if self.count > 1 else ""
        return f"{where}: {self._what()}; expected {self.expected}{tail}"

    def _what(self) -> str:
        if self.column is not None and ", " in self.column:
            return str(self.value)
        shown = "empty" if self.value is None else f'"{self.value}"'
        others = ""
        if self.other_values:
            plural = "s" if self.other_values > 1 else ""
            others = f" (and {self.other_values:,} other value{plural})"
        return f"{self.column} is {shown}{others}"


def group_rows(
    bad: pl.DataFrame, *, file: str, column: str, limit: int
) -> tuple[list[Problem], int]:
    """Group a frame of bad rows into problems; return the first ``limit`` and how many in all.

    ``bad`` has the columns ``__row`` (spreadsheet row, ascending), ``check``, ``value`` and
    ``expected``. Consecutive rows (no gap) with the same check and expectation make one problem.
    """
    starts = (
        (pl.col(_ROW).diff().fill_null(0) != 1)
        | pl.col("check").ne_missing(pl.col("check").shift())
        | pl.col("expected").ne_missing(pl.col("expected").shift())
    )
    runs = (
        bad.lazy()
        .with_columns(starts.cum_sum().alias("run"))
        .group_by("run", maintain_order=True)
        .agg(
            pl.col(_ROW).first().alias("row"),
            pl.col(_ROW).last().alias("last_row"),
            pl.len().alias("count"),
            pl.col("check").first(),
            pl.col("expected").first(),
            pl.col("value").first(),
            (pl.col("value").n_unique() - 1).alias("other_values"),
        )
        .collect()
    )
    shown = [
        Problem(
            file=file,
            check=str(record["check"]),
            expected=str(record["expected"]),
            column=column,
            value=record["value"],
            row=int(record["row"]),
            last_row=int(record["last_row"]),
            count=int(record["count"]),
            other_values=int(record["other_values"]),
        )
        for record in runs.head(limit).iter_rows(named=True)
    ]
    return shown, runs.height


def rejection(
    file: str, problems: list[Problem], *, total: int, rows: int, limit: int
) -> ImportRejectedError:
    """The error that refuses ``file``: the first ``limit`` problems in file order, and the counts.

    ``problems`` are those kept (at most ``limit`` per check); ``total`` counts every problem and
    ``rows`` the data rows with at least one.
    """
    ordered = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))[:limit]
    if total == 1:
        message = f"{file} was not imported: {ordered[0].body()}"
    else:
        touched = f" in {rows:,} row{'s' if rows != 1 else ''}" if rows else ""
        message = f"{file} was not imported: {total:,} problems{touched}"
    hint = "Nothing was loaded. Correct the file and import it again."
    return ImportRejectedError(message, tuple(ordered), total=total, rows=rows, hint=hint)


def format_problems(error: ImportRejectedError, *, limit: int | None = None) -> list[str]:
    """The lines that show a rejected import to people: one per problem, then how many more.

    Parameters
    ----------
    error : ImportRejectedError
        The error raised by :func:`caresignal.data.load.validate` or ``load``.
    limit : int, optional
        Show at most this many problems (default: all those the error holds).

    Returns
    -------
    list of str
        One line per problem shown (file, rows, column, value, what was expected, how many rows),
        and a last line ``"… and N more problems"`` when not all could be shown.
    """
    shown = error.problems if limit is None else error.problems[:limit]
    lines = [problem.describe() for problem in shown]
    hidden = error.total - len(shown)
    if hidden > 0:
        lines.append(f"… and {hidden:,} more problem{'s' if hidden > 1 else ''}")
    return lines
