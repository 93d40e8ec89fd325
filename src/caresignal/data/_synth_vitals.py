"""Synthetic data, part 17: bedside vital signs, their early warning scores and how often to look.

Each patient has normal values for their age (children's within the 0-scoring bands of the
default paediatric table at their age, adults' within NEWS2's 0 bands, some adults with a lower
usual SpO₂). A latent **severity** between 0 (well) and about 1 (very ill) moves the vital signs
away from them: a deterioration raises the pulse and breathing, lowers SpO₂ and blood pressure and
may cloud consciousness; sepsis adds fever, a faster pulse and a slow capillary refill. Each set
is scored with :mod:`caresignal.stats.ews` (NEWS2 for adults, except in pregnancy; the default
paediatric table for children, whose work of breathing grows with the severity), and the score
sets when the next set is taken (:data:`ADULT_INTERVALS`,
:data:`CHILD_INTERVALS`).

How soon a ward answers a trigger, and how often it misses one, depend on its registered-nurse
fill rate (:data:`RESPONSE_MEDIANS`, :func:`delay_factor`, :func:`missed_share`);
:func:`with_bedside` adds to the failing ward's problem what its bedside tables show, as
``truth.json`` records it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from caresignal.data._synth_changes import Change, ChangeScale, Problem
from caresignal.stats import ews

__all__ = [
    "ADULT_INTERVALS",
    "BEDSIDE_INDICATORS",
    "CARER_ANSWERS",
    "CHILD_INTERVALS",
    "RESPONSE_MEDIANS",
    "Baselines",
    "Vitals",
    "baselines",
    "delay_factor",
    "interval_minutes",
    "listening_shift",
    "missed_share",
    "response_delays",
    "score",
    "vitals",
    "with_bedside",
]

#: The carer's answers, in the order of their codes.
CARER_ANSWERS: tuple[str, ...] = tuple(ews.CARER_ANSWERS)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Minutes to the next set for adults, by NEWS2 (RCP 2017, "Clinical response to the NEWS2
#: trigger thresholds": score 0 at least 12-hourly; 1–4 at least 4–6-hourly; a single 3 or an
#: aggregate of 5–6 at least hourly; 7 or more continuous monitoring, recorded half-hourly here).
ADULT_INTERVALS = {"0": 720, "1-4": 240, "urgent": 60, "emergency": 30}
#: Minutes to the next set for children, by the paediatric score: the generator's own choice
#: (more often as the score rises; every 30 minutes after an escalation, a carer's "worse" too).
CHILD_INTERVALS = {"0-2": 240, "3-4": 120, "5-7": 60, "escalation": 30}

# Children's age bands in months (the default paediatric table's) and the middle of each
# parameter's 0-scoring band there: respiration rate, heart rate, systolic blood pressure.
_CHILD_BANDS = np.array([0, 12, 60, 156])
_CHILD_NORMAL = {
    "respiration_rate": np.array([37.0, 29.0, 25.0, 14.0]),
    "pulse": np.array([125.0, 105.0, 90.0, 80.0]),
    "systolic_bp": np.array([90.0, 100.0, 105.0, 115.0]),
}
_CHILD_SD = {"respiration_rate": 0.07, "pulse": 0.05, "systolic_bp": 0.04}
# Median weight (kg) by age in months, after the UK-WHO growth charts' 50th centile.
_WEIGHT_AGE = np.array([0.0, 6.0, 12.0, 24.0, 60.0, 120.0, 192.0])
_WEIGHT_KG = np.array([3.4, 7.6, 9.6, 12.2, 18.5, 32.0, 60.0])


@dataclass(frozen=True, slots=True, eq=False)
class Baselines:
    """Each patient's usual values, one entry per encounter."""

    child: BoolArray
    age_months: FloatArray
    respiration_rate: FloatArray
    pulse: FloatArray
    systolic_bp: FloatArray
    spo2: FloatArray
    temperature: FloatArray
    capillary_refill: FloatArray
    weight: FloatArray
    chronic_oxygen: BoolArray
    oxygen_at: FloatArray
    pregnant: BoolArray


