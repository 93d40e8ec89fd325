"""Sepsis and weight-loss audits (private; see :mod:`caresignal.monitor.wardcare`).

**Suspected sepsis** is a score episode (NEWS2 or paediatric, first trigger of its episode) whose
set of observations has a temperature outside the rules' range, or after which a sepsis screen
was recorded before the stay's next score episode began (or the patient left): the tables hold
no diagnosis or infection source, so the temperature and the staff's own screen are the signs
available. For each, the minutes from the trigger to the first sepsis screen, first IV
antibiotic and first senior review, each in time when within its rule's minutes.

**Weight loss** is measured from the first weight recorded in the stay; the first set at which
the loss reaches each of the rules' percentages is flagged, and audited for a review of one of
the rules' kinds within its hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import polars as pl

from caresignal.monitor._wardcare_rules import WardcareRules
from caresignal.monitor._wardcare_triggers import STATUSES, Responses, in_stay_order

__all__ = ["sepsis_audit", "weight_audit"]

_STEPS = (
    ("screen", ("sepsis_screen",), "screen_within_minutes"),
    ("antibiotic", ("first_iv_antibiotic",), "antibiotic_within_minutes"),
    ("senior_review", ("senior_review",), "senior_review_within_minutes"),
)


def _in_time(prefix: str, start: str, minutes: float, as_of: dt.datetime) -> list[pl.Expr]:
    """``{prefix}_minutes`` and ``{prefix}_in_time`` (null while still pending)."""
    taken = (pl.col(f"{prefix}_datetime") - pl.col(start)).dt.total_seconds() / 60
    deadline = pl.col(start) + pl.duration(seconds=round(minutes * 60))
    open_stay = pl.col("discharge_datetime").is_null() | (pl.col("discharge_datetime") >= deadline)
    pending = pl.col(f"{prefix}_datetime").is_null() & (deadline > as_of) & open_stay
    return [
        taken.alias(f"{prefix}_minutes"),
        pl.when(pending).then(None).otherwise(taken.fill_null(float("inf")) <= minutes)
        .alias(f"{prefix}_in_time"),
    ]  # fmt: skip


def sepsis_audit(
    triggers: pl.DataFrame, responses: Responses, rules: WardcareRules, as_of: dt.datetime
) -> pl.DataFrame:
    """One row per suspected-sepsis episode: minutes to screen, antibiotic and senior review."""
    rule = rules.sepsis
    episodes = triggers.filter(pl.col("first_in_episode") & (pl.col("track") == 0)).select(
        "_stay", "encounter_id", "unit_code", "trigger_datetime", "discharge_datetime", "kind",
        "temperature",
    )  # fmt: skip
    same_stay = pl.col("_stay").shift(-1) == pl.col("_stay")
    # The triggers come in the order of stay, track, run and time, so a stay's score episodes
    # are in the order of their times already.
    episodes = episodes.with_columns(
        pl.when(same_stay).then(pl.col("trigger_datetime").shift(-1)).alias("_next")
    )
    prefix, kinds, _ = _STEPS[0]
    episodes = responses.first(episodes, "trigger_datetime", kinds, prefix)
    temperature = pl.col("temperature")
    fever = (temperature < rule.temperature_below) | (temperature > rule.temperature_above)
    screened = pl.col("screen_datetime").is_not_null() & (
        pl.col("_next").is_null() | (pl.col("screen_datetime") < pl.col("_next"))
    )
    suspected = episodes.filter(fever.fill_null(False) | screened).with_columns(
        pl.when(fever.fill_null(False))
        .then(pl.lit("temperature outside the normal range"))
        .otherwise(pl.lit("a sepsis screen was recorded"))
        .alias("suspected_because")
    )
    for prefix, kinds, _ in _STEPS[1:]:  # looked up for the suspected episodes only
        suspected = responses.first(suspected, "trigger_datetime", kinds, prefix)
    columns = [
        expr
        for prefix, _, limit in _STEPS
        for expr in _in_time(prefix, "trigger_datetime", getattr(rule, limit), as_of)
    ]
    return suspected.with_columns(columns).drop(
        "_stay", "_next", *(f"{p}_kind" for p, _, _ in _STEPS)
    )


def weight_audit(
    scored: pl.DataFrame,
    responses: Responses,
    rules: WardcareRules,
    as_of: dt.datetime,
    with_stays: Callable[[pl.DataFrame], pl.DataFrame],
) -> pl.DataFrame:
    """One row per weight-loss flag: the first set in a stay whose loss reaches a threshold
    (``scored``: the sets with a weight, with ``_stay``; ``with_stays`` adds a frame's stay's
    id, unit and discharge, and is given only the flags)."""
    rule = rules.weight
    weights = scored.select("_stay", "observation_datetime", "weight_kg")
    stays = weights.get_column("_stay").to_numpy()
    seconds = weights.select(pl.col("observation_datetime").dt.epoch("s")).to_series().to_numpy()
    if not in_stay_order(stays, seconds):
        weights = weights.sort("_stay", "observation_datetime")
        stays = weights.get_column("_stay").to_numpy()
    starts = np.flatnonzero(np.r_[True, stays[1:] != stays[:-1]]) if len(stays) else stays
    lengths = np.diff(np.r_[starts, len(stays)])
    first = pl.lit(
        pl.Series(weights.get_column("weight_kg").to_numpy()[np.repeat(starts, lengths)])
    )
    weights = weights.with_columns(
        first.alias("admission_weight_kg"),
        ((first - pl.col("weight_kg")) / first * 100).alias("loss_percent"),
    )
    flags = pl.concat(
        [
            weights.filter(pl.col("loss_percent") >= threshold)
            .group_by("_stay", maintain_order=True)
            .first()
            .with_columns(pl.lit(threshold).alias("threshold_percent"))
            for threshold in rule.loss_percent
        ]
    ).rename({"observation_datetime": "flag_datetime"})
    flags = responses.first(with_stays(flags), "flag_datetime", rule.responses, "review")
    minutes = rule.within_hours * 60
    taken, in_time = _in_time("review", "flag_datetime", minutes, as_of)
    status = (
        pl.when(pl.col("review_in_time").is_null())
        .then(pl.lit("pending"))
        .when(pl.col("review_in_time"))
        .then(pl.lit("in time"))
        .when(pl.col("review_datetime").is_not_null())
        .then(pl.lit("late"))
        .otherwise(pl.lit("missed"))
    )
    return (
        flags.with_columns(taken, in_time)
        .with_columns(status.cast(pl.Enum(STATUSES)).alias("status"))
        .sort("_stay", "flag_datetime", "threshold_percent")
        .select(
            "encounter_id", "unit_code", "flag_datetime", "weight_kg", "admission_weight_kg",
            "loss_percent", "threshold_percent", "review_datetime", "review_kind",
            "review_minutes", "review_in_time", "status",
        )
    )  # fmt: skip
