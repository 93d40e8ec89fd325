"""Early warning scores from bedside observations: NEWS2 for adults, PEWS for children.

Both functions take whole arrays, one entry per set of observations, and score every row without
a Python loop over rows. Each returns each parameter's score, the aggregate, the trigger level
and, for a row without an aggregate, why not (a missing value; for NEWS2, a patient under 16 or
pregnant). A missing value is never scored as 0: the row has no aggregate and says which value
is missing. docs/wardcare.md explains every rule and where each number comes from.

* :func:`news2`: the Royal College of Physicians' National Early Warning Score 2 (2017), the full
  chart with both SpO₂ scales, the single-parameter-3 rule and its two triggers.
* :func:`pews`: a paediatric early warning score by an age-banded table held as data
  (:func:`default_pews_table`, or a user's own through :func:`load_pews_table`), with the rule
  that a parent's or carer's "worse" escalates care at once, whatever the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._checks import as_bool_array, as_float_array, readonly
from caresignal.stats._ews_blocks import in_blocks
from caresignal.stats._ews_inputs import as_flags, as_labels, as_measurements, as_scale, same_length
from caresignal.stats._ews_news2 import CONSCIOUSNESS_LABELS, NEWS2_PARAMETERS, score_news2
from caresignal.stats._ews_pews import CARER_ANSWERS, WORSE, age_bands_of, score_pews
from caresignal.stats._ews_results import (
    EMERGENCY_RESPONSE,
    MISSING_VALUE,
    NO_TRIGGER,
    NOT_DETERMINED,
    PREGNANT,
    REASONS,
    SCORED,
    TRIGGERS,
    UNDER_16,
    URGENT_REVIEW,
    News2Result,
    PewsResult,
    Rule,
    ScoreColumns,
    combine,
    levels,
)
from caresignal.stats._ews_tables import (
    PEWS_MEASUREMENTS,
    PEWS_PARAMETERS,
    PewsTable,
    default_pews_table,
    load_pews_table,
)

__all__ = [
    "CARER_ANSWERS",
    "CONSCIOUSNESS_LABELS",
    "EMERGENCY_RESPONSE",
    "MISSING_VALUE",
    "NOT_DETERMINED",
    "NO_TRIGGER",
    "PREGNANT",
    "REASONS",
    "SCORED",
    "TRIGGERS",
    "UNDER_16",
    "URGENT_REVIEW",
    "News2Result",
    "PewsResult",
    "PewsTable",
    "default_pews_table",
    "load_pews_table",
    "news2",
    "pews",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# RCP 2017, "NEWS thresholds and triggers": an aggregate of 5 or more, or a score of 3
# in any single parameter, calls for an urgent review; an aggregate of 7 or more for an
# emergency response.
NEWS2_RULES = (Rule(URGENT_REVIEW, 5, 3), Rule(EMERGENCY_RESPONSE, 7, None))
# Measurements NEWS2 accepts as physiological: (unit, lowest, highest). Anything outside is an
# input error (e.g. a temperature in °F, or a percentage over 100).
NEWS2_MEASUREMENTS = {
    "respiration_rate": ("breaths per minute", 0.0, 200.0),
    "spo2": ("%", 0.0, 100.0),
    "systolic_bp": ("mmHg", 0.0, 400.0),
    "pulse": ("beats per minute", 0.0, 400.0),
    "temperature": ("°C", 10.0, 45.0),
}


def news2(
    respiration_rate: Any,
    spo2: Any,
    *,
    spo2_scale: Any = 1,
    on_oxygen: Any,
    systolic_bp: Any,
    pulse: Any,
    consciousness: Any,
    temperature: Any,
    age_years: Any = None,
    pregnant: Any = None,
) -> News2Result:
    """NEWS2 for each row of adult bedside observations (Royal College of Physicians, 2017).

    Parameters
    ----------
    respiration_rate, spo2, systolic_bp, pulse, temperature : array-like of float
        Breaths per minute, SpO₂ %, mmHg, beats per minute and °C; NaN or None where not
        recorded. A value between two printed bands (20.5 breaths a minute, 35.05 °C) takes the
        higher of the two neighbouring scores.
    spo2_scale : 1 or 2, or array-like of them
        SpO₂ scale 2 is for patients with hypercapnic respiratory failure and a prescribed
        target of 88–92 %; on scale 2, 93 % or more scores only on oxygen.
    on_oxygen : array-like of bool
        True on supplemental oxygen (scores 2), False on air; NaN or None where not recorded.
    consciousness : array-like of str
        ``"A"`` (alert), ``"C"`` (new confusion), ``"V"``, ``"P"`` or ``"U"``; None or ``""``
        where not recorded.
    age_years, pregnant : array-like, optional
        Rows under 16 years, or flagged pregnant, are not scored (NEWS2 is not for them); their
        ``reason`` says so. Neither may have missing values when given.

    Returns
    -------
    News2Result
        Each parameter's score, the aggregate, the trigger and the reason for each row.

    Raises
    ------
    ValueError, TypeError
        Naming the argument, the row and the value, and what was expected.

    References
    ----------
    Royal College of Physicians. National Early Warning Score (NEWS) 2: Standardising the
    assessment of acute-illness severity in the NHS. Updated report of a working party.
    London: RCP, 2017.

    Examples
    --------
    >>> from caresignal.stats.ews import news2
    >>> result = news2([18, 26], [97, 95], on_oxygen=[False, True], systolic_bp=[120, 105],
    ...                pulse=[72, 115], consciousness=["A", "A"], temperature=[37.0, 38.4])
    >>> result.aggregate.tolist(), result.trigger.tolist()
    ([0.0, 10.0], [0, 2])
    >>> result.explain(1)
    'row 1: NEWS2 10 (respiration_rate 3, spo2 1, on_oxygen 2, systolic_bp 1, pulse 2,
    consciousness 0, temperature 1); trigger: emergency response'
    """
    values = {
        name: as_measurements(name, raw, minimum=low, maximum=high, unit=unit)
        for (name, (unit, low, high)), raw in zip(
            NEWS2_MEASUREMENTS.items(),
            (respiration_rate, spo2, systolic_bp, pulse, temperature),
            strict=True,
        )
    }
    oxygen, oxygen_missing = as_flags("on_oxygen", on_oxygen)
    codes = as_labels("consciousness", consciousness, CONSCIOUSNESS_LABELS)
    n = same_length({**values, "on_oxygen": oxygen, "consciousness": codes})
    scale = as_scale(spo2_scale, n)
    same_length({"respiration_rate": values["respiration_rate"], "spo2_scale": scale})
    reason = _exclusions(n, age_years, pregnant)
    excluded = reason != SCORED

    out = _outputs(n, NEWS2_PARAMETERS, "trigger")

    def chunk(part: slice) -> None:
        piece = {name: array[part] for name, array in values.items()}
        raw = score_news2(piece, codes[part], oxygen[part], oxygen_missing[part], scale[part])
        views = {name: array[part] for name, array in out.items()}
        combined = combine(raw.scores, raw.unknown, excluded[part], views)
        views["complete"][...] = combined.complete
        views["trigger"][...] = levels(combined, NEWS2_RULES, excluded[part])
        for name in values:
            np.isnan(piece[name], out=missing[name][part])
        np.less(codes[part], 0, out=missing["consciousness"][part])

    missing = {name: np.empty(n, dtype=np.bool_) for name in (*values, "consciousness")}
    missing["on_oxygen"] = oxygen_missing
    in_blocks(n, chunk)
    reason[~excluded & ~out["complete"]] = MISSING_VALUE
    return News2Result(
        aggregate=readonly(out[""]),
        scores=ScoreColumns({name: readonly(out[name]) for name in NEWS2_PARAMETERS}),
        missing={name: readonly(missing[name]) for name in NEWS2_PARAMETERS},
        trigger=readonly(out["trigger"]),
        reason=readonly(reason),
    )


def _outputs(n: int, parameters: Sequence[str], level: str) -> dict[str, NDArray[Any]]:
    """Whole columns for each parameter's score, the aggregate (``""``), completeness and level."""
    out: dict[str, NDArray[Any]] = {name: np.empty(n, dtype=np.int8) for name in parameters}
    out[""] = np.empty(n)
    out["complete"] = np.empty(n, dtype=np.bool_)
    out[level] = np.empty(n, dtype=np.int8)
    return out