def baselines(
    rng: np.random.Generator, child: BoolArray, age_months: FloatArray, pregnant: BoolArray
) -> Baselines:
    """Usual vital signs for each patient by age (children) or from adult distributions;
    ``pregnant`` is carried along, for scoring."""
    n = child.size
    band = np.searchsorted(_CHILD_BANDS, age_months, side="right") - 1
    band = np.clip(band, 0, 3)
    values = {}
    adult = {"respiration_rate": (16.0, 1.5), "pulse": (78.0, 9.0), "systolic_bp": (128.0, 14.0)}
    for name, normal in _CHILD_NORMAL.items():
        kid = normal[band] * np.exp(rng.normal(0.0, _CHILD_SD[name], n))
        mean, sd = adult[name]
        values[name] = np.where(child, kid, rng.normal(mean, sd, n))
    values["pulse"] = np.where(child, values["pulse"], np.clip(values["pulse"], 55, 95))
    values["respiration_rate"] = np.where(
        child, values["respiration_rate"], np.clip(values["respiration_rate"], 12, 20)
    )
    low_spo2 = ~child & (rng.random(n) < 0.15)
    spo2 = np.where(low_spo2, rng.uniform(94.0, 96.0, n), rng.normal(97.5, 0.8, n))
    weight = np.interp(age_months, _WEIGHT_AGE, _WEIGHT_KG) * np.exp(rng.normal(0.0, 0.12, n))
    return Baselines(
        child=child,
        age_months=age_months,
        respiration_rate=values["respiration_rate"],
        pulse=values["pulse"],
        systolic_bp=values["systolic_bp"],
        spo2=np.clip(spo2, 92.0, 99.5),
        temperature=rng.normal(36.8, 0.2, n),
        capillary_refill=np.clip(rng.normal(1.5, 0.3, n), 0.5, 2.5),
        weight=np.where(child, weight, 78.0 * np.exp(rng.normal(0.0, 0.2, n))),
        chronic_oxygen=~child & (rng.random(n) < 0.05),
        oxygen_at=rng.uniform(0.35, 0.85, n),
        pregnant=pregnant,
    )


@dataclass(frozen=True, slots=True, eq=False)
class Vitals:
    """One set of observations for each of a group of encounters (NaN or -1 where not taken)."""

    respiration_rate: FloatArray
    spo2: FloatArray
    on_oxygen: BoolArray
    systolic_bp: FloatArray
    pulse: FloatArray
    consciousness: NDArray[np.int8]  # position in ews.CONSCIOUSNESS_LABELS
    temperature: FloatArray
    capillary_refill: FloatArray
    work_of_breathing: NDArray[np.int8]  # position in WORK_OF_BREATHING; -1 (adults) not taken


#: A child's work of breathing by severity: none below 0.35, mild, moderate from 0.6, severe
#: from 0.85 (the generator's own choice; the grades are the paediatric table's).
WORK_OF_BREATHING_FROM = (0.35, 0.6, 0.85)


def _whole(values: FloatArray, low: float, high: float) -> FloatArray:
    return np.asarray(np.round(np.clip(values, low, high)), dtype=np.float64)


def _missing(rng: np.random.Generator, values: FloatArray, share: FloatArray) -> FloatArray:
    return np.where(rng.random(values.size) < share, np.nan, values)


def vitals(
    rng: np.random.Generator, base: Baselines, at: IntArray, severity: FloatArray, sepsis: BoolArray
) -> Vitals:
    """One set for encounters ``at`` given their severity now and whether it is sepsis."""
    child, s, n = base.child[at], severity, at.size
    scale = np.where(child, base.pulse[at] / 80.0, 1.0)
    pulse = base.pulse[at] + s * np.where(sepsis, 50.0, 40.0) * scale + rng.normal(0, 5, n) * scale
    breathing = base.respiration_rate[at] * (1.0 + s * np.where(child, 0.55, 0.6))
    breathing += rng.normal(0.0, 1.2, n) * np.where(child, base.respiration_rate[at] / 16, 1.0)
    on_oxygen = base.chronic_oxygen[at] | (s > base.oxygen_at[at])
    spo2 = base.spo2[at] - s * np.where(sepsis, 4.0, 7.0) + rng.normal(0.0, 0.8, n)
    spo2 = np.minimum(spo2 + 2.5 * on_oxygen, 100.0)
    drop = np.where(sepsis, 0.3, 0.22) * np.maximum(s - 0.3, 0.0) / 0.7
    systolic = base.systolic_bp[at] * (1.0 - drop) + rng.normal(0.0, 7.0, n) * scale**0.3
    fever = np.where(sepsis, 2.4, 0.3) * np.minimum(s * 1.4, 1.0)
    temperature = base.temperature[at] + fever + rng.normal(0.0, 0.2, n)
    refill = base.capillary_refill[at] + s * np.where(sepsis, 2.4, 1.2) + rng.normal(0, 0.2, n)
    clouded = (s > 0.8) & (rng.random(n) < np.where(child, 0.2, 0.3))
    confused = np.where(child, 2, np.where(rng.random(n) < 0.75, 1, 2))  # children: V, adults C/V
    return Vitals(
        respiration_rate=_whole(breathing, 4, 120),
        spo2=_whole(spo2, 60, 100),
        on_oxygen=on_oxygen,
        systolic_bp=_missing(rng, _whole(systolic, 40, 250), np.where(child, 0.2, 0.01)),
        pulse=_whole(pulse, 30, 260),
        consciousness=np.where(clouded, confused, 0).astype(np.int8),
        temperature=_missing(
            rng, np.round(np.clip(temperature, 33.0, 42.0), 1), np.where(child, 0.05, 0.02)
        ),
        capillary_refill=np.where(
            child & (rng.random(n) < 0.85), np.round(np.clip(refill, 0.5, 10.0), 1), np.nan
        ),
        work_of_breathing=np.where(child, np.digitize(s, WORK_OF_BREATHING_FROM), -1).astype(
            np.int8
        ),
    )


