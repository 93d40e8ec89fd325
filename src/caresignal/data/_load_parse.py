"""Turning the columns of an input file into typed columns, as polars expressions (no row loops).

Text (from CSV and Excel, or a Parquet column stored as text) is trimmed of surrounding spaces; an
empty cell is a missing value. Then, by the schema's kind:

* integer: a whole number (``39``, ``39.0`` and ``3.9e1`` are all 39; ``39.5`` is refused);
* float: a finite number with a decimal point, never a decimal comma (``4,650`` is refused);
* boolean: ``true``/``false``, ``yes``/``no``, ``y``/``n``, ``1``/``0``, in any case;
* date: ``2024-03-07`` (ISO) or ``07/03/2024`` (UK day/month/year, one or two digits for day and
  month, four for the year); a time of exactly midnight may follow (as Excel writes date cells).
  US month/day order is never guessed: ``03/27/2024`` is refused (there is no month 27);
* datetime: ``2024-03-07T14:25`` or ``2024-03-07 14:25`` (seconds and fractions optional) or
  ``07/03/2024 14:25`` (seconds optional);
* string with allowed values: matched ignoring case and stored as the schema spells it.

Typed Parquet columns of the right kind are used as they are; any other column is read as text.
Each column gives its text (or stored value), whose missing values are the empty cells, and the
steps that turn it into its typed value; :func:`cell_problem` then finds the problem of each cell.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from caresignal.data.schema import DTYPES, Column, Kind

__all__ = [
    "ALLOWED",
    "EMPTY",
    "RANGE",
    "TYPE",
    "cell_problem",
    "expected",
    "parse",
    "unsupported",
]


#: Problem codes of a cell, kept as small integers in the frame and named in reports.
EMPTY, TYPE, ALLOWED, RANGE = 1, 2, 3, 4
CODE_NAMES = {EMPTY: "empty", TYPE: "type", ALLOWED: "allowed", RANGE: "range"}

_TRUE = ("true", "yes", "y", "1", "t")
_FALSE = ("false", "no", "n", "0", "f")
_DATE = r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})([T ]0?0:00(:00(\.0{1,9})?)?)?$"
_DATETIME = (
    r"^(\d{4}-\d{1,2}-\d{1,2}[T ]|\d{1,2}/\d{1,2}/\d{4} )\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?$"
)
_UK_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4})"
_UNITS = {
    "g": "grams",
    "years": "years",
    "hours": "hours",
    "months": "months",
    "breaths/min": "breaths per minute",
    "beats/min": "beats per minute",
    "%": "percent",
    "°C": "degrees Celsius",
    "kg": "kilograms",
    "s": "seconds",
}
_UNSUPPORTED = (pl.List, pl.Array, pl.Struct, pl.Object, pl.Binary)


def unsupported(dtype: pl.DataType) -> bool:
    """Whether a stored column of this type cannot hold table values at all (lists, structs…)."""
    return isinstance(dtype, _UNSUPPORTED)


def text(name: str) -> pl.Expr:
    """The column as text trimmed of surrounding spaces, with empty cells missing."""
    trimmed = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(trimmed.str.len_bytes() > 0).then(trimmed)


Step = Callable[[pl.Expr], pl.Expr]


def parse(column: Column, dtype: pl.DataType) -> tuple[pl.Expr, list[Step]]:
    """How to turn ``column`` (read with type ``dtype``) into its typed value, stage by stage.

    Returns the first expression (over the column as read: the text trimmed and empty cells
    missing, or the stored value), whose missing values are the empty cells, and the steps that
    then turn it, each applied to the result of the one before, into the typed value (missing
    where unreadable). Each step reads its input once, so that a frame can run the steps of every
    column side by side, in parallel, without computing anything twice.
    """
    if dtype == pl.Null:
        return pl.lit(None, dtype=DTYPES[column.kind]).alias(column.name), []
    stored = _stored(column, dtype)
    if stored is not None:
        return stored, [_finite] if column.kind == "float" else []
    if column.kind == "string":
        return text(column.name), [] if column.allowed is None else [_allowed(column.allowed)]
    return text(column.name), _STEPS[column.kind]


def _stored(column: Column, dtype: pl.DataType) -> pl.Expr | None:
    """The column as stored, if its type already fits the schema's kind; else ``None``."""
    value = pl.col(column.name)
    kind = column.kind
    if kind == "integer" and dtype.is_integer():
        return value.cast(pl.Int64, strict=False)
    if kind == "float" and dtype.is_numeric() and not dtype.is_decimal():
        return value.cast(pl.Float64).fill_nan(None)
    if (kind == "boolean" and dtype == pl.Boolean) or (kind == "date" and dtype == pl.Date):
        return value
    if kind == "datetime" and isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:  # stored in UTC or elsewhere: the local wall-clock time
            value = value.dt.convert_time_zone("Europe/London").dt.replace_time_zone(None)
        return value.cast(pl.Datetime("us"))
    return None


