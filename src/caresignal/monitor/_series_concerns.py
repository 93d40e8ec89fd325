"""The periods of a concerns indicator (private; see :mod:`caresignal.monitor.series`).

A unit's concerns are counted per month: the numerator is those of the indicator's HCAT
``categories`` (each concern's recorded category where a person gave one, else the one
:mod:`caresignal.text.themes` suggests from its text; only uncoded concerns are classified), the
denominator all of them (of the definition's ``population``, if it has one). The series is the
share of a unit's concerns that are of the theme: it does not grow with the size of the unit or
with how readily its patients complain, only with what they complain about. A month in which
the unit received no concern has no period (there is no share to chart). Periods depend only on
the rows read, so the periods of new batches alone are the new periods of the whole table, as a
scan that carries its charts on needs.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from caresignal.monitor._catalogue_types import Indicator
from caresignal.text.themes import categories_of

__all__ = ["concern_periods"]


def concern_periods(
    table: pl.LazyFrame, indicator: Indicator, units: list[str], as_of: dt.date
) -> pl.DataFrame:
    """Numerator (concerns of the categories), denominator (all concerns) and expected (null)
    per unit and month up to ``as_of``, from the concerns ``table`` (some batches or all),
    sorted by unit and month."""
    definition = indicator.definition
    date = pl.col(definition.date_column).cast(pl.Date)
    rows = (
        table.filter(
            definition.population_expr()
            & pl.col(indicator.unit_column).is_in(units)
            & (date <= as_of)
        )
        .select(
            pl.col(indicator.unit_column).alias("unit"),
            date.dt.truncate("1mo").alias("period_start"),
            "text",
            "category",
        )
        .collect()
    )
    category = categories_of(rows.get_column("text"), rows.get_column("category"))
    themed = category.is_in(list(definition.categories)).fill_null(False)
    return (
        rows.select("unit", "period_start", themed.alias("themed"))
        .group_by("unit", "period_start")
        .agg(
            pl.col("themed").sum().cast(pl.Float64).alias("numerator"),
            pl.len().cast(pl.Float64).alias("denominator"),
            pl.lit(None, dtype=pl.Float64).alias("expected"),
        )
        .sort("unit", "period_start")
    )
