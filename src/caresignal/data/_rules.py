"""Checks of a whole row or of the whole file: the schema's rules, record keys, organisation codes.

A :class:`Rule` is a polars expression that is true on each row that breaks it, over the typed
columns (:mod:`caresignal.data._load_parse`). It runs only where every column it reads is present
in the file, and only on rows whose cells in those columns passed their own checks, so that one bad
value is reported once, not again by every rule that reads it. The rules of each table are in
:mod:`caresignal.data._rules_tables`; the checks common to every table (duplicate records, records
already loaded, unknown organisation codes, dates in the future) are built here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from caresignal.data.schema import TableSchema

__all__ = ["Context", "Rule", "common_rules", "not_future", "shown"]


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules need besides the file: today's date and what is already loaded.

    ``organisations`` has a ``code`` column and a ``level`` column (missing where not known).
    ``existing_keys`` holds the key columns of the records already loaded, typed as the schema
    says, or is ``None``. ``exposure_indicators`` are the count indicators whose denominator is an
    exposure (bed days…), which a count may exceed. ``encounters`` holds the stays that
    observations and responses may name (``encounter_id``, ``admission_datetime``,
    ``discharge_datetime``), or is ``None`` when they are not to be checked against the stays.
    """

    today: date
    organisations: pl.DataFrame
    existing_keys: pl.DataFrame | None
    exposure_indicators: tuple[str, ...]
    encounters: pl.DataFrame | None = None


Broken = Callable[[pl.DataFrame, Context], pl.Expr]


@dataclass(frozen=True, slots=True)
class Rule:
    """A check over one or more columns of a row: true where the row breaks it.

    ``columns`` are those the check reads (it is skipped unless all are in the file). Problems are
    reported under ``columns`` with, as the value, each column and its value; or, with ``single``,
    under that one column with its value alone. ``expected`` says what was expected, in words or
    as an expression per row (built only once a row is known to break the rule).
    """

    check: str
    columns: tuple[str, ...]
    expected: str | Callable[[Context], pl.Expr]
    broken: Broken
    single: str | None = None
    value: pl.Expr | None = None

    def column_label(self) -> str:
        """The column the problems are reported under (several joined by ``", "``)."""
        return self.single or ", ".join(self.columns)

    def value_expr(self, kinds: dict[str, str]) -> pl.Expr:
        """The value shown for a broken row: the single column's, or each column's with its name."""
        if self.value is not None:
            return self.value
        if self.single is not None:
            return shown(self.single, kinds[self.single])
        parts: list[pl.Expr] = []
        for position, name in enumerate(self.columns):
            parts += [pl.lit(f"{', ' if position else ''}{name} = "), shown(name, kinds[name])]
        return pl.concat_str(parts)

    def expected_expr(self, context: Context) -> pl.Expr:
        """What was expected, as an expression (the same text on every row, or per row)."""
        if isinstance(self.expected, str):
            return pl.lit(self.expected)
        return self.expected(context)


def shown(name: str, kind: str) -> pl.Expr:
    """A typed column as text for people: dates ISO, times to the minute, missing as ``empty``."""
    value = pl.col(name)
    if kind == "datetime":
        text = value.dt.to_string("%Y-%m-%d %H:%M")
    elif kind == "float":
        text = pl.format("{}", value)
    else:
        text = value.cast(pl.String)
    return text.fill_null("empty")


def not_future(name: str, kind: str) -> Rule:
    """The date (or date of the date-time) in ``name`` is not after today."""

    def broken(_frame: pl.DataFrame, context: Context) -> pl.Expr:
        day = pl.col(name).dt.date() if kind == "datetime" else pl.col(name)
        return day > context.today

    def expected(context: Context) -> pl.Expr:
        return pl.lit(f"a date no later than today ({context.today:%Y-%m-%d})")

    return Rule("future_date", (name,), expected, broken, single=name)


def common_rules(table: TableSchema) -> list[Rule]:
    """The checks every table has: records once in the file, not already loaded, known codes."""
    rules = [_duplicate(table.key), _already_loaded(table.key)]
    if table.organisation_column is not None:
        rules.append(_known_organisation(table.organisation_column))
    return rules


def _key_label(key: tuple[str, ...]) -> str | None:
    return key[0] if len(key) == 1 else None


def _duplicate(key: tuple[str, ...]) -> Rule:
    def broken(_frame: pl.DataFrame, _context: Context) -> pl.Expr:
        record = pl.col(key[0]) if len(key) == 1 else pl.struct(key)
        return ~record.is_first_distinct()

    def expected(_context: Context) -> pl.Expr:
        first = pl.col("__row").min().over(key).cast(pl.String)
        return pl.format("each record once in the file; this one is already in row {}", first)

    return Rule("duplicate_record", key, expected, broken, single=_key_label(key))


def _already_loaded(key: tuple[str, ...]) -> Rule:
    def broken(frame: pl.DataFrame, context: Context) -> pl.Expr:
        existing = context.existing_keys
        if existing is None or existing.height == 0:
            return pl.lit(value=False)
        typed = existing.select(pl.col(name).cast(frame.schema[name]) for name in key)
        loaded = frame.join(typed.unique(), on=list(key), how="semi", nulls_equal=False)
        return pl.col("__row").is_in(loaded.get_column("__row").implode())

    expected = "a record not already loaded (to change a loaded record, import a correction)"
    return Rule("already_loaded", key, expected, broken, single=_key_label(key))


def _known_organisation(name: str) -> Rule:
    def broken(_frame: pl.DataFrame, context: Context) -> pl.Expr:
        return ~pl.col(name).is_in(context.organisations.get_column("code").implode())

    expected = "the code of an organisation already loaded (import the organisations table first)"
    return Rule("unknown_organisation", (name,), expected, broken, single=name)