def _allowed(allowed: tuple[str, ...]) -> Step:
    lowered = [value.lower() for value in allowed]
    return lambda value: value.str.to_lowercase().replace_strict(
        lowered, list(allowed), default=None
    )


def _finite(number: pl.Expr) -> pl.Expr:
    return pl.when(number.is_finite()).then(number)


def _whole(number: pl.Expr) -> pl.Expr:
    whole = number.is_finite() & (number == number.floor())
    return pl.when(whole).then(number).cast(pl.Int64, strict=False)


def _to_number(given: pl.Expr) -> pl.Expr:
    return given.cast(pl.Float64, strict=False)


def _boolean(given: pl.Expr) -> pl.Expr:
    words = [*_TRUE, *_FALSE]
    flags = [True] * len(_TRUE) + [False] * len(_FALSE)
    return given.str.to_lowercase().replace_strict(
        words, flags, default=None, return_dtype=pl.Boolean
    )


def _gate(pattern: str) -> Step:
    return lambda given: pl.when(given.str.contains(pattern)).then(given)


def _uk_to_iso(given: pl.Expr) -> pl.Expr:
    return given.str.replace(_UK_DATE, "${3}-${2}-${1}")


def _drop_time(given: pl.Expr) -> pl.Expr:
    return given.str.replace(r"[T ].*$", "")


def _to_date(given: pl.Expr) -> pl.Expr:
    return given.str.strptime(pl.Date, "%Y-%m-%d", strict=False, cache=False)


def _space_not_t(given: pl.Expr) -> pl.Expr:
    return given.str.replace("T", " ", literal=True).str.replace(r"\.\d+$", "")


def _add_seconds(given: pl.Expr) -> pl.Expr:
    minutes_only = given.str.count_matches(":", literal=True) == 1
    return pl.when(minutes_only).then(given + ":00").otherwise(given)


def _to_datetime(given: pl.Expr) -> pl.Expr:
    return given.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False, cache=False)


_STEPS: dict[Kind, list[Step]] = {
    "integer": [_to_number, _whole],
    "float": [_to_number, _finite],
    "boolean": [_boolean],
    "date": [_gate(_DATE), _uk_to_iso, _drop_time, _to_date],
    "datetime": [_gate(_DATETIME), _uk_to_iso, _space_not_t, _add_seconds, _to_datetime],
}


def cell_problem(column: Column, value: pl.Expr, given: pl.Expr) -> pl.Expr:
    """The problem code of each cell (``EMPTY``, ``TYPE``, ``ALLOWED``, ``RANGE``), or missing.

    ``value`` and ``given`` are the typed value and the given-flag from :func:`parse`.
    """
    empty = None if column.nullable else EMPTY
    unreadable = ALLOWED if column.allowed is not None else TYPE
    outside = pl.lit(value=False)
    if column.minimum is not None:
        outside = outside | (value < column.minimum)
    if column.maximum is not None:
        outside = outside | (value > column.maximum)
    return (
        pl.when(~given)
        .then(pl.lit(empty, dtype=pl.UInt8))
        .when(value.is_null())
        .then(pl.lit(unreadable, dtype=pl.UInt8))
        .when(outside)
        .then(pl.lit(RANGE, dtype=pl.UInt8))
    )


def expected(column: Column) -> str:
    """What a cell of ``column`` should hold, in words (the same for every problem of the column).

    Examples
    --------
    >>> from caresignal.data.schema import schema
    >>> expected(schema("births").column("birthweight_g"))
    'a whole number of grams from 200 to 7,000'
    >>> expected(schema("births").column("imd_decile"))
    'a whole number from 1 to 10, or empty'
    """
    words = _kind_words(column) + _range_words(column)
    return words + (", or empty" if column.nullable else "")


def _kind_words(column: Column) -> str:
    unit = _UNITS.get(column.unit or "", column.unit)
    if column.allowed is not None:
        return "one of " + ", ".join(column.allowed)
    return {
        "string": "a value",
        "integer": "a whole number" + (f" of {unit}" if unit else ""),
        "float": "a number" + (f" of {unit}" if unit else ""),
        "boolean": "true or false (or yes/no, 1/0)",
        "date": "a date such as 2024-03-07 or 07/03/2024 (day/month/year)",
        "datetime": "a date and time such as 2024-03-07T14:25 or 07/03/2024 14:25",
    }[column.kind]


def _range_words(column: Column) -> str:
    low, high = column.minimum, column.maximum
    if low is not None and high is not None:
        return f" from {_number(low)} to {_number(high)}"
    if low is not None:
        return f", {_number(low)} or more"
    if high is not None:
        return f", {_number(high)} or less"
    return ""


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
