"""Synthetic data, part 19: the bedside simulation, set by set, of the stays' illnesses and care.

Every stay's illness is drawn first (:class:`Course`): most patients stay well; some deteriorate
over hours and recover on their own or once treated; some have sepsis, which lasts until
antibiotics; adults who die deteriorate before death. Then all stays are followed together, one
set of observations at a time: each set's vital signs come from the severity of the illness at
that minute, its score sets when the next set is taken (later on a short-staffed ward), and a
set that triggers is answered, or missed, with the chances and delays of
:mod:`caresignal.data._synth_vitals` at the ward's registered-nurse fill rate that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data import _synth_vitals as model
from caresignal.data._synth_bedside_frames import observations_frame, responses_frame
from caresignal.data._synth_changes import Change
from caresignal.data._synth_plan import Plan
from caresignal.data._synth_scales import epoch_days, month_starts, stream
from caresignal.data._synth_vitals import (
    CARER_ANSWERS,
    Baselines,
    baselines,
    delay_factor,
    interval_minutes,
    listening_shift,
    missed_share,
    response_delays,
    score,
    vitals,
)
from caresignal.data.schema import RESPONSE_KINDS
from caresignal.stats import ews

__all__ = ["ILLNESS", "Stays", "simulate"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_DAY = 1440
# A trigger with a temperature outside 36.0-38.0 °C (NEWS2's scoring temperatures) is screened.
_FEVER_ABOVE, _FEVER_BELOW = 38.0, 36.0
_MOST_WEIGHT_LOST = 0.15  # a child losing weight stops losing it at 15 %
_WEIGHT_REVIEW_MINUTES = 240.0  # median delay of a doctor's review after a weight loss of 5 %

#: Each stay's illness: chances among stays of a day or more (adults who die always deteriorate).
ILLNESS = {
    "paediatric_ward": {"sepsis": 0.10, "deterioration": 0.08},
    "adult_ward": {"sepsis": 0.05, "deterioration": 0.08},
}


@dataclass(frozen=True, slots=True, eq=False)
class Stays:
    """Stays, one entry per stay: ward (position), times in minutes since 1970, patient."""

    unit: IntArray
    admitted: IntArray
    discharged: IntArray
    age_months: IntArray
    sex: NDArray[np.str_]
    child: NDArray[np.bool_]
    died: NDArray[np.bool_]

    def _columns(self) -> list[NDArray[Any]]:
        return [getattr(self, name) for name in self.__slots__]

    def keep(self, which: NDArray[Any]) -> Stays:
        """The stays selected (a mask) or reordered (positions) by ``which``."""
        return Stays(*(column[which] for column in self._columns()))

    def join(self, other: Stays) -> Stays:
        """These stays followed by ``other``'s."""
        pairs = zip(self._columns(), other._columns(), strict=True)
        return Stays(*(np.concatenate(pair) for pair in pairs))


@dataclass(frozen=True, slots=True, eq=False)
class Course:
    """Each stay's illness: a severity that rises from ``onset`` over ``rise`` minutes to ``peak``
    and falls once treated or, for a passing deterioration, from ``resolves``; ``floor`` is a
    stable patient's own small severity; ``weight_loss`` a share of weight lost a day."""

    sepsis: NDArray[np.bool_]
    onset: FloatArray
    rise: FloatArray
    peak: FloatArray
    resolves: FloatArray
    floor: FloatArray
    weight_loss: FloatArray


