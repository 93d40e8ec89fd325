"""The periods of a bedside indicator (private; see :mod:`caresignal.monitor.series`).

A bedside indicator's series is one of the ward care audit's monthly measures
(:data:`caresignal.monitor.wardcare.MEASURES`): the audit runs on the whole ``encounters``,
``observations`` and ``responses`` tables up to the end of ``as_of``'s day, and each unit's
month gives the measure's numerator and denominator. The audit needs all three tables at once
(a response in a later batch answers a trigger of an earlier one), so the series is always
computed whole, never from new batches alone (a rescan carries a bedside chart on only when the
whole series' kept months are unchanged: see :mod:`caresignal.monitor._scan_resume`). A unit
without bedside data has no periods; a data directory without the tables gives an empty series.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from caresignal.data.dataset import Snapshot
from caresignal.monitor._catalogue_types import Indicator
from caresignal.monitor._wardcare_monthly import MEASURES
from caresignal.monitor.wardcare import audit

__all__ = ["bedside_periods"]

_EMPTY = {
    "unit": pl.String,
    "period_start": pl.Date,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "expected": pl.Float64,
}


def bedside_periods(
    snapshot: Snapshot, indicator: Indicator, units: list[str], as_of: dt.date
) -> pl.DataFrame:
    """Numerator, denominator and expected (null) per unit and month up to ``as_of``, sorted by
    unit and month; months in which the measure has no denominator are left out."""
    measure = indicator.definition.measure
    assert measure is not None  # the catalogue gives every observations indicator a measure
    observations = snapshot.table("observations").collect()
    if observations.height == 0:
        return pl.DataFrame(schema=_EMPTY)
    end = dt.datetime.combine(as_of, dt.time.max)
    found = audit(
        snapshot.table("encounters").collect(),
        observations,
        snapshot.table("responses").collect(),
        as_of=end,
    )
    numerator, denominator = MEASURES[measure]
    return (
        found.monthly.filter(pl.col("unit_code").is_in(units) & (pl.col(denominator) > 0))
        .select(
            pl.col("unit_code").alias("unit"),
            pl.col("month").alias("period_start"),
            pl.col(numerator).cast(pl.Float64).alias("numerator"),
            pl.col(denominator).cast(pl.Float64).alias("denominator"),
            pl.lit(None, dtype=pl.Float64).alias("expected"),
        )
        .sort("unit", "period_start")
    )
