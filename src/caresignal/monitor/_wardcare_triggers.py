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

__all__ = ["LEVELS", "STATUSES", "Responses", "audit_triggers", "in_stay_order", "trigger_rows"]

#: A trigger's level: its rank is its position (the carer's "worse" is an urgent review).
LEVELS = ("none", "urgent review", "emergency response")
#: What happened to a trigger.
STATUSES = ("in time", "late", "missed", "pending", "in episode")
_TRACK_SCORE, _TRACK_CARER = 0, 1


def trigger_rows(scored: pl.DataFrame) -> pl.DataFrame:
    """One row per trigger of the scored observations (score triggers, then carers' "worse")."""
    level = scored.get_column("level").to_numpy()
    on_score = np.flatnonzero(level >= ews.URGENT_REVIEW)
    on_carer = np.flatnonzero(scored.get_column("carer_worse").to_numpy())
    rows = np.concatenate([on_score, on_carer])
    track = np.repeat(
        np.array([_TRACK_SCORE, _TRACK_CARER], np.int8), [len(on_score), len(on_carer)]
    )
    news2 = scored.get_column("score").to_physical().to_numpy()[on_score] == 0
    emergency = level[on_score] == ews.EMERGENCY_RESPONSE
    kind = np.concatenate(
        [
            np.where(news2, 0, 2) + emergency,  # news2_urgent, news2_emergency, pews_urgent, ...
            np.full(len(on_carer), TRIGGER_KINDS.index("carer_worse")),
        ]
    ).astype(np.int8)
    rank = np.concatenate([level[on_score], np.full(len(on_carer), ews.URGENT_REVIEW)])
    runs = np.concatenate([_runs(scored, on_score), np.zeros(len(on_carer), np.int64)])
    aggregate = scored.get_column("aggregate").to_numpy()[on_score]
    return (
        scored.select("_stay", "observation_datetime", "temperature")[rows]
        .with_columns(
            pl.Series("_run", runs),
            pl.Series("kind", kind),
            pl.Series("rank", rank.astype(np.int8)),
            pl.Series("track", track),
            _reasons(news2, aggregate, len(on_carer)),
        )
        .rename({"observation_datetime": "trigger_datetime"})
    )


#: The highest aggregate a reason is written for (NEWS2's is 20; a paediatric table's may be more).
_MOST = 63


def _reason(code: int) -> str:
    """The reason a code of :func:`_reasons` stands for."""
    if code < 2:
        return f"{('NEWS2', 'PEWS')[code]} reaches the level with values missing"
    group, aggregate = divmod(code, _MOST + 1)
    if group == 2:
        return f"NEWS2 {aggregate} with a single parameter scoring 3"
    if group == 5:
        return "the parent or carer said the patient is worse"
    return f"{('NEWS2', 'PEWS')[group - 3]} {aggregate}"


_CARER = 5 * (_MOST + 1)
_SINGLE = 2 * (_MOST + 1)  # NEWS2 below 5 triggers only by a single parameter scoring 3
_CODES = (0, 1, *range(_SINGLE, _SINGLE + 5), *range(_SINGLE + _MOST + 1, _CARER), _CARER)
_LABELS = tuple(_reason(code) for code in _CODES)
_POSITION = np.zeros(_CARER + 1, dtype=np.int64)
_POSITION[list(_CODES)] = np.arange(len(_CODES))


def _reasons(news2: NDArray[np.bool_], aggregate: NDArray[np.float64], carers: int) -> pl.Series:
    """Why each trigger fired ("NEWS2 6", "NEWS2 3 with a single parameter scoring 3", ...), as
    an enum of every reason there can be: each is written once, not once per row."""
    missing = np.isnan(aggregate)
    whole = np.clip(np.nan_to_num(aggregate), 0, _MOST).astype(np.int64)
    # Codes: 0-1 values missing (NEWS2, PEWS); then NEWS2 single 3s, NEWS2 and PEWS aggregates.
    code = np.where(
        missing,
        np.where(news2, 0, 1),
        np.where(news2 & (whole < 5), 2, np.where(news2, 3, 4)) * (_MOST + 1) + whole,
    )
    code = np.concatenate([code, np.full(carers, _CARER)])
    return pl.Series("reason", _LABELS, dtype=pl.Enum(_LABELS)).gather(_POSITION[code])