def _courses(rng: np.random.Generator, stays: Stays) -> Course:
    n = stays.unit.size
    length = (stays.discharged - stays.admitted).astype(np.float64)
    long_enough = length >= _DAY
    u = rng.random(n)
    child, adult = ILLNESS["paediatric_ward"], ILLNESS["adult_ward"]
    sepsis_share = np.where(stays.child, child["sepsis"], adult["sepsis"])
    worse_share = np.where(stays.child, child["deterioration"], adult["deterioration"])
    sepsis = long_enough & (u < sepsis_share)
    worse = stays.died | (long_enough & ~sepsis & (u < sepsis_share + worse_share))
    start = np.where(sepsis, rng.uniform(0.0, 0.3, n), rng.uniform(0.1, 0.7, n))
    onset = stays.admitted + start * length
    dying = stays.died.astype(np.bool_)
    onset = np.where(
        dying, np.maximum(stays.discharged - rng.uniform(6, 36, n) * 60, stays.admitted), onset
    )
    rise = rng.uniform(3.0, 10.0, n) * 60
    peak = np.where(dying, 1.1, np.where(sepsis | worse, rng.uniform(0.6, 1.0, n), 0.0))
    passing = worse & ~dying
    resolves = np.where(passing, onset + rise + rng.uniform(3.0, 18.0, n) * 60, np.inf)
    losing = stays.child & (length >= 3 * _DAY) & (rng.random(n) < 0.3)
    return Course(
        sepsis=sepsis,
        onset=onset,
        rise=rise,
        peak=peak,
        resolves=resolves,
        floor=rng.uniform(0.0, 0.2, n),
        weight_loss=np.where(losing, rng.uniform(0.015, 0.03, n), 0.0),
    )


def _severity(course: Course, at: IntArray, t: IntArray, treated: FloatArray) -> FloatArray:
    rising = np.clip((t - course.onset[at]) / course.rise[at], 0.0, 1.0) * course.peak[at]
    falls_from = np.minimum(course.resolves[at], treated[at])
    decay = np.exp(-np.maximum(t - falls_from, 0.0) / 360.0)
    return np.asarray(course.floor[at] + rising * decay, dtype=np.float64)