def _exclusions(n: int, age_years: Any, pregnant: Any) -> NDArray[np.int8]:
    reason = np.full(n, SCORED, dtype=np.int8)
    if pregnant is not None:
        flags = as_bool_array("pregnant", pregnant, allow_empty=True)
        same_length({"rows": reason, "pregnant": flags})
        reason[flags] = PREGNANT
    if age_years is not None:
        ages = as_float_array("age_years", age_years, minimum=0.0, maximum=130.0, allow_empty=True)
        same_length({"rows": reason, "age_years": ages})
        reason[ages < 16.0] = UNDER_16
    return reason


def pews(
    age_months: Any,
    respiration_rate: Any,
    *,
    work_of_breathing: Any = None,
    spo2: Any = None,
    on_oxygen: Any = None,
    heart_rate: Any = None,
    systolic_bp: Any = None,
    capillary_refill: Any = None,
    consciousness: Any = None,
    temperature: Any = None,
    carer_concern: Any,
    table: PewsTable | None = None,
) -> PewsResult:
    """A paediatric early warning score for each row of children's bedside observations.

    Each row is scored on the chart of its age band in ``table`` (by default
    :func:`default_pews_table`; see docs/wardcare.md for where its values come from). A
    parameter the table marks required that is missing leaves the row without an aggregate;
    one it marks optional adds nothing when missing. A parent's or carer's ``"worse"``
    escalates the row to at least an urgent review at once, whatever the score and even when
    values are missing.

    Parameters
    ----------
    age_months : array-like of float
        Age in months (no missing values); it chooses the age band.
    respiration_rate, spo2, heart_rate, systolic_bp, capillary_refill, temperature :
        array-like of float
        Breaths per minute, %, beats per minute, mmHg, seconds and °C; NaN or None where not
        recorded. Give each parameter the table scores (an optional one may be left out), and
        none that it does not.
    work_of_breathing, consciousness : array-like of str
        One of the table's labels for each row (the default: ``"none"``, ``"mild"``,
        ``"moderate"``, ``"severe"``; ``"A"``, ``"V"``, ``"P"``, ``"U"``); None where not
        recorded.
    on_oxygen : array-like of bool
        True on supplemental oxygen; NaN or None where not recorded.
    carer_concern : array-like of str, or None
        The carer's answer to "how is your child different since I last saw them?":
        ``"worse"``, ``"same"``, ``"better"``, ``"asleep"`` or ``"unavailable"``; None where not
        asked. It is not scored; ``"worse"`` escalates. Pass None when no answers are recorded.
    table : PewsTable, optional
        A table from :func:`load_pews_table`.

    Returns
    -------
    PewsResult
        Each parameter's score, the aggregate, the escalation, the carer's "worse" and the
        reason for each row.

    Raises
    ------
    ValueError, TypeError
        Naming the argument, the row and the value, and what was expected; or naming a
        parameter the table scores that was not given, or one given that it does not score.

    References
    ----------
    NHS England and Royal College of Paediatrics and Child Health. National paediatric early
    warning system (PEWS) observation and escalation charts, System-wide Paediatric
    Observations Tracker (SPOT), 2023: the four age bands and the carer question.
    Parshuram CS, Hutchison J, Middaugh K. Development and initial validation of the Bedside
    Paediatric Early Warning System score. Critical Care 2009;13:R135: the default table's
    bands (docs/wardcare.md says which value comes from where).

    Examples
    --------
    >>> from caresignal.stats.ews import pews
    >>> result = pews([30, 30], [30, 30], work_of_breathing=["none", "none"],
    ...               on_oxygen=[False, False], heart_rate=[100, 100],
    ...               consciousness=["A", "A"], carer_concern=["same", "worse"])
    >>> result.aggregate.tolist(), result.escalation.tolist()
    ([0.0, 0.0], [0, 1])
    """
    table = default_pews_table() if table is None else table
    ages = as_float_array("age_months", age_months, minimum=0.0, maximum=1200.0, allow_empty=True)
    given = {
        "respiration_rate": respiration_rate,
        "work_of_breathing": work_of_breathing,
        "spo2": spo2,
        "on_oxygen": on_oxygen,
        "heart_rate": heart_rate,
        "systolic_bp": systolic_bp,
        "capillary_refill": capillary_refill,
        "consciousness": consciousness,
        "temperature": temperature,
    }
    measurements, categories = _pews_inputs(table, given, len(ages))
    carer = np.full(len(ages), -1, dtype=np.int8)
    if carer_concern is not None:
        carer = as_labels("carer_concern", carer_concern, CARER_ANSWERS)
    same_length({"age_months": ages, **measurements, **categories, "carer_concern": carer})
    band = age_bands_of(table, ages)
    optional = frozenset(name for name, spec in table.parameters.items() if not spec.required)
    worse = carer == WORSE

    out = _outputs(len(ages), tuple(table.parameters), "escalation")

    def chunk(part: slice) -> None:
        scores, unknown = score_pews(
            table,
            band[part],
            {name: array[part] for name, array in measurements.items()},
            {name: array[part] for name, array in categories.items()},
        )
        views = {name: array[part] for name, array in out.items()}
        included = np.zeros(len(band[part]), dtype=np.bool_)
        combined = combine(scores, unknown, included, views, optional)
        views["complete"][...] = combined.complete
        escalation = levels(combined, table.rules, included)
        np.copyto(
            escalation, np.int8(URGENT_REVIEW), where=worse[part] & (escalation < URGENT_REVIEW)
        )
        views["escalation"][...] = escalation
        for name, flags in unknown.items():  # every unknown score here is a missing value
            missing[name][part] = flags

    missing = {name: np.empty(len(ages), dtype=np.bool_) for name in table.parameters}
    in_blocks(len(ages), chunk)
    missing["carer_concern"] = carer < 0
    return PewsResult(
        table=table.title,
        age_band=readonly(band),
        band_names=table.band_names,
        aggregate=readonly(out[""]),
        scores=ScoreColumns({name: readonly(out[name]) for name in table.parameters}),
        missing={name: readonly(missing[name]) for name in (*table.parameters, "carer_concern")},
        escalation=readonly(out["escalation"]),
        carer_worse=readonly(worse),
        reason=readonly(np.where(out["complete"], np.int8(SCORED), np.int8(MISSING_VALUE))),
    )