def _runs(scored: pl.DataFrame, on_score: NDArray[np.int64]) -> NDArray[np.int64]:
    """The run of each set that triggers on its score (``on_score``, rows in increasing order):
    how many sets of its stay before it (by time) did not trigger, so that sets triggering one
    after another share a run. When the sets are in the order of stay and time, a trigger's run
    is its row less the triggers before it; otherwise the sets are sorted first."""
    stay = scored.get_column("_stay").cast(pl.Int64).to_numpy()
    seconds = scored.select(pl.col("observation_datetime").dt.epoch("s")).to_series().to_numpy()
    if len(on_score) == 0:
        return on_score
    if in_stay_order(stay, seconds):
        return on_score - np.arange(len(on_score))
    calm = (scored.get_column("level").to_numpy() < ews.URGENT_REVIEW).astype(np.int64)
    order = np.lexsort((seconds, stay))  # stable: sets of one stay and time keep their order
    runs = np.empty_like(calm)
    runs[order] = np.cumsum(calm[order])
    return runs[on_score]


def in_stay_order(stay: NDArray[np.int64], seconds: NDArray[np.int64]) -> bool:
    """Whether rows are in the order of stay, then time."""
    later = (stay[1:] > stay[:-1]) | ((stay[1:] == stay[:-1]) & (seconds[1:] >= seconds[:-1]))
    return bool(later.all())


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

    def first_rows(
        self, stay: NDArray[np.int64], seconds: NDArray[np.int64], kinds: tuple[str, ...]
    ) -> NDArray[np.int64]:
        """For each event (its stay's row and its time in seconds), the index of the first
        response of one of ``kinds`` in the same stay at or after it, or -1 if none."""
        wanted = np.isin(self._kind, [RESPONSE_KINDS.index(kind) for kind in kinds])
        own_stay, own_time = self._stay[wanted], self._time[wanted]
        if len(own_stay) == 0 or len(stay) == 0:
            return np.full(len(stay), -1, dtype=np.int64)
        origin = int(min(own_time.min(), seconds.min()))
        span = int(max(own_time.max(), seconds.max())) - origin + 1
        found = np.searchsorted(
            own_stay * span + (own_time - origin), stay * span + (seconds - origin)
        )
        inside = found < len(own_stay)
        found = np.minimum(found, len(own_stay) - 1)
        hit = inside & (own_stay[found] == stay)
        return np.where(hit, np.flatnonzero(wanted)[found], -1)

    def seconds_of(self, rows: NDArray[np.int64]) -> NDArray[np.int64]:
        """The time in seconds of each response index from :meth:`first_rows`, and the largest
        int64 where there is none (-1)."""
        if len(self._time) == 0:
            return np.full(len(rows), np.iinfo(np.int64).max, dtype=np.int64)
        return np.where(rows >= 0, self._time[np.maximum(rows, 0)], np.iinfo(np.int64).max)

    def columns(self, rows: NDArray[np.int64], prefix: str) -> list[pl.Series]:
        """``{prefix}_datetime`` and ``{prefix}_kind`` of each response index (null for -1)."""
        index = pl.Series(rows).set(pl.Series(rows < 0), None)
        kinds = pl.Series(RESPONSE_KINDS, dtype=pl.String)
        return [
            self._when.gather(index).alias(f"{prefix}_datetime"),
            kinds.gather(pl.Series(self._kind.astype(np.int64)).gather(index)).alias(
                f"{prefix}_kind"
            ),
        ]

    def first(
        self, events: pl.DataFrame, at: str, kinds: tuple[str, ...], prefix: str
    ) -> pl.DataFrame:
        """``events`` with ``{prefix}_datetime`` and ``{prefix}_kind``: the first response of
        one of ``kinds`` in the same stay at or after each event's ``at`` (null if none)."""
        rows = self.first_rows(
            events.get_column("_stay").cast(pl.Int64).to_numpy(),
            events.select(pl.col(at).dt.epoch("s")).to_series().to_numpy(),
            kinds,
        )
        return events.with_columns(self.columns(rows, prefix))


