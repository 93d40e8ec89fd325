"""The rules of the ward-care tables: encounters, observations and responses.

Observations and responses name a stay (``encounter_id``) and must fall within it. Those checks
read the stays in :attr:`Context.encounters` (the encounters already loaded, with any imported
alongside), and are skipped when the caller gives none. Each rule is true on the rows that break
it (see :class:`caresignal.data._rules.Rule`); docs/data.md lists them by their ``check`` names.
"""

from __future__ import annotations

import polars as pl

from caresignal.data._load_check import CELL_PROBLEM
from caresignal.data._rules import Context, Rule, not_future
from caresignal.data.schema import schema

__all__ = ["STAY_COLUMNS", "WARDCARE_RULES"]

_ROW = "__row"
#: The columns of :attr:`Context.encounters`.
STAY_COLUMNS = ("encounter_id", "admission_datetime", "discharge_datetime")
_VITALS = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
    "weight_kg",
    "capillary_refill_s",
    "work_of_breathing",
    "carer_answer",
)
_REQUIRED_VITALS = tuple(name for name in _VITALS if schema("observations").column(name).required)


def _not_a_unit(_frame: pl.DataFrame, context: Context) -> pl.Expr:
    """A code whose level is known and is not ``unit`` (a trust or a site)."""
    levels = context.organisations.filter(pl.col("level").is_not_null())
    level = pl.col("unit_code").replace_strict(
        levels.get_column("code"), levels.get_column("level"), default=None
    )
    return level.is_not_null() & (level != "unit")


def _unknown_encounter(_frame: pl.DataFrame, context: Context) -> pl.Expr:
    if context.encounters is None:
        return pl.lit(value=False)
    known = context.encounters.get_column("encounter_id")
    return ~pl.col("encounter_id").is_in(known.implode())


def _outside_stay(time: str) -> Rule:
    """The time in column ``time`` is before admission or after discharge of its stay."""

    def broken(frame: pl.DataFrame, context: Context) -> pl.Expr:
        if context.encounters is None:
            return pl.lit(value=False)
        stays = frame.select(_ROW, "encounter_id", time).join(
            context.encounters.select(STAY_COLUMNS), on="encounter_id", how="inner"
        )
        outside = (pl.col(time) < pl.col("admission_datetime")) | (
            pl.col("discharge_datetime").is_not_null()
            & (pl.col(time) > pl.col("discharge_datetime"))
        )
        rows = stays.filter(outside).get_column(_ROW)
        return pl.col(_ROW).is_in(rows.implode())

    def expected(context: Context) -> pl.Expr:
        stays = context.encounters if context.encounters is not None else _no_stays()
        admitted = pl.col("admission_datetime").dt.to_string("%Y-%m-%d %H:%M")
        discharged = pl.col("discharge_datetime").dt.to_string("%Y-%m-%d %H:%M")
        words = stays.select(
            "encounter_id",
            pl.format(
                "a time within the stay, from {} to {}",
                admitted,
                discharged.fill_null("now (still open)"),
            ).alias("words"),
        )
        return pl.col("encounter_id").replace_strict(
            words.get_column("encounter_id"),
            words.get_column("words"),
            default="a time within the stay",
            return_dtype=pl.String,
        )

    return Rule(
        f"{time.removesuffix('_datetime')}_outside_stay", ("encounter_id", time), expected, broken
    )


def _no_stays() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "encounter_id": pl.String,
            "admission_datetime": pl.Datetime("us"),
            "discharge_datetime": pl.Datetime("us"),
        }
    )


def _unknown_encounter_rule() -> Rule:
    return Rule(
        "unknown_encounter",
        ("encounter_id",),
        "the encounter_id of an encounter loaded before or imported with it (import the "
        "encounters table first)",
        _unknown_encounter,
        single="encounter_id",
    )


def _no_values(frame: pl.DataFrame, _context: Context) -> pl.Expr:
    """Nothing in any observation column: neither a value nor a cell refused on its own.

    Not checked when a required observation column is missing (that is reported on its own).
    """
    if not all(name in frame.columns for name in _REQUIRED_VITALS):
        return pl.lit(value=False)
    present = [name for name in _VITALS if name in frame.columns]
    return pl.all_horizontal(
        pl.col(name).is_null() & pl.col(CELL_PROBLEM + name).is_null() for name in present
    )


ENCOUNTERS = [
    Rule(
        "not_a_unit",
        ("unit_code",),
        "the code of a unit (a ward), not of a trust or a site",
        _not_a_unit,
        single="unit_code",
    ),
    Rule(
        "discharge_before_admission",
        ("admission_datetime", "discharge_datetime"),
        "a discharge_datetime at or after the admission_datetime",
        lambda _frame, _context: pl.col("discharge_datetime") < pl.col("admission_datetime"),
    ),
    not_future("admission_datetime", "datetime"),
    not_future("discharge_datetime", "datetime"),
]

OBSERVATIONS = [
    _unknown_encounter_rule(),
    _outside_stay("observation_datetime"),
    Rule(
        "no_values",
        ("encounter_id", "observation_datetime"),
        "at least one observation in the set",
        _no_values,
    ),
    not_future("observation_datetime", "datetime"),
]

RESPONSES = [
    _unknown_encounter_rule(),
    _outside_stay("response_datetime"),
    not_future("response_datetime", "datetime"),
]

WARDCARE_RULES: dict[str, list[Rule]] = {
    "encounters": ENCOUNTERS,
    "observations": OBSERVATIONS,
    "responses": RESPONSES,
}