def score(
    base: Baselines, at: IntArray, sets: Vitals, carer: NDArray[np.int8]
) -> tuple[FloatArray, NDArray[np.int8]]:
    """The early warning score and trigger level of each set (NEWS2 or the paediatric score).

    The aggregate is NaN where a value the score needs is missing; the level is
    ``ews.NO_TRIGGER``, ``URGENT_REVIEW``, ``EMERGENCY_RESPONSE`` or ``NOT_DETERMINED``.
    """
    child = base.child[at]
    aggregate = np.full(at.size, np.nan)
    level = np.full(at.size, ews.NOT_DETERMINED, dtype=np.int8)
    kids, adults = np.flatnonzero(child), np.flatnonzero(~child)
    if adults.size:
        adult = ews.news2(
            sets.respiration_rate[adults],
            sets.spo2[adults],
            on_oxygen=sets.on_oxygen[adults],
            systolic_bp=sets.systolic_bp[adults],
            pulse=sets.pulse[adults],
            consciousness=sets.consciousness[adults],
            temperature=sets.temperature[adults],
            pregnant=base.pregnant[at][adults],
        )
        aggregate[adults], level[adults] = adult.aggregate, adult.trigger
    if kids.size:
        labels = ews.CONSCIOUSNESS_LABELS
        consciousness = np.where(sets.consciousness[kids] == labels.index("V"), 1, 0)
        children = ews.pews(
            base.age_months[at][kids],
            sets.respiration_rate[kids],
            work_of_breathing=sets.work_of_breathing[kids],
            spo2=sets.spo2[kids],
            on_oxygen=sets.on_oxygen[kids],
            heart_rate=sets.pulse[kids],
            systolic_bp=sets.systolic_bp[kids],
            capillary_refill=sets.capillary_refill[kids],
            consciousness=consciousness.astype(np.int8),
            temperature=sets.temperature[kids],
            carer_concern=carer[kids],
        )
        aggregate[kids], level[kids] = children.aggregate, children.escalation
    return aggregate, level


def interval_minutes(
    child: BoolArray, aggregate: FloatArray, level: NDArray[np.int8]
) -> NDArray[np.float64]:
    """Minutes to the next set, by the score and trigger of this one."""
    known = np.nan_to_num(aggregate, nan=3.0)
    adult = np.select(
        [level == ews.EMERGENCY_RESPONSE, level == ews.URGENT_REVIEW, known >= 1],
        [ADULT_INTERVALS["emergency"], ADULT_INTERVALS["urgent"], ADULT_INTERVALS["1-4"]],
        ADULT_INTERVALS["0"],
    )
    kid = np.select(
        [level >= ews.URGENT_REVIEW, known >= 5, known >= 3],
        [CHILD_INTERVALS["escalation"], CHILD_INTERVALS["5-7"], CHILD_INTERVALS["3-4"]],
        CHILD_INTERVALS["0-2"],
    )
    return np.where(child, kid, adult).astype(np.float64)


# --- responses: how soon the ward answers a trigger, by its registered-nurse fill rate ---------

#: Median minutes from a trigger to each response on a ward whose registered-nurse fill rate is
#: :data:`FULL_FILL` (the antibiotic's is counted from the sepsis screen). Delays are log-normal
#: with SD :data:`DELAY_SD` on the log scale, their medians multiplied by
#: ``exp(DELAY_PER_FILL × (FULL_FILL − fill))``: about 2.5 times as long at a fill rate of 80 %.
RESPONSE_MEDIANS = {
    "nurse_in_charge_review": 10.0,
    "doctor_review": 30.0,
    "senior_review": 45.0,
    "outreach_review": 20.0,
    "sepsis_screen": 20.0,
    "first_iv_antibiotic": 25.0,
}
FULL_FILL = 0.95
DELAY_PER_FILL = 6.0
DELAY_SD = 0.6
#: Chance that a set with a trigger from the score gets no response (it may be caught at a later
#: set): logit = logit(MISSED_AT_FULL_FILL) + MISSED_PER_FILL × (FULL_FILL − fill).
MISSED_AT_FULL_FILL = 0.06
MISSED_PER_FILL = 14.0
#: The same for a carer's "worse", plus, on the failing ward, the rise of its share of concerns
#: about not being listened to (``concerns_listening_share``) on the logit scale.
CARER_MISSED_AT_FULL_FILL = 0.12
CARER_MISSED_PER_FILL = 10.0