def audit_triggers(
    triggers: pl.DataFrame, responses: Responses, rules: WardcareRules, as_of: dt.datetime
) -> pl.DataFrame:
    """Each trigger with its episode, the response it required and what happened."""
    n = triggers.height
    kind = triggers.get_column("kind").to_numpy()
    stay = triggers.get_column("_stay").cast(pl.Int64).to_numpy()
    seconds = triggers.select(pl.col("trigger_datetime").dt.epoch("s")).to_series().to_numpy()
    found = np.full(n, -1, dtype=np.int64)
    within = np.full(n, np.nan)
    required: list[str] = []
    required_of = np.zeros(n, dtype=np.int64)
    for code, name in enumerate(TRIGGER_KINDS):
        rows = np.flatnonzero(kind == code)
        if len(rows) == 0:
            continue
        rule = rules.trigger(name)
        found[rows] = responses.first_rows(stay[rows], seconds[rows], rule.responses)
        within[rows] = rule.within_minutes
        required.append(", ".join(rule.responses))
        required_of[rows] = len(required) - 1
    answered = triggers.with_columns(
        *responses.columns(found, "response"),
        pl.Series(required or [None], dtype=pl.String).gather(required_of)
        .alias("responses_required"),
        pl.Series("within_minutes", within, nan_to_null=True),
    )  # fmt: skip
    return _episodes(answered, as_of, seconds, responses.seconds_of(found))


def _episodes(
    rows: pl.DataFrame,
    as_of: dt.datetime,
    seconds: NDArray[np.int64],
    response_seconds: NDArray[np.int64],
) -> pl.DataFrame:
    """Episodes, and each first trigger's minutes and status, in the order of stay, track, run,
    time and rank (highest first). ``seconds`` and ``response_seconds`` are each row's trigger
    and response times (the largest int64 where there is no response)."""
    limit = pl.duration(seconds=(pl.col("within_minutes") * 60).round().cast(pl.Int64))
    deadline = pl.col("trigger_datetime") + limit
    allowed = rows.get_column("within_minutes").fill_null(0).to_numpy()
    close = np.minimum(response_seconds, seconds + np.round(allowed * 60).astype(np.int64))
    track = rows.get_column("track").to_numpy()
    # A score's episode stays open to the end of its run (see the module's docstring).
    close = np.where(track == _TRACK_SCORE, int(seconds.max(initial=0)) + 1, close)
    stay = rows.get_column("_stay").cast(pl.Int64).to_numpy()
    run = rows.get_column("_run").to_numpy()
    rank = rows.get_column("rank").to_numpy()
    order = _order(stay, track, run, seconds, rank)
    rows = rows.gather(order)
    stay, track, run, rank = stay[order], track[order], run[order], rank[order]
    changed = np.zeros(rows.height, dtype=np.bool_)
    for key in (stay, track, run):
        changed[1:] |= key[1:] != key[:-1]
    start = episode_starts(np.cumsum(changed), seconds[order], rank, close[order])
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
        .drop("_run")
    )


def _order(
    stay: NDArray[np.int64],
    track: NDArray[np.int8],
    run: NDArray[np.int64],
    seconds: NDArray[np.int64],
    rank: NDArray[np.int8],
) -> NDArray[np.int64]:
    """The rows in the order of stay, track, run, time and rank (highest first).

    A score trigger's run never falls as its time rises within a stay, so one whole-number key
    of stay, track, time and rank orders the rows, and a stable sort of it merges the score and
    carer triggers, each already in order, in linear time. Should two triggers of a stay share
    a time but not a run, or the key not fit in 62 bits, the rows are sorted key by key."""
    if len(stay) == 0:
        return np.zeros(0, dtype=np.int64)
    origin = int(seconds.min())
    span = int(seconds.max()) - origin + 1
    if (int(stay.max()) + 1) * 2 * span * 4 < 2**62:
        group = stay * 2 + track
        key = (group * span + (seconds - origin)) * 4 + (3 - rank.astype(np.int64))
        order = np.argsort(key, kind="stable")
        same, ran = group[order], run[order]
        if not bool(np.any((same[1:] == same[:-1]) & (ran[1:] < ran[:-1]))):
            return order
    return np.lexsort((-rank.astype(np.int64), seconds, run, track, stay))
