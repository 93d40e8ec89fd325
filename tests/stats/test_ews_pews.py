"""The paediatric early warning score in caresignal.stats.ews, by its shipped default table.

The default table (caresignal/stats/ews_tables/pews.toml) takes its heart rate, systolic blood
pressure and respiratory rate bands from Parshuram CS, Hutchison J, Middaugh K. Development and
initial validation of the Bedside Paediatric Early Warning System score. Critical Care 2009;
13:R135, Table 1 (sub-scores 0, 1, 2 and 4), with its 3–12 month row used for 0–11 months, its
4–12 year row for 5–12 years and its >12 year row for 13 years and over (docs/wardcare.md).

Two kinds of test guard the bands: the hand-written values below, typed from that table for
each age band, fail if the shipped file is wrong; the tests driven from the table check every
edge the file itself declares, on both sides, so that none is left untested.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from caresignal.stats import ews
from caresignal.stats._ews_bands import Bands
from caresignal.stats.ews import default_pews_table, pews

BANDS = ("0-11 months", "1-4 years", "5-12 years", "13 years and over")
AGE_MONTHS = {"0-11 months": 6.0, "1-4 years": 30.0, "5-12 years": 96.0, "13 years and over": 180.0}
# A child scoring 0 in every parameter of its age band (Parshuram 2009 Table 1, sub-score 0).
NORMAL: dict[str, dict[str, Any]] = {
    "0-11 months": {"respiration_rate": 35, "heart_rate": 120, "systolic_bp": 90},
    "1-4 years": {"respiration_rate": 30, "heart_rate": 100, "systolic_bp": 100},
    "5-12 years": {"respiration_rate": 25, "heart_rate": 90, "systolic_bp": 100},
    "13 years and over": {"respiration_rate": 14, "heart_rate": 80, "systolic_bp": 110},
}
SHARED: dict[str, Any] = {
    "work_of_breathing": "none",
    "spo2": 98.0,
    "on_oxygen": False,
    "capillary_refill": 1.0,
    "consciousness": "A",
    "temperature": 37.0,
    "carer_concern": "same",
}


def score_children(band: str, rows: list[dict[str, Any]], **extra: Any) -> ews.PewsResult:
    """Score ``rows`` (each a change to the band's normal child) in one call."""
    full = [{"age_months": AGE_MONTHS[band], **SHARED, **NORMAL[band], **row} for row in rows]
    columns = {key: [row[key] for row in full] for key in full[0]}
    columns.update(extra)
    return pews(columns.pop("age_months"), columns.pop("respiration_rate"), **columns)


def score_one(band: str, parameter: str, value: Any) -> tuple[float, float]:
    result = score_children(band, [{parameter: value}])
    return float(result.scores[parameter][0]), float(result.aggregate[0])


# ---- hand-written: Parshuram et al. 2009, Table 1, for each age band ----

# Heart rate. 3–12 months: 0 >100 and <150; 1 ≥150 or ≤100; 2 ≥170 or ≤80; 4 ≥180 or ≤70.
# 1–4 years: 0 >90 and <120; 1 ≥120 or ≤90; 2 ≥150 or ≤70; 4 ≥170 or ≤60.
# 4–12 years: 0 >70 and <110; 1 ≥110 or ≤70; 2 ≥130 or ≤60; 4 >150 or ≤50.
# >12 years: 0 >60 and <100; 1 ≥100 or ≤60; 2 ≥120 or <50; 4 ≥140 or ≤40.
HEART_RATE = {
    "0-11 months": [
        (70, 4),
        (71, 2),
        (80, 2),
        (81, 1),
        (100, 1),
        (101, 0),
        (149, 0),
        (150, 1),
        (169, 1),
        (170, 2),
        (179, 2),
        (180, 4),
    ],
    "1-4 years": [
        (60, 4),
        (61, 2),
        (70, 2),
        (71, 1),
        (90, 1),
        (91, 0),
        (119, 0),
        (120, 1),
        (149, 1),
        (150, 2),
        (169, 2),
        (170, 4),
    ],
    "5-12 years": [
        (50, 4),
        (51, 2),
        (60, 2),
        (61, 1),
        (70, 1),
        (71, 0),
        (109, 0),
        (110, 1),
        (129, 1),
        (130, 2),
        (150, 2),
        (151, 4),
    ],
    "13 years and over": [
        (40, 4),
        (41, 2),
        (49, 2),
        (50, 1),
        (60, 1),
        (61, 0),
        (99, 0),
        (100, 1),
        (119, 1),
        (120, 2),
        (139, 2),
        (140, 4),
    ],
}
# Systolic blood pressure. 3–12 months: 0 >80 and <100; 1 ≥100 or ≤80; 2 ≥120 or ≤70;
# 4 ≥150 or ≤60. 1–4 years: 0 >90 and <110; 1 ≥110 or ≤90; 2 ≥125 or ≤75; 4 ≥160 or ≤65.
# 4–12 years: 0 >90 and <120; 1 ≥120 or ≤90; 2 ≥140 or ≤80; 4 ≥170 or ≤70.
# >12 years: 0 >100 and <130; 1 ≥130 or ≤100; 2 ≥150 or ≤85; 4 ≥190 or ≤75.
SYSTOLIC = {
    "0-11 months": [
        (60, 4),
        (61, 2),
        (70, 2),
        (71, 1),
        (80, 1),
        (81, 0),
        (99, 0),
        (100, 1),
        (119, 1),
        (120, 2),
        (149, 2),
        (150, 4),
    ],
    "1-4 years": [
        (65, 4),
        (66, 2),
        (75, 2),
        (76, 1),
        (90, 1),
        (91, 0),
        (109, 0),
        (110, 1),
        (124, 1),
        (125, 2),
        (159, 2),
        (160, 4),
    ],
    "5-12 years": [
        (70, 4),
        (71, 2),
        (80, 2),
        (81, 1),
        (90, 1),
        (91, 0),
        (119, 0),
        (120, 1),
        (139, 1),
        (140, 2),
        (169, 2),
        (170, 4),
    ],
    "13 years and over": [
        (75, 4),
        (76, 2),
        (85, 2),
        (86, 1),
        (100, 1),
        (101, 0),
        (129, 0),
        (130, 1),
        (149, 1),
        (150, 2),
        (189, 2),
        (190, 4),
    ],
}
# Respiratory rate. 3–12 months: 0 >24 and <51; 1 ≥51 or ≤24; 2 ≥71 or ≤19; 4 ≥81 or ≤15.
# 1–4 years: 0 >19 and <41; 1 ≥41 or ≤19; 2 ≥61 or ≤15; 4 ≥71 or ≤12.
# 4–12 years: 0 >19 and <31; 1 ≥31 or ≤19; 2 ≥41 or ≤14; 4 ≥51 or ≤10.
# >12 years: 0 >11 and <17; 1 ≥17 or ≤11; 2 ≥23 or ≤10; 4 ≥30 or ≤9.
RESPIRATION = {
    "0-11 months": [
        (15, 4),
        (16, 2),
        (19, 2),
        (20, 1),
        (24, 1),
        (25, 0),
        (50, 0),
        (51, 1),
        (70, 1),
        (71, 2),
        (80, 2),
        (81, 4),
    ],
    "1-4 years": [
        (12, 4),
        (13, 2),
        (15, 2),
        (16, 1),
        (19, 1),
        (20, 0),
        (40, 0),
        (41, 1),
        (60, 1),
        (61, 2),
        (70, 2),
        (71, 4),
    ],
    "5-12 years": [
        (10, 4),
        (11, 2),
        (14, 2),
        (15, 1),
        (19, 1),
        (20, 0),
        (30, 0),
        (31, 1),
        (40, 1),
        (41, 2),
        (50, 2),
        (51, 4),
    ],
    "13 years and over": [
        (9, 4),
        (10, 2),
        (11, 1),
        (12, 0),
        (16, 0),
        (17, 1),
        (22, 1),
        (23, 2),
        (29, 2),
        (30, 4),
    ],
}
# Rows shared by every age band. Respiratory effort: normal 0, mild 1, moderate 2, severe 4;
# oxygen therapy: room air 0, oxygen 2; SpO2: ≤90 2, 91–94 1, ≥95 0; capillary refill: <3 s 0,
# ≥3 s 4 (Parshuram 2009 Table 1). Temperature, the same table's candidate item: 36–38.5 0;
# <36 or >38.5 1; <35 or >40 2. Consciousness, caresignal's default after NEWS2: A 0, V/P/U 4.
SHARED_ROWS = [
    ("work_of_breathing", "none", 0),
    ("work_of_breathing", "mild", 1),
    ("work_of_breathing", "moderate", 2),
    ("work_of_breathing", "severe", 4),
    ("on_oxygen", False, 0),
    ("on_oxygen", True, 2),
    ("spo2", 90, 2),
    ("spo2", 91, 1),
    ("spo2", 94, 1),
    ("spo2", 95, 0),
    ("capillary_refill", 2.9, 0),
    ("capillary_refill", 3.0, 4),
    ("capillary_refill", 2.95, 4),  # between the printed bands: the higher score
    ("temperature", 34.9, 2),
    ("temperature", 35.0, 1),
    ("temperature", 35.9, 1),
    ("temperature", 36.0, 0),
    ("temperature", 38.5, 0),
    ("temperature", 38.6, 1),
    ("temperature", 40.0, 1),
    ("temperature", 40.1, 2),
    ("temperature", 38.55, 1),  # between the printed bands: the higher score
    ("consciousness", "A", 0),
    ("consciousness", "V", 4),
    ("consciousness", "P", 4),
    ("consciousness", "U", 4),
]


def _cases(values: dict[str, list[tuple[int, int]]]) -> list[tuple[str, int, int]]:
    return [(band, value, score) for band, pairs in values.items() for value, score in pairs]


@pytest.mark.parametrize(("band", "value", "expected"), _cases(HEART_RATE))
def test_heart_rate_by_hand(band: str, value: int, expected: int) -> None:
    assert score_one(band, "heart_rate", value) == (expected, expected)


@pytest.mark.parametrize(("band", "value", "expected"), _cases(SYSTOLIC))
def test_systolic_bp_by_hand(band: str, value: int, expected: int) -> None:
    assert score_one(band, "systolic_bp", value) == (expected, expected)


@pytest.mark.parametrize(("band", "value", "expected"), _cases(RESPIRATION))
def test_respiration_rate_by_hand(band: str, value: int, expected: int) -> None:
    assert score_one(band, "respiration_rate", value) == (expected, expected)


@pytest.mark.parametrize("band", BANDS)
@pytest.mark.parametrize(("parameter", "value", "expected"), SHARED_ROWS)
def test_shared_rows_by_hand(band: str, parameter: str, value: Any, expected: int) -> None:
    assert score_one(band, parameter, value) == (expected, expected)


def test_default_table_has_the_four_spot_age_bands() -> None:
    table = default_pews_table()
    assert table.band_names == BANDS
    assert table.band_starts == (0.0, 12.0, 60.0, 156.0)


@pytest.mark.parametrize(
    ("age_months", "band"),
    [(0, 0), (11.99, 0), (12, 1), (59.99, 1), (60, 2), (155.99, 2), (156, 3), (215, 3)],
)
def test_age_band_edges(age_months: float, band: int) -> None:
    # 0–11 months is [0, 12); 1–4 years [12, 60); 5–12 years [60, 156); 13+ from 156 months.
    result = score_children("1-4 years", [{"age_months": age_months}])
    assert result.age_band[0] == band


# ---- driven from the table: every declared edge, both sides, in every age band ----


def _declared_edges() -> list[tuple[str, str, float, int]]:
    table = default_pews_table()
    cases = []
    for name, chart in zip(table.band_names, table.charts, strict=True):
        for parameter, row in chart.items():
            if not isinstance(row, Bands):
                continue
            for k, score in enumerate(row.scores):
                low, high = row.lower[k], row.upper[k]
                cases += [(name, parameter, bound, score) for bound in (low, high) if bound]
                if low is None and high is not None:
                    cases.append((name, parameter, high - 5 * row.resolution, score))
                if high is None and low is not None:
                    cases.append((name, parameter, low + 5 * row.resolution, score))
    return cases


@pytest.mark.parametrize(("band", "parameter", "value", "expected"), _declared_edges())
def test_every_declared_edge_scores_its_band(
    band: str, parameter: str, value: float, expected: int
) -> None:
    assert score_one(band, parameter, value) == (expected, expected)


def test_hand_written_values_are_exactly_the_printed_edges() -> None:
    # Every printed bound of heart rate, systolic BP and respiratory rate in the shipped table
    # is checked by hand above, and no hand-written value is missing from the table.
    table = default_pews_table()
    printed = set()
    for name, chart in zip(table.band_names, table.charts, strict=True):
        for parameter in ("heart_rate", "systolic_bp", "respiration_rate"):
            row = chart[parameter]
            assert isinstance(row, Bands)
            bounds = (*row.lower, *row.upper)
            printed |= {(name, parameter, float(b)) for b in bounds if b is not None}
    by_hand = {(b, "heart_rate", float(v)) for b, v, _ in _cases(HEART_RATE)}
    by_hand |= {(b, "systolic_bp", float(v)) for b, v, _ in _cases(SYSTOLIC)}
    by_hand |= {(b, "respiration_rate", float(v)) for b, v, _ in _cases(RESPIRATION)}
    assert printed == by_hand


# ---- escalation, the carer's answer and missing values ----


def test_escalation_at_an_aggregate_of_eight() -> None:
    # 1–4 years: HR 170 (4) + RR 71 (4) = 8; HR 170 (4) + RR 61 (2) + mild effort (1) = 7.
    result = score_children(
        "1-4 years",
        [
            {"heart_rate": 170, "respiration_rate": 71},
            {"heart_rate": 170, "respiration_rate": 61, "work_of_breathing": "mild"},
        ],
    )
    assert result.aggregate.tolist() == [8, 7]
    assert result.escalation.tolist() == [ews.URGENT_REVIEW, ews.NO_TRIGGER]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("worse", ews.URGENT_REVIEW),
        ("same", ews.NO_TRIGGER),
        ("better", ews.NO_TRIGGER),
        ("asleep", ews.NO_TRIGGER),
        ("unavailable", ews.NO_TRIGGER),
        (None, ews.NO_TRIGGER),
    ],
)
def test_carer_worse_escalates_whatever_the_score(answer: str | None, expected: int) -> None:
    # NHS England / RCPCH national PEWS (SPOT): a parent's or carer's "worse" escalates at once.
    result = score_children("5-12 years", [{"carer_concern": answer}])
    assert result.aggregate[0] == 0
    assert result.escalation[0] == expected
    assert result.carer_worse[0] == (answer == "worse")
    assert result.missing["carer_concern"][0] == (answer is None)