def _expit(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _logit(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


def delay_factor(fill: FloatArray) -> FloatArray:
    """How many times the usual delay a ward with this registered-nurse fill rate takes."""
    return np.asarray(np.exp(DELAY_PER_FILL * (FULL_FILL - fill)), dtype=np.float64)


def missed_share(
    fill: FloatArray, *, carer: bool, listening: FloatArray | float = 0.0
) -> FloatArray:
    """Chance that a trigger (or with ``carer``, a carer's "worse") gets no response at a set."""
    if carer:
        base, slope = _logit(CARER_MISSED_AT_FULL_FILL), CARER_MISSED_PER_FILL
    else:
        base, slope = _logit(MISSED_AT_FULL_FILL), MISSED_PER_FILL
    return _expit(base + slope * (FULL_FILL - np.asarray(fill)) + listening)


def listening_shift(level: FloatArray, before: float) -> FloatArray:
    """The rise of a share of concerns about not being listened to, on the logit scale."""
    return np.asarray(np.log(level / (1 - level)) - _logit(before), dtype=np.float64)


def response_delays(
    rng: np.random.Generator, factor: FloatArray, when: IntArray
) -> dict[str, IntArray]:
    """For each kind of response, the minute it would be made after a trigger at ``when``."""
    return {
        kind: when + np.round(rng.lognormal(np.log(median * factor), DELAY_SD)).astype(np.int64)
        for kind, median in RESPONSE_MEDIANS.items()
    }


#: What the bedside tables show on the failing ward, as ``truth.json`` records them among its
#: changes: the model's values at its registered-nurse fill rate before and after the decline.
BEDSIDE_INDICATORS: dict[str, dict[str, str]] = {
    "bedside_review_delay_median": {
        "unit_type": "paediatric_ward",
        "kind": "minutes (from the observations and responses tables)",
        "numerator": "median minutes from a set that triggers to the nurse in charge's review",
        "denominator": "sets that trigger and are answered",
        "better": "lower",
    },
    "bedside_triggers_missed": {
        "unit_type": "paediatric_ward",
        "kind": "proportion (from the observations and responses tables)",
        "numerator": "sets whose score triggers and that get no response",
        "denominator": "sets whose score triggers, in an episode not yet answered",
        "better": "lower",
    },
    "bedside_carer_worse_unanswered": {
        "unit_type": "paediatric_ward",
        "kind": "proportion (from the observations and responses tables)",
        "numerator": "carers' 'worse' answers that get no review",
        "denominator": "carers' 'worse' answers with no review already due",
        "better": "lower",
    },
    "bedside_antibiotic_delay_median": {
        "unit_type": "paediatric_ward",
        "kind": "minutes (from the observations and responses tables)",
        "numerator": "median minutes from a sepsis screen to the first IV antibiotic",
        "denominator": "sepsis episodes screened and given an antibiotic",
        "better": "lower",
    },
}


def with_bedside(problem: Problem) -> Problem:
    """The failing ward's problem with what its bedside tables show added to its changes."""
    fill = problem.changes["registered_nurse_fill_rate"]
    listening = problem.changes["concerns_listening_share"]
    levels = np.array([fill.before, fill.after])
    shift = listening_shift(np.array([listening.before, listening.after]), listening.before)
    values: dict[str, tuple[FloatArray, ChangeScale]] = {
        "bedside_review_delay_median": (
            RESPONSE_MEDIANS["nurse_in_charge_review"] * delay_factor(levels),
            "ratio",
        ),
        "bedside_triggers_missed": (missed_share(levels, carer=False), "proportion"),
        "bedside_carer_worse_unanswered": (
            missed_share(levels, carer=True, listening=shift),
            "proportion",
        ),
        "bedside_antibiotic_delay_median": (
            RESPONSE_MEDIANS["first_iv_antibiotic"] * delay_factor(levels),
            "ratio",
        ),
    }
    changes = dict(problem.changes)
    for name, (pair, scale) in values.items():
        before, after = (round(float(value), 4) for value in pair)
        changes[name] = Change(fill.start, fill.end, before, after, scale)
    return replace(problem, indicators=(*problem.indicators, *BEDSIDE_INDICATORS), changes=changes)
