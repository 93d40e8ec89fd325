"""The rules of each table that involve more than one column (``TableSchema.rules`` in words).

Each rule is true on the rows that break it (see :class:`caresignal.data._rules.Rule`); docs/data.md
lists them by their ``check`` names.
"""

from __future__ import annotations

import polars as pl

from caresignal.data._rules import Context, Rule, not_future
from caresignal.data._rules_wardcare import WARDCARE_RULES

__all__ = ["TABLE_RULES"]

_CAESAREANS = ("planned_caesarean", "emergency_caesarean")
#: A baby born with no signs of life is a stillbirth from 24+0 weeks (MBRRACE-UK definitions).
_STILLBIRTH_WEEKS = 24
#: The days from a birth to a neonatal death may be 28 when only the date of death is known: a
#: baby born at 23:00 who dies 28 calendar days later at 10:00 was 27 completed days old.
_NEONATAL_DAYS = 28


def _rule(check: str, columns: tuple[str, ...], expected: str, broken: pl.Expr) -> Rule:
    """A rule whose broken rows are given by one expression over the row's own columns."""
    return Rule(check, columns, expected, lambda _frame, _context: broken)


def _stillborn() -> pl.Expr:
    return pl.col("stillbirth") != "no"


def _death_days() -> pl.Expr:
    return (pl.col("neonatal_death_date") - pl.col("birth_datetime").dt.date()).dt.total_days()


BIRTHS = [
    _rule(
        "stillbirth_and_neonatal_death",
        ("stillbirth", "neonatal_death"),
        "a stillborn baby not also recorded as a neonatal death",
        _stillborn() & pl.col("neonatal_death"),
    ),
    _rule(
        "stillbirth_before_24_weeks",
        ("stillbirth", "gestation_weeks"),
        "a stillbirth at 24 weeks or more (a baby born dead earlier is a late fetal loss, not a "
        "stillbirth, and is not recorded as one)",
        _stillborn() & (pl.col("gestation_weeks") < _STILLBIRTH_WEEKS),
    ),
    _rule(
        "neonatal_death_without_date",
        ("neonatal_death", "neonatal_death_date"),
        "a neonatal_death_date for every neonatal death",
        pl.col("neonatal_death") & pl.col("neonatal_death_date").is_null(),
    ),
    _rule(
        "death_date_without_neonatal_death",
        ("neonatal_death", "neonatal_death_date"),
        "no neonatal_death_date unless neonatal_death is true",
        ~pl.col("neonatal_death") & pl.col("neonatal_death_date").is_not_null(),
    ),
    _rule(
        "neonatal_death_before_birth",
        ("birth_datetime", "neonatal_death_date"),
        "a neonatal_death_date on or after the day of birth",
        _death_days() < 0,
    ),
    _rule(
        "neonatal_death_after_28_days",
        ("birth_datetime", "neonatal_death_date"),
        "a neonatal_death_date within 28 days of the birth (a later death is not neonatal)",
        _death_days() > _NEONATAL_DAYS,
    ),
    _rule(
        "stillbirth_with_apgar",
        ("stillbirth", "apgar5_below_7"),
        "apgar5_below_7 false for a stillborn baby (the Apgar score is for live births)",
        _stillborn() & pl.col("apgar5_below_7"),
    ),
    _rule(
        "caesarean_with_tear",
        ("birth_mode", "tear_3rd_4th"),
        "no 3rd/4th-degree tear with a caesarean birth",
        pl.col("birth_mode").is_in(_CAESAREANS) & pl.col("tear_3rd_4th"),
    ),
    _rule(
        "planned_caesarean_in_labour",
        ("birth_mode", "labour_onset"),
        "labour_onset no_labour for a planned caesarean",
        (pl.col("birth_mode") == "planned_caesarean") & (pl.col("labour_onset") != "no_labour"),
    ),
    not_future("birth_datetime", "datetime"),
    not_future("neonatal_death_date", "date"),
]

ADMISSIONS = [
    _rule(
        "discharge_before_admission",
        ("admission_date", "discharge_date"),
        "a discharge_date on or after the admission_date",
        pl.col("discharge_date") < pl.col("admission_date"),
    ),
    not_future("admission_date", "date"),
    not_future("discharge_date", "date"),
]


def _numerator_above_denominator(_frame: pl.DataFrame, context: Context) -> pl.Expr:
    exposures = pl.Series(context.exposure_indicators, dtype=pl.String)
    exposure = pl.col("indicator").is_in(exposures.implode())
    return (pl.col("numerator") > pl.col("denominator")) & ~exposure