def _pews_inputs(
    table: PewsTable, given: dict[str, Any], n: int
) -> tuple[dict[str, FloatArray], dict[str, NDArray[np.int8]]]:
    measurements: dict[str, FloatArray] = {}
    categories: dict[str, NDArray[np.int8]] = {}
    for name in PEWS_PARAMETERS:
        spec = table.parameters.get(name)
        raw = given[name]
        if spec is None:
            if raw is not None:
                raise ValueError(
                    f"{name} was given but the table {table.title!r} does not score it; leave "
                    f"it out (the table scores {', '.join(table.parameters)})"
                )
            continue
        if raw is None:
            if spec.required:
                raise ValueError(
                    f"{name} is missing; the table {table.title!r} requires it (give NaN or "
                    "None in the rows where it was not recorded)"
                )
            if spec.kind == "measurement":
                measurements[name] = np.full(n, np.nan)
            else:
                categories[name] = np.full(n, -1, dtype=np.int8)
            continue
        if spec.kind == "measurement":
            unit, low, high = PEWS_MEASUREMENTS[name]
            measurements[name] = as_measurements(name, raw, minimum=low, maximum=high, unit=unit)
        elif name == "on_oxygen":
            flags, missing = as_flags(name, raw)
            categories[name] = np.where(missing, np.int8(-1), flags.view(np.int8))
        else:
            categories[name] = as_labels(name, raw, spec.labels)
    return measurements, categories
