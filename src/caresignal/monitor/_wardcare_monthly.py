"""Monthly unit-level indicators from the ward care audit (private; see
:mod:`caresignal.monitor.wardcare`).

Each month counts what was decided that month, by the month of the trigger (or of the weight
flag): episodes still pending are left out of every count, since their outcome is not known yet.
"""

from __future__ import annotations

import polars as pl

from caresignal.monitor._wardcare_rules import TRIGGER_KINDS

__all__ = ["MEASURES", "monthly_indicators"]

#: The measures the monitor can watch: name -> (numerator column, denominator column). A measure
#: without a denominator is a value of its own (the month's median delay), watched as it is.
MEASURES: dict[str, tuple[str, str | None]] = {
    "triggers_in_time": ("triggers_in_time", "triggers"),
    "carer_concerns_in_time": ("carer_concerns_in_time", "carer_concerns"),
    "sepsis_screen_in_time": ("sepsis_screen_in_time", "sepsis_episodes"),
    "sepsis_antibiotic_in_time": ("sepsis_antibiotic_in_time", "sepsis_episodes_antibiotic"),
    "weight_reviews_in_time": ("weight_reviews_in_time", "weight_flags"),
    "triggers_late_or_missed": ("triggers_late_or_missed", "triggers"),
    "median_delay_minutes": ("median_delay_minutes", None),
}

_KEY = ("unit_code", "month")


def _month(column: str) -> pl.Expr:
    return pl.col(column).dt.truncate("1mo").dt.date().alias("month")


def monthly_indicators(
    triggers: pl.DataFrame, sepsis: pl.DataFrame, weight: pl.DataFrame
) -> pl.DataFrame:
    """One row per unit and month with every count, share and the median delay."""
    decided = pl.col("status").is_in(["in time", "late", "missed"])
    in_time = (pl.col("status") == "in time").sum()
    carer = pl.col("kind") == TRIGGER_KINDS.index("carer_worse")
    episodes = (
        triggers.filter(pl.col("first_in_episode") & decided)
        .group_by("unit_code", _month("trigger_datetime"))
        .agg(
            pl.len().alias("triggers"),
            in_time.alias("triggers_in_time"),
            (pl.col("status") != "in time").sum().alias("triggers_late_or_missed"),
            pl.col("minutes").median().alias("median_delay_minutes"),
            carer.sum().alias("carer_concerns"),
            (carer & (pl.col("status") == "in time")).sum().alias("carer_concerns_in_time"),
        )
    )
    septic = sepsis.group_by("unit_code", _month("trigger_datetime")).agg(
        pl.col("screen_in_time").is_not_null().sum().alias("sepsis_episodes"),
        pl.col("screen_in_time").fill_null(False).sum().alias("sepsis_screen_in_time"),
        pl.col("antibiotic_in_time").is_not_null().sum().alias("sepsis_episodes_antibiotic"),
        pl.col("antibiotic_in_time").fill_null(False).sum().alias("sepsis_antibiotic_in_time"),
    )
    weights = (
        weight.filter(decided)
        .group_by("unit_code", _month("flag_datetime"))
        .agg(pl.len().alias("weight_flags"), in_time.alias("weight_reviews_in_time"))
    )
    joined = episodes.join(septic, on=_KEY, how="full", coalesce=True).join(
        weights, on=_KEY, how="full", coalesce=True
    )
    counts = [name for name in joined.columns if name not in (*_KEY, "median_delay_minutes")]
    shares = [
        pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).alias(f"share_{name}")
        for name, (num, den) in MEASURES.items()
        if den is not None
    ]
    return (
        joined.with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))
        .with_columns(shares)
        .sort(*_KEY)
    )