def test_carer_worse_escalates_even_when_a_value_is_missing() -> None:
    result = score_children(
        "0-11 months",
        [{"heart_rate": None, "carer_concern": "worse"}, {"heart_rate": None}],
    )
    assert np.isnan(result.aggregate).all()
    assert result.escalation.tolist() == [ews.URGENT_REVIEW, ews.NOT_DETERMINED]
    assert result.explain(0) == (
        "row 0 (0-11 months): no aggregate score: heart_rate is missing; known scores: "
        "respiration_rate 0, work_of_breathing 0, spo2 0, on_oxygen 0, systolic_bp 0, "
        "capillary_refill 0, consciousness 0, temperature 0; escalation: urgent review (at "
        "least; the known values already reach it); the carer says the child is worse"
    )


def test_carer_worse_keeps_a_higher_level() -> None:
    table = default_pews_table()
    assert [rule.level for rule in table.rules] == [ews.URGENT_REVIEW]
    result = score_children(
        "1-4 years", [{"heart_rate": 170, "respiration_rate": 71, "carer_concern": "worse"}]
    )
    assert result.escalation[0] == ews.URGENT_REVIEW


def test_carer_answers_may_be_left_out() -> None:
    result = score_children("1-4 years", [{}, {}], carer_concern=None)
    assert result.missing["carer_concern"].tolist() == [True, True]
    assert result.escalation.tolist() == [ews.NO_TRIGGER] * 2