COUNTS = [
    _rule(
        "period_start",
        ("period_start", "period_type"),
        "a month to start on its 1st day and a week on a Monday",
        pl.when(pl.col("period_type") == "month")
        .then(pl.col("period_start").dt.day() != 1)
        .otherwise(pl.col("period_start").dt.weekday() != 1),
    ),
    Rule(
        "numerator_above_denominator",
        ("indicator", "numerator", "denominator"),
        "a numerator no greater than its denominator (events among cases)",
        _numerator_above_denominator,
    ),
    not_future("period_start", "date"),
]

STAFFING = [
    _rule(
        "actual_without_planned",
        ("planned_hours", "actual_hours"),
        "planned_hours above 0 wherever actual_hours are above 0",
        (pl.col("actual_hours") > 0) & (pl.col("planned_hours") == 0),
    ),
    _rule(
        "month_start",
        ("month",),
        "the 1st day of the month",
        pl.col("month").dt.day() != 1,
    ),
    not_future("month", "date"),
]

RECOMMENDATIONS = [
    _rule(
        "due_before_made",
        ("date", "due_date"),
        "a due_date on or after the date the recommendation was made",
        pl.col("due_date") < pl.col("date"),
    ),
    not_future("date", "date"),
]

CONCERNS = [
    _rule(
        "acknowledged_before_received",
        ("received_date", "acknowledged_date"),
        "an acknowledged_date on or after the received_date",
        pl.col("acknowledged_date") < pl.col("received_date"),
    ),
    _rule(
        "answered_before_received",
        ("received_date", "answered_date"),
        "an answered_date on or after the received_date",
        pl.col("answered_date") < pl.col("received_date"),
    ),
    not_future("received_date", "date"),
    not_future("acknowledged_date", "date"),
    not_future("answered_date", "date"),
]


def _parent_level(frame: pl.DataFrame, context: Context) -> pl.Expr:
    """The level of each row's parent, from this file or the organisations already loaded."""
    here = frame.select("code", "level").filter(pl.col("code").is_not_null())
    known = context.organisations.select("code", pl.col("level").cast(pl.String))
    levels = pl.concat([here, known]).unique("code", keep="first", maintain_order=True)
    return pl.col("parent_code").replace_strict(
        levels.get_column("code"), levels.get_column("level"), default=None
    )


def _wrong_parent(frame: pl.DataFrame, context: Context) -> pl.Expr:
    wanted = pl.col("level").replace_strict(["site", "unit"], ["trust", "site"], default=None)
    return _parent_level(frame, context) != wanted


def _unknown_parent(frame: pl.DataFrame, context: Context) -> pl.Expr:
    codes = pl.concat([frame.get_column("code"), context.organisations.get_column("code")])
    return pl.col("parent_code").is_not_null() & ~pl.col("parent_code").is_in(codes.implode())


ORGANISATIONS = [
    _rule(
        "trust_with_parent",
        ("level", "parent_code"),
        "no parent_code for a trust",
        (pl.col("level") == "trust") & pl.col("parent_code").is_not_null(),
    ),
    _rule(
        "missing_parent",
        ("level", "parent_code"),
        "a parent_code for a site (its trust) or a unit (its site)",
        (pl.col("level") != "trust") & pl.col("parent_code").is_null(),
    ),
    Rule(
        "parent_level",
        ("code", "level", "parent_code"),
        "a site's parent to be a trust and a unit's parent to be a site",
        _wrong_parent,
    ),
    Rule(
        "unknown_parent",
        ("code", "parent_code"),
        "the code of an organisation in this file or already loaded",
        _unknown_parent,
        single="parent_code",
    ),
    _rule(
        "unit_without_type",
        ("level", "unit_type"),
        "a unit_type for every unit",
        (pl.col("level") == "unit") & pl.col("unit_type").is_null(),
    ),
    _rule(
        "type_without_unit",
        ("level", "unit_type"),
        "no unit_type for a trust or a site",
        (pl.col("level") != "unit") & pl.col("unit_type").is_not_null(),
    ),
]

TABLE_RULES: dict[str, list[Rule]] = {
    "organisations": ORGANISATIONS,
    "births": BIRTHS,
    "admissions": ADMISSIONS,
    "counts": COUNTS,
    "staffing": STAFFING,
    "recommendations": RECOMMENDATIONS,
    "concerns": CONCERNS,
    **WARDCARE_RULES,
}
