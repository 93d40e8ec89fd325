"""Triggers from scored observations, their episodes and their responses (private; see
:mod:`caresignal.monitor.wardcare`).

A set of observations gives up to two triggers: its score's (NEWS2 urgent review or emergency
response, or the paediatric escalation) and the carer's "worse". Each episode's first trigger is
audited: the first response of a kind its rule accepts, at or after the trigger and at or
before discharge and the audit's ``as_of``, and the minutes it took. A response exactly at the
end of the time allowed is in time. With no response, an episode is *missed* once its time has
run out (or the patient has left), and *pending* while it has not.

The two tracks' episodes differ. A score's episode lasts while the sets go on triggering: the
response the first trigger required covers the later triggers of the same or a lower level
until a set that does not trigger (the patient has recovered) ends the run; a higher level
within the run starts an episode of its own, which needs its faster response. This is the NEWS2
clinical response (RCP 2017, Chart 4), a clinician's assessment when the score crosses the
threshold and more frequent observations while it stays there, not a new review for every set.
A carer's "worse" is answered by a review after it, so a carer who says "worse" again after the
review starts a new episode.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from numpy.typing import NDArray

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
    scores = scored.with_columns(pl.Series("_run", _runs(scored))).filter(
        pl.col("level") >= ews.URGENT_REVIEW
    )
    scores = scores.select(
        *base,
        "_run",
        "temperature",
        kind.cast(pl.Int8).alias("kind"),
        pl.col("level").alias("rank"),
        pl.lit(_TRACK_SCORE, pl.Int8).alias("track"),
        reason.alias("reason"),
    )
    carers = scored.filter(pl.col("carer_worse")).select(
        *base,
        pl.lit(0, pl.Int64).alias("_run"),
        "temperature",
        pl.lit(TRIGGER_KINDS.index("carer_worse"), pl.Int8).alias("kind"),
        pl.lit(ews.URGENT_REVIEW, pl.Int8).alias("rank"),
        pl.lit(_TRACK_CARER, pl.Int8).alias("track"),
        pl.lit("the parent or carer said the patient is worse").alias("reason"),
    )
    return pl.concat([scores, carers]).rename({"observation_datetime": "trigger_datetime"})


def _runs(scored: pl.DataFrame) -> NDArray[np.int64]:
    """Each set's run: how many sets of its stay before it (by time) did not trigger, so that
    sets triggering one after another share a run. Sorts only when the sets are out of order."""
    stay = scored.get_column("_stay").cast(pl.Int64).to_numpy()
    seconds = scored.select(pl.col("observation_datetime").dt.epoch("s")).to_series().to_numpy()
    calm = (scored.get_column("level").to_numpy() < ews.URGENT_REVIEW).astype(np.int64)
    if len(stay) == 0:
        return calm
    origin = int(seconds.min())
    key = stay * (int(seconds.max()) - origin + 1) + (seconds - origin)
    if bool(np.all(key[1:] >= key[:-1])):
        return np.cumsum(calm)
    order = np.argsort(key, kind="stable")
    runs = np.empty_like(calm)
    runs[order] = np.cumsum(calm[order])
    return runs


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
        "_stay",
        "track",
        "_run",
        "trigger_datetime",
        "rank",
        descending=[False, False, False, False, True],
    ).with_columns(pl.min_horizontal(pl.col("response_datetime"), deadline).alias("_close"))
    time = rows.select(pl.col("trigger_datetime").dt.epoch("s")).to_series().to_numpy()
    close = rows.select(pl.col("_close").dt.epoch("s")).to_series().to_numpy()
    # A score's episode stays open to the end of its run (see the module's docstring).
    score = rows.get_column("track").to_numpy() == _TRACK_SCORE
    close = np.where(score, int(time.max(initial=0)) + 1, close)
    keys = [rows.get_column(c).cast(pl.Int64).to_numpy() for c in ("_stay", "track", "_run")]
    changed = np.zeros(rows.height, dtype=np.bool_)
    for key in keys:
        changed[1:] |= key[1:] != key[:-1]
    start = episode_starts(np.cumsum(changed), time, rows.get_column("rank").to_numpy(), close)
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
        .drop("_close", "_run")
    )