def test_optional_parameter_missing_still_scores_the_row() -> None:
    # The default table marks SpO2, capillary refill, blood pressure and temperature optional.
    result = score_children("1-4 years", [{"spo2": None, "heart_rate": 170}])
    assert result.aggregate[0] == 4
    assert result.reason[0] == ews.SCORED
    assert result.missing["spo2"][0]
    assert math.isnan(result.scores["spo2"][0])


def test_optional_parameters_may_be_left_out_entirely() -> None:
    result = pews(
        [30, 30],
        [30, 30],
        work_of_breathing=["none", "none"],
        on_oxygen=[False, False],
        heart_rate=[100, 100],
        consciousness=["A", "A"],
        carer_concern=None,
    )
    assert result.aggregate.tolist() == [0, 0]
    assert result.missing["temperature"].all()


def test_required_parameter_missing_leaves_no_aggregate() -> None:
    result = score_children("13 years and over", [{"consciousness": None}, {}])
    assert math.isnan(result.aggregate[0])
    assert result.reason.tolist() == [ews.MISSING_VALUE, ews.SCORED]
    assert result.escalation[0] == ews.NOT_DETERMINED


def test_explain_a_scored_row() -> None:
    result = score_children("13 years and over", [{"heart_rate": 140}])
    assert result.explain(0) == (
        "row 0 (13 years and over): PEWS 4 (respiration_rate 0, work_of_breathing 0, spo2 0, "
        "on_oxygen 0, heart_rate 4, systolic_bp 0, capillary_refill 0, consciousness 0, "
        "temperature 0); escalation: none"
    )
    assert result.table == default_pews_table().title


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"age_months": -1}, ValueError, r"age_months\[0\] is -1.0"),
        ({"age_months": np.nan}, ValueError, r"age_months\[0\] is nan"),
        ({"heart_rate": 1000}, ValueError, r"heart_rate\[0\] is 1000.0; expected beats per min"),
        ({"capillary_refill": -2}, ValueError, r"capillary_refill\[0\] is -2.0; expected seconds"),
        ({"work_of_breathing": "grunting"}, ValueError, r"work_of_breathing\[0\] is 'grunting'"),
        ({"consciousness": "C"}, ValueError, r"expected one of 'A', 'V', 'P', 'U'"),
        ({"carer_concern": "Worse"}, ValueError, r"carer_concern\[0\] is 'Worse'; expected one"),
    ],
)
def test_bad_input_is_refused(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        score_children("1-4 years", [changes])


def test_a_required_parameter_must_be_given() -> None:
    with pytest.raises(ValueError, match=r"consciousness is missing; the table .* requires it"):
        pews(
            [30],
            [30],
            work_of_breathing=["none"],
            on_oxygen=[False],
            heart_rate=[100],
            carer_concern=None,
        )


def test_results_are_frozen_and_repeatable() -> None:
    # The contract of every caresignal.stats function (tests/stats/test_contract.py).
    first = score_children("5-12 years", [{"heart_rate": 151}, {"spo2": None}])
    again = score_children("5-12 years", [{"heart_rate": 151}, {"spo2": None}])
    with pytest.raises(AttributeError):
        first.aggregate = again.aggregate  # type: ignore[misc]
    np.testing.assert_array_equal(first.aggregate, again.aggregate)
    np.testing.assert_array_equal(first.escalation, again.escalation)
    for name in first.scores:
        np.testing.assert_array_equal(first.scores[name], again.scores[name])
        assert not first.scores[name].flags.writeable