def _carer(
    rng: np.random.Generator,
    child: NDArray[np.bool_],
    t: IntArray,
    s: FloatArray,
    better: NDArray[np.bool_],
) -> NDArray[np.int8]:
    """The carer's answer (position in CARER_ANSWERS, -1 not asked) at each child's set."""
    hour = (t // 60) % 24
    night = (hour >= 22) | (hour < 6)
    ill = np.clip(s, 0.0, 1.0)
    shares = [
        np.full(t.size, 0.06),  # unavailable
        np.where(night, 0.6, 0.05) * (1.0 - ill),  # asleep
        0.012 + 0.7 * np.clip(s - 0.3, 0.0, 1.0),  # worse
        np.where(better, 0.45, 0.2),  # better
    ]
    codes = [CARER_ANSWERS.index(a) for a in ("unavailable", "asleep", "worse", "better")]
    u = rng.random(t.size)
    answer = np.full(t.size, CARER_ANSWERS.index("same"), dtype=np.int8)
    edge = np.zeros(t.size)
    for code, share in zip(codes, shares, strict=True):
        chosen = (u >= edge) & (u < edge + share)
        answer[chosen] = code
        edge = edge + share
    asked = child & (rng.random(t.size) < 0.92)
    return np.where(asked, answer, -1).astype(np.int8)


@dataclass(frozen=True, slots=True, eq=False)
class _Ward:
    """What the simulation needs of the wards: fill rates by month, the failing ward's listening."""

    fill: FloatArray
    month_edges: IntArray
    failing: int
    listening: Change

    def fill_at(self, unit: IntArray, t: IntArray) -> FloatArray:
        month = np.searchsorted(self.month_edges, t, side="right") - 1
        return np.asarray(self.fill[unit, month], dtype=np.float64)

    def listening_at(self, unit: IntArray, t: IntArray) -> FloatArray:
        level = self.listening.at(t // _DAY)
        shift = listening_shift(level, self.listening.before)
        return np.where(unit == self.failing, shift, 0.0)


@dataclass(slots=True, eq=False)
class _State:
    """What the simulation remembers of each stay between sets."""

    treated: FloatArray
    answered: NDArray[np.int8]
    reviewed: IntArray
    weighed: IntArray
    first_weight: FloatArray
    weight_reviewed: NDArray[np.bool_]
    observations: list[dict[str, NDArray[Any]]]
    responses: list[tuple[IntArray, IntArray, IntArray]]


def simulate(
    plan: Plan,
    stays: Stays,
    units: tuple[str, ...],
    fill: FloatArray,
    pregnant: NDArray[np.bool_],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every stay's observations set by set, and the responses to its triggers (``pregnant``:
    each stay's pregnancy, whose sets NEWS2 does not score)."""
    rng = stream(plan.seed, "wardcare", "observations")
    n = stays.unit.size
    base = baselines(rng, stays.child, stays.age_months.astype(np.float64), pregnant)
    course = _courses(rng, stays)
    problem = plan.problem("ward_decline")
    edges = epoch_days(month_starts(plan.start, plan.end)) * _DAY
    ward = _Ward(
        fill, edges, units.index(problem.unit_code), problem.changes["concerns_listening_share"]
    )
    never = np.full(n, -(10**9), dtype=np.int64)
    state = _State(
        treated=np.full(n, np.inf),
        answered=np.zeros(n, np.int8),
        reviewed=never,
        weighed=np.full(n, -1),
        first_weight=np.full(n, np.nan),
        weight_reviewed=np.zeros(n, np.bool_),
        observations=[],
        responses=[],
    )
    t_next = np.minimum(stays.admitted + rng.integers(5, 40, n), stays.discharged)
    active = np.arange(n)
    while active.size:
        t = t_next[active]
        f = ward.fill_at(stays.unit[active], t)
        interval = _one_set(rng, stays, base, course, ward, state, active, t, f)
        t_next[active] = t + np.maximum(np.round(interval), 10).astype(np.int64)
        active = active[t_next[active] <= stays.discharged[active]]
    return observations_frame(state.observations), responses_frame(state.responses)


def _one_set(
    rng: np.random.Generator,
    stays: Stays,
    base: Baselines,
    course: Course,
    ward: _Ward,
    state: _State,
    at: IntArray,
    t: IntArray,
    f: FloatArray,
) -> FloatArray:
    """Take a set for each stay in ``at`` at ``t``, answer its triggers; minutes to the next."""
    s = _severity(course, at, t, state.treated)
    sets = vitals(rng, base, at, s, course.sepsis[at])
    carer = _carer(rng, stays.child[at], t, s, state.treated[at] < t)
    aggregate, level = score(base, at, sets, carer)
    weight = _weights(rng, stays, base, course, state, at, t)
    _weight_review(rng, stays, state, at, t, f, weight)
    state.observations.append(
        {
            "stay": at,
            "time": t,
            "respiration_rate": sets.respiration_rate,
            "spo2": sets.spo2,
            "on_oxygen": sets.on_oxygen,
            "systolic_bp": sets.systolic_bp,
            "pulse": sets.pulse,
            "consciousness": sets.consciousness,
            "temperature": sets.temperature,
            "weight_kg": weight,
            "capillary_refill_s": sets.capillary_refill,
            "work_of_breathing": sets.work_of_breathing,
            "carer_answer": carer,
        }
    )
    _respond(rng, stays, course, ward, state, at, t, f, aggregate, level, carer, sets.temperature)
    late = 1.0 + 2.0 * np.maximum(0.95 - f, 0.0)
    jitter = np.exp(rng.normal(0.0, 0.1, at.size))
    return interval_minutes(stays.child[at], aggregate, level) * late * jitter


def _weights(
    rng: np.random.Generator,
    stays: Stays,
    base: Baselines,
    course: Course,
    state: _State,
    at: IntArray,
    t: IntArray,
) -> FloatArray:
    """A weight on admission (most stays) and on some later days (children more often)."""
    days = (t - stays.admitted[at]) / _DAY
    day = days.astype(np.int64)
    first = state.weighed[at] < 0
    new_day = ~first & (day > state.weighed[at])
    chance = np.where(
        first, np.where(stays.child[at], 0.95, 0.7), np.where(stays.child[at], 0.6, 0.1)
    )
    weighed = (first | new_day) & (rng.random(at.size) < chance)
    state.weighed[at] = np.where(first | new_day, day, state.weighed[at])
    value = (
        base.weight[at]
        * (1 - np.minimum(course.weight_loss[at] * days, _MOST_WEIGHT_LOST))
        * np.exp(rng.normal(0, 0.004, at.size))
    )
    return np.where(weighed, np.round(value, 2), np.nan)


def _weight_review(
    rng: np.random.Generator,
    stays: Stays,
    state: _State,
    at: IntArray,
    t: IntArray,
    f: FloatArray,
    weight: FloatArray,
) -> None:
    """A doctor's review, within hours (or none), once a child weighs 5 % below the first weight."""
    first = state.first_weight[at]
    state.first_weight[at] = np.where(np.isnan(first), weight, first)
    lost = stays.child[at] & ~state.weight_reviewed[at] & (weight <= 0.95 * first)
    state.weight_reviewed[at[lost]] = True
    due = lost & (rng.random(at.size) >= missed_share(f, carer=False))
    delay = rng.lognormal(np.log(_WEIGHT_REVIEW_MINUTES * delay_factor(f)), model.DELAY_SD)
    when = t + np.round(delay).astype(np.int64)
    done = due & (when <= stays.discharged[at])
    code = RESPONSE_KINDS.index("doctor_review")
    state.responses.append((at[done], when[done], np.full(int(done.sum()), code)))


def _respond(
    rng: np.random.Generator,
    stays: Stays,
    course: Course,
    ward: _Ward,
    state: _State,
    at: IntArray,
    t: IntArray,
    f: FloatArray,
    aggregate: FloatArray,
    level: NDArray[np.int8],
    carer: NDArray[np.int8],
    temperature: FloatArray,
) -> None:
    """Answer (or miss) each set that triggers and whose run is not yet answered at its level.

    ``state.answered`` holds the level already answered in a stay's run of sets that trigger
    on their score: a response covers the run's later sets of the same or a lower level, a set
    that does not trigger ends the run, and a higher level needs its own response (as the audit,
    :mod:`caresignal.monitor.wardcare`, counts episodes). A carer's "worse" needs a review after
    the last one.
    """
    trigger = level >= ews.URGENT_REVIEW
    child = stays.child[at]
    worse = carer == CARER_ANSWERS.index("worse")
    from_score = trigger & (~child | ~worse | (np.nan_to_num(aggregate) >= 8))
    state.answered[at[~from_score]] = ews.NO_TRIGGER
    by_score = from_score & (state.answered[at] < level)
    need = by_score | (worse & (state.reviewed[at] < t))
    listening = ward.listening_at(stays.unit[at], t)
    missed = np.where(
        by_score, missed_share(f, carer=False), missed_share(f, carer=True, listening=listening)
    )
    caught = np.flatnonzero(need & (rng.random(at.size) >= missed))
    if not caught.size:
        return
    who, when, kid, lvl = at[caught], t[caught], child[caught], level[caught]
    score_trigger = from_score[caught]
    heat = np.nan_to_num(temperature[caught], nan=37.0)
    feverish = (heat > _FEVER_ABOVE) | (heat < _FEVER_BELOW)
    septic = score_trigger & (course.sepsis[who] | feverish)
    wants = {
        "nurse_in_charge_review": kid,
        "doctor_review": ~kid | score_trigger | (rng.random(caught.size) < 0.5),
        "outreach_review": ~kid & (lvl == ews.EMERGENCY_RESPONSE),
        "senior_review": (~kid & (lvl == ews.EMERGENCY_RESPONSE))
        | (kid & (np.nan_to_num(aggregate[caught]) >= 11))
        | septic,
        "sepsis_screen": septic,
        "first_iv_antibiotic": septic & course.sepsis[who],
    }
    times = response_delays(rng, delay_factor(f[caught]), when)
    times["first_iv_antibiotic"] = times["first_iv_antibiotic"] - when + times["sepsis_screen"]
    reviews = np.min([times[k] for k in ("nurse_in_charge_review", "doctor_review")], axis=0)
    treated = np.where(
        course.sepsis[who] & septic,
        times["first_iv_antibiotic"],
        np.where(kid, times["doctor_review"], reviews) + 30,
    )
    state.treated[who] = np.minimum(state.treated[who], treated)
    state.answered[who] = np.where(
        by_score[caught], np.maximum(state.answered[who], lvl), state.answered[who]
    )
    state.reviewed[who] = np.maximum(
        state.reviewed[who], np.minimum(reviews, times["doctor_review"])
    )
    for kind, chosen in wants.items():
        code = RESPONSE_KINDS.index(kind)
        done = chosen & (times[kind] <= stays.discharged[who])
        state.responses.append((who[done], times[kind][done], np.full(int(done.sum()), code)))
