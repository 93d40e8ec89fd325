"""Reading an input file into a polars frame: CSV, Parquet or Excel, told apart by their content.

CSV and Excel are read with every column as text, so that a bad value can be reported as it was
written; Parquet columns keep the types they were stored with. A file that cannot be read at all
raises :class:`~caresignal.errors.ImportRejectedError` with one problem that names the file and says
why, never a traceback from the library underneath.
"""

from __future__ import annotations

import csv
from pathlib import Path

import fastexcel
import polars as pl

from caresignal.data._load_problems import Problem, rejection
from caresignal.errors import ImportRejectedError

__all__ = ["read_file"]

_HEAD_BYTES = 65_536
_CSV_EXPECTED = "a CSV file in UTF-8 (in Excel: Save As → 'CSV UTF-8'), a .xlsx workbook or Parquet"
_READ_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError, ValueError)


def unreadable(source: str, why: str, expected: str = _CSV_EXPECTED) -> ImportRejectedError:
    """The error for a file that cannot be read at all."""
    problem = Problem(source, "unreadable", expected, value=why)
    return rejection(source, [problem], total=1, rows=0, limit=1)


def read_file(path: Path, *, source: str, table: str) -> pl.DataFrame:
    """Read ``path`` (CSV, Parquet or .xlsx, by content) into a frame named by its header.

    Excel workbooks are read from the sheet named ``table`` if there is one, else the first.
    """
    try:
        with path.open("rb") as stream:
            head = stream.read(_HEAD_BYTES)
    except OSError as error:
        raise unreadable(source, error.strerror or str(error)) from None
    if not head:
        raise unreadable(source, "it is empty")
    if head.startswith(b"PAR1"):
        return _read_parquet(path, source)
    if head.startswith(b"PK\x03\x04"):
        return _named(_read_xlsx(path, source, table), source)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise unreadable(source, "it is an old-style Excel .xls workbook")
    return _named(_read_csv(path, source, head), source)


def _read_parquet(path: Path, source: str) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except _READ_ERRORS as error:
        raise unreadable(
            source, f"it is not a readable Parquet file ({_first_line(error)})"
        ) from None


def _read_xlsx(path: Path, source: str, table: str) -> pl.DataFrame:
    try:
        reader = fastexcel.read_excel(str(path))
        sheet = table if table in reader.sheet_names else 0
        frame = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
    except (fastexcel.FastExcelError, *_READ_ERRORS) as error:
        why = f"it is not a readable .xlsx workbook ({_first_line(error)})"
        raise unreadable(source, why) from None
    if frame.height == 0:
        raise unreadable(source, "its sheet is empty")
    return frame


def _read_csv(path: Path, source: str, head: bytes) -> pl.DataFrame:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise unreadable(source, "it is UTF-16 text (Excel's 'Unicode Text')")
    separator = _separator(head)
    try:
        return pl.read_csv(
            path, has_header=False, infer_schema=False, separator=separator, encoding="utf8"
        )
    except pl.exceptions.NoDataError:
        raise unreadable(source, "it is empty") from None
    except _READ_ERRORS as error:
        raise unreadable(source, _csv_failure(path, separator, error)) from None


def _separator(head: bytes) -> str:
    """Semicolon if the header line has more semicolons than commas (outside quotes), else comma."""
    line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    unquoted = "".join(line.split('"')[::2])
    return ";" if unquoted.count(";") > unquoted.count(",") else ","


def _csv_failure(path: Path, separator: str, error: BaseException) -> str:
    """Say where and why a CSV file could not be read (only runs once reading has failed)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        return f"it is not UTF-8 text (byte 0x{data[bad.start]:02x} on line {line:,})"
    ragged = _first_long_row(path, separator)
    if ragged is not None:
        row, fields, header = ragged
        return f"row {row:,} has {fields} fields but the header (row 1) has {header}"
    message = str(error)
    if "Original error: ```" in message:
        message = message.split("Original error: ```", 1)[1].split("```", 1)[0]
    return f"it is not valid CSV ({' '.join(message.split())})"


def _first_long_row(path: Path, separator: str) -> tuple[int, int, int] | None:
    """The first row with more fields than the header: its number, its fields, the header's."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = csv.reader(stream, delimiter=separator)
        try:
            width = len(next(rows, []))
            for number, row in enumerate(rows, start=2):
                if len(row) > width:
                    return number, len(row), width
        except csv.Error:
            return None
    return None


def _named(raw: pl.DataFrame, source: str) -> pl.DataFrame:
    """Use the first row as the header: names trimmed, unnamed empty columns dropped."""
    header = [("" if name is None else str(name)).strip() for name in raw.row(0)]
    data = raw.slice(1)
    problems, keep, seen = [], [], set()
    for name, position in zip(header, data.columns, strict=True):
        if name == "" and data.get_column(position).null_count() == data.height:
            continue
        if name == "":
            problems.append(Problem(source, "unnamed_column", "every column to have a name"))
        elif name in seen:
            expected = "each column once"
            problems.append(Problem(source, "duplicate_column", expected, column=name))
        else:
            seen.add(name)
            keep.append(pl.col(position).alias(name))
    if problems:
        raise rejection(source, problems, total=len(problems), rows=0, limit=len(problems))
    return data.select(keep)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
