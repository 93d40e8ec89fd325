"""Ward care audits from bedside observations: triggers, responses, sepsis and weight loss.

:func:`audit` takes the ``encounters``, ``observations`` and ``responses`` tables (polars frames,
as docs/data.md describes them) and, in whole-column work without a Python loop over rows:

* scores every set of observations with :mod:`caresignal.stats.ews` (NEWS2 from 16 years of
  age at admission, the paediatric score below), saying per row which score and, where there
  is no aggregate, why;
* finds every **trigger** (NEWS2 urgent review or emergency response, a paediatric escalation,
  a carer's "worse"), groups them into **episodes**, and audits each episode's first trigger
  for the response the rules require: in time, late, missed or pending, and the minutes taken;
* audits **suspected sepsis** (minutes to sepsis screen, first IV antibiotic and senior review)
  and **weight loss** from the first weight of the stay;
* sums it all into **monthly unit-level indicators**.

The rules (response kinds and minutes, sepsis and weight rules) are data:
``wardcare_rules.toml`` shipped with the package (:func:`default_rules`), or a trust's own file
(:func:`load_rules`). docs/wardcare.md explains every rule and where each default comes from.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data.schema import ENCOUNTERS, OBSERVATIONS, RESPONSES, TableSchema
from caresignal.monitor._wardcare_followups import sepsis_audit, weight_audit
from caresignal.monitor._wardcare_monthly import MEASURES, monthly_indicators
from caresignal.monitor._wardcare_rules import (
    TRIGGER_KINDS,
    RulesError,
    SepsisRule,
    TriggerRule,
    WardcareRules,
    WeightRule,
    default_rules,
    load_rules,
)
from caresignal.monitor._wardcare_scores import score_observations
from caresignal.monitor._wardcare_triggers import (
    LEVELS,
    STATUSES,
    Responses,
    audit_triggers,
    trigger_rows,
)
from caresignal.stats import ews
from caresignal.stats.ews import PewsTable

__all__ = [
    "LEVELS",
    "MEASURES",
    "STATUSES",
    "TRIGGER_KINDS",
    "RulesError",
    "SepsisRule",
    "TriggerRule",
    "WardcareAudit",
    "WardcareRules",
    "WeightRule",
    "audit",
    "default_rules",
    "load_rules",
]

_TRIGGER_LEVELS = tuple(ews.TRIGGERS[code] for code in sorted(ews.TRIGGERS))


@dataclass(frozen=True, slots=True, eq=False)
class WardcareAudit:
    """What :func:`audit` found.

    Attributes
    ----------
    as_of : datetime
        The audit's end: responses after it are not counted, and an episode whose time runs
        past it without a response is pending.
    rules : WardcareRules
        The rules used.
    scores : polars.DataFrame
        One row per set of observations, in the order given: ``encounter_id``,
        ``observation_datetime``, ``score`` (NEWS2 or PEWS), ``aggregate`` (null without one),
        ``level`` (not determined, none, urgent review, emergency response), ``carer_worse``
        and ``reason`` (scored, or why there is no aggregate).
    triggers : polars.DataFrame
        One row per trigger: encounter, unit, ``trigger_datetime``, ``kind`` (one of
        :data:`TRIGGER_KINDS`), ``level``, ``reason``, ``episode`` and ``first_in_episode``,
        ``responses_required``, ``within_minutes``, ``response_datetime``, ``response_kind``,
        ``minutes`` and ``status`` (one of :data:`STATUSES`; ``in episode`` for a trigger that
        joined an earlier one's episode).
    sepsis : polars.DataFrame
        One row per suspected-sepsis episode, with minutes to screen, antibiotic and senior
        review, and whether each was in time (null while pending).
    weight : polars.DataFrame
        One row per weight-loss flag, with the review's minutes and status.
    monthly : polars.DataFrame
        One row per unit and month: counts, shares (``share_<measure>`` for each of
        :data:`MEASURES`) and ``median_delay_minutes``.
    """

    as_of: dt.datetime
    rules: WardcareRules
    scores: pl.DataFrame
    triggers: pl.DataFrame
    sepsis: pl.DataFrame
    weight: pl.DataFrame
    monthly: pl.DataFrame


def audit(
    encounters: pl.DataFrame,
    observations: pl.DataFrame,
    responses: pl.DataFrame,
    *,
    rules: WardcareRules | None = None,
    pews_table: PewsTable | None = None,
    as_of: dt.datetime | None = None,
) -> WardcareAudit:
    """Score every set of observations and audit the responses to every trigger.

    Parameters
    ----------
    encounters, observations, responses : polars.DataFrame
        The tables as docs/data.md describes them (a LazyFrame is collected). Each observation
        and response must belong to an encounter of ``encounters``.
    rules : WardcareRules, optional
        From :func:`load_rules`; the shipped :func:`default_rules` when left out.
    pews_table : PewsTable, optional
        The paediatric chart (:func:`caresignal.stats.ews.load_pews_table`); the shipped table
        when left out.
    as_of : datetime, optional
        The audit's end; the latest observation or response when left out.

    Returns
    -------
    WardcareAudit

    Raises
    ------
    ValueError
        Naming the table, row, column and value, and what was expected: a missing column, or
        an observation or response of an encounter not in ``encounters``.
    """
    rules = default_rules() if rules is None else rules
    encounters = _frame(encounters, ENCOUNTERS)
    observations = _frame(observations, OBSERVATIONS)
    responses = _frame(responses, RESPONSES)
    stays = encounters.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_stay"),
        pl.col("encounter_id").cast(pl.String),
        "unit_code",
        "admission_datetime",
        "discharge_datetime",
        "age_months",
        # Only a stay flagged pregnant is left out of NEWS2; not recorded is not pregnant.
        (pl.col("pregnant").fill_null(False) if "pregnant" in encounters.columns
         else pl.lit(False)).alias("pregnant"),
    )  # fmt: skip
    stay_of = _stays_of(observations, stays, "observations")
    answered = _with_stays(responses, _stays_of(responses, stays, "responses"), stays)
    if as_of is None:
        as_of = _latest(observations, answered)
    # A response after discharge or after the audit's end answers nothing.
    answered = answered.filter(
        (pl.col("response_datetime") <= as_of)
        & (
            pl.col("discharge_datetime").is_null()
            | (pl.col("response_datetime") <= pl.col("discharge_datetime"))
        )
    )
    late = observations.get_column("observation_datetime") > as_of
    if late.any():
        observations, stay_of = observations.filter(~late), stay_of[~late.to_numpy()]
    ages = stays.get_column("age_months").cast(pl.Float64).to_numpy()[stay_of]
    pregnant = stays.get_column("pregnant").to_numpy()[stay_of]
    spans = _spans(stay_of)

    def part(span: tuple[int, int]) -> _Part:
        start, end = span
        mine = stay_of[start:end]
        own = answered
        if len(spans) > 1:
            low, high = int(mine.min()), int(mine.max())
            own = answered.filter(pl.col("_stay").is_between(low, high))
        return _audit_part(
            observations[start:end], mine, ages[start:end], pregnant[start:end], own, stays,
            rules, pews_table, as_of,
        )  # fmt: skip

    if len(spans) == 1:
        parts = [part(spans[0])]
    else:
        with ThreadPoolExecutor(max_workers=len(spans)) as pool:
            parts = list(pool.map(part, spans))
    offsets = np.cumsum([0] + [p.triggers.height for p in parts[:-1]])
    triggers = pl.concat(
        [
            p.triggers.with_columns(pl.col("episode") + int(o))
            for p, o in zip(parts, offsets, strict=True)
        ]
    )
    sepsis = pl.concat([p.sepsis for p in parts])
    weight = pl.concat([p.weight for p in parts])
    return WardcareAudit(
        as_of=as_of,
        rules=rules,
        scores=_public_scores(observations, pl.concat([p.found for p in parts])),
        triggers=_public_triggers(triggers),
        sepsis=_named_kinds(sepsis),
        weight=weight,
        monthly=monthly_indicators(triggers, sepsis, weight),
    )


#: Observations at or above this many rows are audited in parts, one per processor core (up to
#: four), each part a run of whole stays: a stay's rows, triggers and responses never meet
#: another stay's, so the parts' results, put back in order, are the whole audit's.
SPLIT_ROWS = 2_000_000
_CORES = max(1, min(4, os.cpu_count() or 1))


def _spans(stay_of: NDArray[np.int64]) -> list[tuple[int, int]]:
    """Row ranges of the observations to audit apart: one range unless there are many rows and
    each range's stays all come before the next range's (rows grouped by stay, in order)."""
    n = len(stay_of)
    changes = np.flatnonzero(stay_of[1:] != stay_of[:-1]) + 1  # where a stay's rows begin
    if n < SPLIT_ROWS or _CORES == 1 or len(changes) == 0:
        return [(0, n)]
    wanted = np.searchsorted(changes, [n * k // _CORES for k in range(1, _CORES)])
    cuts = sorted({int(changes[i]) for i in np.minimum(wanted, len(changes) - 1)})
    spans = list(itertools.pairwise([0, *cuts, n]))
    highest = [int(stay_of[a:b].max()) for a, b in spans]
    lowest = [int(stay_of[a:b].min()) for a, b in spans]
    if any(high >= low for high, low in zip(highest[:-1], lowest[1:], strict=True)):
        return [(0, n)]
    return spans


@dataclass(frozen=True, slots=True)
class _Part:
    found: pl.DataFrame
    triggers: pl.DataFrame
    sepsis: pl.DataFrame
    weight: pl.DataFrame


def _audit_part(
    observations: pl.DataFrame,
    stay_of: NDArray[np.int64],
    ages: NDArray[np.float64],
    pregnant: NDArray[np.bool_],
    answered: pl.DataFrame,
    stays: pl.DataFrame,
    rules: WardcareRules,
    pews_table: PewsTable | None,
    as_of: dt.datetime,
) -> _Part:
    """Scores, triggers, sepsis and weight audits of some whole stays' observations."""
    found = score_observations(observations, ages, pregnant, pews_table)
    weight_kg = (
        observations.get_column("weight_kg") if "weight_kg" in observations.columns else None
    )
    scored = pl.concat(
        [
            observations.select(
                "observation_datetime",
                "temperature",
                weight_kg if weight_kg is not None else pl.lit(None, pl.Float64).alias("weight_kg"),
            ).with_columns(pl.Series("_stay", stay_of)),
            found,
        ],
        how="horizontal",
    )
    index = Responses(answered)
    triggers = audit_triggers(_stay_columns(trigger_rows(scored), stays), index, rules, as_of)
    sepsis = sepsis_audit(triggers, index, rules, as_of)
    weighed = scored.filter(pl.col("weight_kg").is_not_null())
    weight = weight_audit(weighed, index, rules, as_of, lambda flags: _stay_columns(flags, stays))
    return _Part(found, triggers, sepsis, weight)


def _frame(frame: pl.DataFrame | pl.LazyFrame, schema: TableSchema) -> pl.DataFrame:
    data = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    for column in schema.columns:
        if column.required and column.name not in data.columns:
            raise ValueError(
                f"{schema.name}: column {column.name!r} is missing; expected the columns "
                f"{', '.join(c.name for c in schema.columns if c.required)} (docs/data.md)"
            )
    return data


def _stays_of(table: pl.DataFrame, stays: pl.DataFrame, name: str) -> NDArray[np.int64]:
    """The row of each row's stay in ``stays``; every row must have a stay.

    Rows of one stay usually come together, so only the first row of each run of equal ids is
    looked up, and the run's other rows take its answer."""
    ids = table.get_column("encounter_id").cast(pl.String)
    heads = ids.ne_missing(ids.shift(1)).fill_null(True).arg_true()
    looked_up = (
        ids.gather(heads).to_frame()
        .join(stays.select("encounter_id", "_stay"), on="encounter_id", how="left",
              maintain_order="left")
        .get_column("_stay")
    )  # fmt: skip
    if looked_up.null_count():
        row = int(heads[int(looked_up.is_null().arg_true()[0])])
        raise ValueError(
            f"{name}: row {row + 1}, column encounter_id: {ids[row]!r} is not in the encounters "
            "table; expected the id of an encounter given with it"
        )
    lengths = np.diff(np.append(heads.to_numpy(), len(ids)))
    return np.repeat(looked_up.cast(pl.Int64).to_numpy(), lengths)


_STAY_COLUMNS = ("encounter_id", "unit_code", "discharge_datetime")


def _with_stays(
    table: pl.DataFrame, stay_of: NDArray[np.int64], stays: pl.DataFrame
) -> pl.DataFrame:
    """``table`` with ``_stay`` and its stay's unit and discharge."""
    return _stay_columns(table.with_columns(pl.Series("_stay", stay_of)), stays)


def _stay_columns(frame: pl.DataFrame, stays: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (with ``_stay``) with its stay's id, unit and discharge, gathered by row."""
    gathered = stays.select(_STAY_COLUMNS).gather(frame.get_column("_stay"))
    return frame.drop(_STAY_COLUMNS, strict=False).hstack(gathered)


def _latest(observations: pl.DataFrame, responses: pl.DataFrame) -> dt.datetime:
    times = [
        observations.get_column("observation_datetime").max(),
        responses.get_column("response_datetime").max(),
    ]
    known = [time for time in times if isinstance(time, dt.datetime)]
    return max(known) if known else dt.datetime(1970, 1, 1)


def _public_scores(observations: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
    level = pl.Series(_TRIGGER_LEVELS, dtype=pl.Enum(_TRIGGER_LEVELS)).gather(
        found.get_column("level").cast(pl.Int64) + 1
    )
    return pl.DataFrame(
        [
            observations.get_column("encounter_id"),
            observations.get_column("observation_datetime"),
            found.get_column("score"),
            found.get_column("aggregate"),
            level.alias("level"),
            found.get_column("carer_worse"),
            found.get_column("reason"),
        ]
    )


def _named_kinds(frame: pl.DataFrame) -> pl.DataFrame:
    kinds = pl.Series(TRIGGER_KINDS, dtype=pl.Enum(TRIGGER_KINDS))
    return frame.with_columns(kinds.gather(frame.get_column("kind").cast(pl.Int64)).alias("kind"))


def _public_triggers(triggers: pl.DataFrame) -> pl.DataFrame:
    kinds = pl.Series(TRIGGER_KINDS, dtype=pl.Enum(TRIGGER_KINDS))
    levels = pl.Series(LEVELS, dtype=pl.Enum(LEVELS))
    return triggers.select(
        "encounter_id",
        "unit_code",
        "trigger_datetime",
        kinds.gather(triggers.get_column("kind").cast(pl.Int64)).alias("kind"),
        levels.gather(triggers.get_column("rank").cast(pl.Int64)).alias("level"),
        "reason",
        "episode",
        "first_in_episode",
        "responses_required",
        "within_minutes",
        "response_datetime",
        "response_kind",
        "minutes",
        "status",
    )
