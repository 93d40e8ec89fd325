"""Triggers from scored observations, their episodes and their responses (private; see
:mod:`caresignal.monitor.wardcare`).

A set of observations gives up to two triggers: its score's (NEWS2 urgent review or emergency
response, or the paediatric escalation) and the carer's "worse". Each episode's first trigger is
audited: the first response of a kind its rule accepts, at or after the trigger and at or
before discharge and the audit's ``as_of``, and the minutes it took. A response exactly at the
end of the time allowed is in time. With no response, an episode is *missed* once its time has
run out (or the patient has left), and *pending* while it has not.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from caresignal.data.schema import RESPONSE_KINDS
from caresignal.monitor._wardcare_episodes import episode_starts
from caresignal.monitor._wardcare_rules import TRIGGER_KINDS, WardcareRules
from caresignal.stats import ews

__all__ = ["LEVELS", "STATUSES", "Responses", "audit_triggers", "trigger_rows"]

#: A trigger's level: its rank is its position (the carer's "worse" is an urgent review).
LEVELS = ("none", "urgent review", "emergency response")
#: What happened to a trigger.
STATUSES = ("in time", "late", "missed", "pending", "in episode")
_TRACK_SCORE, _TRACK_CARER = 0, 1


def trigger_rows(scored: pl.DataFrame) -> pl.DataFrame:
    """One row per trigger of the scored observations (score triggers, then carers' "worse")."""
    base = ("_stay", "observation_datetime")
    is_news2 = pl.col("score") == "NEWS2"
    emergency = pl.col("level") == ews.EMERGENCY_RESPONSE
    kind = (
        pl.when(is_news2)
        .then(pl.when(emergency).then(1).otherwise(0))
        .otherwise(pl.when(emergency).then(3).otherwise(2))
    )
    aggregate = pl.col("aggregate").cast(pl.Int64).cast(pl.String)
    reason = (
        pl.when(pl.col("aggregate").is_null())
        .then(pl.format("{} reaches the level with values missing", pl.col("score")))
        .when(is_news2 & (pl.col("aggregate") < 5))
        .then(pl.format("NEWS2 {} with a single parameter scoring 3", aggregate))
        .otherwise(pl.format("{} {}", pl.col("score"), aggregate))
    )
    scores = scored.filter(pl.col("level") >= ews.URGENT_REVIEW).select(
        *base,
        "temperature",
        kind.cast(pl.Int8).alias("kind"),
        pl.col("level").alias("rank"),
        pl.lit(_TRACK_SCORE, pl.Int8).alias("track"),
        reason.alias("reason"),
    )
    carers = scored.filter(pl.col("carer_worse")).select(
        *base,
        "temperature",
        pl.lit(TRIGGER_KINDS.index("carer_worse"), pl.Int8).alias("kind"),
        pl.lit(ews.URGENT_REVIEW, pl.Int8).alias("rank"),
        pl.lit(_TRACK_CARER, pl.Int8).alias("track"),
        pl.lit("the parent or carer said the patient is worse").alias("reason"),
    )
    return pl.concat([scores, carers]).rename({"observation_datetime": "trigger_datetime"})


class Responses:
    """The responses of the audit, indexed for finding the first of some kinds after a time.

    ``frame`` holds ``_stay`` (the encounter's row number), ``response_datetime`` and ``kind``.
    Each lookup is a binary search of one sorted key per row (stay, then seconds), so no frame
    is joined or sorted per lookup.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        ordered = frame.select(
            pl.col("_stay").cast(pl.Int64),
            pl.col("response_datetime").dt.epoch("s").alias("_t"),
            pl.col("response_datetime"),
            pl.col("kind").cast(pl.String).cast(pl.Enum(RESPONSE_KINDS)).to_physical().alias("_k"),
        ).sort("_stay", "_t")
        self._stay = ordered.get_column("_stay").to_numpy()
        self._time = ordered.get_column("_t").to_numpy()
        self._when = ordered.get_column("response_datetime")
        self._kind = ordered.get_column("_k").to_numpy()

    def first(
        self, events: pl.DataFrame, at: str, kinds: tuple[str, ...], prefix: str
    ) -> pl.DataFrame:
        """``events`` with ``{prefix}_datetime`` and ``{prefix}_kind``: the first response of
        one of ``kinds`` in the same stay at or after each event's ``at`` (null if none)."""
        wanted = np.isin(self._kind, [RESPONSE_KINDS.index(kind) for kind in kinds])
        stay, time = self._stay[wanted], self._time[wanted]
        if len(stay) == 0:
            return events.with_columns(
                pl.lit(None, self._when.dtype).alias(f"{prefix}_datetime"),
                pl.lit(None, pl.String).alias(f"{prefix}_kind"),
            )
        event_stay = events.get_column("_stay").cast(pl.Int64).to_numpy()
        event_time = events.select(pl.col(at).dt.epoch("s")).to_series().to_numpy()
        origin = int(min(time.min(initial=0), event_time.min(initial=0)))
        span = int(max(time.max(initial=0), event_time.max(initial=0))) - origin + 1
        found = np.searchsorted(
            stay * span + (time - origin), event_stay * span + (event_time - origin)
        )
        inside = found < len(stay)
        found = np.minimum(found, len(stay) - 1)
        hit = inside & (stay[found] == event_stay)
        rows = np.flatnonzero(wanted)[found]
        kinds_of = pl.Series(RESPONSE_KINDS, dtype=pl.String)
        return events.with_columns(
            self._when.gather(rows).alias(f"{prefix}_datetime"),
            kinds_of.gather(self._kind[rows].astype(np.int64)).alias(f"{prefix}_kind"),
        ).with_columns(
            pl.when(pl.Series(hit)).then(pl.col(f"{prefix}_{name}")).alias(f"{prefix}_{name}")
            for name in ("datetime", "kind")
        )


def audit_triggers(
    triggers: pl.DataFrame, responses: Responses, rules: WardcareRules, as_of: dt.datetime
) -> pl.DataFrame:
    """Each trigger with its episode, the response it required and what happened."""
    parts = []
    for code, kind in enumerate(TRIGGER_KINDS):
        rule = rules.trigger(kind)
        rows = triggers.filter(pl.col("kind") == code)
        if rows.height == 0:
            continue
        answered = responses.first(rows, "trigger_datetime", rule.responses, "response")
        parts.append(
            answered.with_columns(
                pl.lit(", ".join(rule.responses)).alias("responses_required"),
                pl.lit(rule.within_minutes).alias("within_minutes"),
            )
        )
    if not parts:
        return _episodes(_empty(triggers), as_of)
    return _episodes(pl.concat(parts), as_of)


def _empty(triggers: pl.DataFrame) -> pl.DataFrame:
    return triggers.head(0).with_columns(
        pl.lit(None, pl.Datetime("us")).alias("response_datetime"),
        pl.lit(None, pl.String).alias("response_kind"),
        pl.lit(None, pl.String).alias("responses_required"),
        pl.lit(None, pl.Float64).alias("within_minutes"),
    )


def _episodes(rows: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame:
    """Episodes, and each first trigger's minutes and status."""
    limit = pl.duration(seconds=(pl.col("within_minutes") * 60).round().cast(pl.Int64))
    deadline = pl.col("trigger_datetime") + limit
    rows = rows.sort(
        "_stay", "track", "trigger_datetime", "rank", descending=[False, False, False, True]
    ).with_columns(
        pl.min_horizontal(pl.col("response_datetime"), deadline).alias("_close"),
        (pl.col("_stay").cast(pl.Int64) * 2 + pl.col("track")).alias("_group"),
    )
    epoch = pl.col("trigger_datetime").dt.epoch("s")
    start = episode_starts(
        rows.get_column("_group").cast(pl.Int64).to_numpy(),
        rows.select(epoch).to_series().to_numpy(),
        rows.get_column("rank").to_numpy(),
        rows.select(pl.col("_close").dt.epoch("s")).to_series().to_numpy(),
    )
    first = start == np.arange(rows.height)
    minutes = (pl.col("response_datetime") - pl.col("trigger_datetime")).dt.total_seconds() / 60
    gone = pl.col("discharge_datetime").is_not_null() & (pl.col("discharge_datetime") < deadline)
    status = (
        pl.when(~pl.col("first_in_episode"))
        .then(pl.lit("in episode"))
        .when(pl.col("minutes") <= pl.col("within_minutes"))
        .then(pl.lit("in time"))
        .when(pl.col("response_datetime").is_not_null())
        .then(pl.lit("late"))
        .when(gone | (deadline <= as_of))
        .then(pl.lit("missed"))
        .otherwise(pl.lit("pending"))
    )
    return (
        rows.with_columns(
            pl.Series("episode", start),
            pl.Series("first_in_episode", first),
        )
        .with_columns(
            pl.when(pl.col("first_in_episode")).then(pl.col(c)).alias(c)
            for c in ("response_datetime", "response_kind")
        )
        .with_columns(minutes.alias("minutes"))
        .with_columns(status.cast(pl.Enum(STATUSES)).alias("status"))
        .drop("_close", "_group")
    )
