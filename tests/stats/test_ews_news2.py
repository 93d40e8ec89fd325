"""NEWS2 in caresignal.stats.ews against the Royal College of Physicians' chart.

Every expected score below is read from: Royal College of Physicians. National Early Warning
Score (NEWS) 2: Standardising the assessment of acute-illness severity in the NHS. Updated
report of a working party. London: RCP, 2017 — Chart 1 ("The NEWS scoring system") for the
parameter scores and the chart "NEWS thresholds and triggers" for the triggers. The same values
are in DOMAIN.md section 6. Each band edge is tested on both sides.
"""

from __future__ import annotations

from typing import Any

import pytest

from caresignal.stats import ews
from caresignal.stats.ews import news2

# A row that scores 0 in every parameter (RCP 2017 Chart 1): RR 12–20, SpO2 ≥96 (scale 1), air,
# systolic 111–219, pulse 51–90, alert, temperature 36.1–38.0.
NORMAL: dict[str, Any] = {
    "respiration_rate": 16.0,
    "spo2": 97.0,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 120.0,
    "pulse": 70.0,
    "consciousness": "A",
    "temperature": 37.0,
}


def score_rows(rows: list[dict[str, Any]], **extra: Any) -> ews.News2Result:
    """Score ``rows`` (each a change to NORMAL) in one call."""
    full = [{**NORMAL, **row} for row in rows]
    columns = {key: [row[key] for row in full] for key in NORMAL}
    return news2(
        columns["respiration_rate"],
        columns["spo2"],
        spo2_scale=columns["spo2_scale"],
        on_oxygen=columns["on_oxygen"],
        systolic_bp=columns["systolic_bp"],
        pulse=columns["pulse"],
        consciousness=columns["consciousness"],
        temperature=columns["temperature"],
        **extra,
    )


def score_one(parameter: str, value: Any, **row: Any) -> tuple[float, float]:
    """The parameter's score and the aggregate for NORMAL with ``parameter`` set to ``value``."""
    result = score_rows([{parameter: value, **row}])
    return float(result.scores[parameter][0]), float(result.aggregate[0])


# RCP 2017 Chart 1, "Respiration rate (per minute)": ≤8: 3; 9–11: 1; 12–20: 0; 21–24: 2; ≥25: 3.
RESPIRATION = [
    (0, 3),
    (8, 3),
    (9, 1),
    (11, 1),
    (12, 0),
    (20, 0),
    (21, 2),
    (24, 2),
    (25, 3),
    (60, 3),
]
# RCP 2017 Chart 1, "SpO2 Scale 1 (%)": ≤91: 3; 92–93: 2; 94–95: 1; ≥96: 0.
SPO2_SCALE_1 = [(70, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)]
# RCP 2017 Chart 1, "Systolic BP (mmHg)": ≤90: 3; 91–100: 2; 101–110: 1; 111–219: 0; ≥220: 3.
SYSTOLIC = [(60, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)]
# RCP 2017 Chart 1, "Pulse (per minute)": ≤40: 3; 41–50: 1; 51–90: 0; 91–110: 1; 111–130: 2;
# ≥131: 3.
PULSE = [
    (30, 3),
    (40, 3),
    (41, 1),
    (50, 1),
    (51, 0),
    (90, 0),
    (91, 1),
    (110, 1),
    (111, 2),
    (130, 2),
    (131, 3),
    (180, 3),
]
# RCP 2017 Chart 1, "Temperature (°C)": ≤35.0: 3; 35.1–36.0: 1; 36.1–38.0: 0; 38.1–39.0: 1;
# ≥39.1: 2.
TEMPERATURE = [
    (34.0, 3),
    (35.0, 3),
    (35.1, 1),
    (36.0, 1),
    (36.1, 0),
    (38.0, 0),
    (38.1, 1),
    (39.0, 1),
    (39.1, 2),
    (41.0, 2),
]


@pytest.mark.parametrize(("value", "expected"), RESPIRATION)
def test_respiration_rate_band_edges(value: float, expected: int) -> None:
    assert score_one("respiration_rate", value) == (expected, expected)


@pytest.mark.parametrize(("value", "expected"), SPO2_SCALE_1)
def test_spo2_scale_1_band_edges(value: float, expected: int) -> None:
    assert score_one("spo2", value) == (expected, expected)


@pytest.mark.parametrize(("value", "expected"), SPO2_SCALE_1)
def test_spo2_scale_1_is_the_same_on_oxygen(value: float, expected: int) -> None:
    # Scale 1 does not depend on air or oxygen; oxygen adds its own 2 (RCP 2017 Chart 1).
    assert score_one("spo2", value, on_oxygen=True) == (expected, expected + 2)


# RCP 2017 Chart 1, "SpO2 Scale 2 (%)" on air: ≤83: 3; 84–85: 2; 86–87: 1; 88–92: 0; ≥93 on air: 0.
@pytest.mark.parametrize(
    ("value", "expected"),
    [(80, 3), (83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 0), (100, 0)],
)
def test_spo2_scale_2_on_air_band_edges(value: float, expected: int) -> None:
    assert score_one("spo2", value, spo2_scale=2) == (expected, expected)


# RCP 2017 Chart 1, "SpO2 Scale 2 (%)" on oxygen: ≤83: 3; 84–85: 2; 86–87: 1; 88–92: 0;
# 93–94 on oxygen: 1; 95–96 on oxygen: 2; ≥97 on oxygen: 3. Oxygen itself scores 2.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (80, 3),
        (83, 3),
        (84, 2),
        (85, 2),
        (86, 1),
        (87, 1),
        (88, 0),
        (92, 0),
        (93, 1),
        (94, 1),
        (95, 2),
        (96, 2),
        (97, 3),
        (100, 3),
    ],
)
def test_spo2_scale_2_on_oxygen_band_edges(value: float, expected: int) -> None:
    assert score_one("spo2", value, spo2_scale=2, on_oxygen=True) == (expected, expected + 2)


def test_air_or_oxygen() -> None:
    # RCP 2017 Chart 1, "Air or oxygen?": air 0, oxygen 2.
    assert score_one("on_oxygen", False) == (0, 0)
    assert score_one("on_oxygen", True) == (2, 2)


@pytest.mark.parametrize(("value", "expected"), SYSTOLIC)
def test_systolic_bp_band_edges(value: float, expected: int) -> None:
    assert score_one("systolic_bp", value) == (expected, expected)


@pytest.mark.parametrize(("value", "expected"), PULSE)
def test_pulse_band_edges(value: float, expected: int) -> None:
    assert score_one("pulse", value) == (expected, expected)


# RCP 2017 Chart 1, "Consciousness": alert 0; CVPU (new confusion, voice, pain, unresponsive) 3.
@pytest.mark.parametrize(("value", "expected"), [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
def test_consciousness(value: str, expected: int) -> None:
    assert score_one("consciousness", value) == (expected, expected)


@pytest.mark.parametrize(("value", "expected"), TEMPERATURE)
def test_temperature_band_edges(value: float, expected: int) -> None:
    assert score_one("temperature", value) == (expected, expected)


# A value between two printed bands takes the higher of the two neighbouring scores
# (docs/wardcare.md): the bands either side are from RCP 2017 Chart 1.
@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        ("temperature", 35.05, 3),  # between ≤35.0 (3) and 35.1–36.0 (1)
        ("temperature", 36.05, 1),  # between 35.1–36.0 (1) and 36.1–38.0 (0)
        ("temperature", 38.05, 1),  # between 36.1–38.0 (0) and 38.1–39.0 (1)
        ("temperature", 39.05, 2),  # between 38.1–39.0 (1) and ≥39.1 (2)
        ("respiration_rate", 8.5, 3),  # between ≤8 (3) and 9–11 (1)
        ("respiration_rate", 11.5, 1),  # between 9–11 (1) and 12–20 (0)
        ("respiration_rate", 20.5, 2),  # between 12–20 (0) and 21–24 (2)
        ("respiration_rate", 24.5, 3),  # between 21–24 (2) and ≥25 (3)
        ("spo2", 91.5, 3),  # between ≤91 (3) and 92–93 (2)
        ("spo2", 95.5, 1),  # between 94–95 (1) and ≥96 (0)
        ("systolic_bp", 110.5, 1),  # between 101–110 (1) and 111–219 (0)
        ("systolic_bp", 219.5, 3),  # between 111–219 (0) and ≥220 (3)
        ("pulse", 50.5, 1),  # between 41–50 (1) and 51–90 (0)
        ("pulse", 130.5, 3),  # between 111–130 (2) and ≥131 (3)
    ],
)
def test_value_between_bands_takes_the_higher_score(
    parameter: str, value: float, expected: int
) -> None:
    assert score_one(parameter, value) == (expected, expected)


def test_spo2_between_scale_2_oxygen_bands() -> None:
    # 92.5 % on oxygen lies between 88–92 (0) and 93–94 on oxygen (1): it scores 1.
    assert score_one("spo2", 92.5, spo2_scale=2, on_oxygen=True) == (1, 3)


# ---- triggers: RCP 2017, "NEWS thresholds and triggers" ----


def test_triggers_by_aggregate_and_single_parameter() -> None:
    result = score_rows(
        [
            {"respiration_rate": 21, "pulse": 91, "temperature": 38.1},  # 2 + 1 + 1 = 4
            {"respiration_rate": 25},  # a single 3 (aggregate 3)
            {"respiration_rate": 21, "pulse": 111, "temperature": 38.1},  # 2 + 2 + 1 = 5
            {"respiration_rate": 21, "pulse": 111, "temperature": 39.1},  # 2 + 2 + 2 = 6
            {"respiration_rate": 21, "pulse": 111, "temperature": 39.1, "systolic_bp": 105},  # 7
            {},  # 0
        ]
    )
    assert result.aggregate.tolist() == [4, 3, 5, 6, 7, 0]
    assert result.trigger.tolist() == [
        ews.NO_TRIGGER,
        ews.URGENT_REVIEW,
        ews.URGENT_REVIEW,
        ews.URGENT_REVIEW,
        ews.EMERGENCY_RESPONSE,
        ews.NO_TRIGGER,
    ]
    assert [ews.TRIGGERS[int(level)] for level in result.trigger[:2]] == ["none", "urgent review"]


@pytest.mark.parametrize("parameter", ["spo2", "systolic_bp", "pulse", "temperature"])
def test_any_single_parameter_scoring_three_triggers_urgent_review(parameter: str) -> None:
    # Each row has one abnormal parameter, at a value that scores 3 (RCP 2017 Chart 1).
    value = {"spo2": 91, "systolic_bp": 90, "pulse": 40, "temperature": 35.0}[parameter]
    result = score_rows([{parameter: value}])
    assert result.aggregate.tolist() == [3]
    assert result.trigger.tolist() == [ews.URGENT_REVIEW]


def test_temperature_scoring_two_alone_does_not_trigger() -> None:
    assert score_rows([{"temperature": 39.1}]).trigger.tolist() == [ews.NO_TRIGGER]


# ---- whole patients, each score read from RCP 2017 Chart 1 ----


def test_whole_patient_emergency_response() -> None:
    # RR 23 (21–24: 2), SpO2 93 % scale 1 (92–93: 2), on oxygen (2), systolic 105 (101–110: 1),
    # pulse 112 (111–130: 2), alert (0), 38.4 °C (38.1–39.0: 1): NEWS2 10, emergency response.
    result = score_rows(
        [
            {
                "respiration_rate": 23,
                "spo2": 93,
                "on_oxygen": True,
                "systolic_bp": 105,
                "pulse": 112,
                "temperature": 38.4,
            }
        ]
    )
    assert {name: float(values[0]) for name, values in result.scores.items()} == {
        "respiration_rate": 2,
        "spo2": 2,
        "on_oxygen": 2,
        "systolic_bp": 1,
        "pulse": 2,
        "consciousness": 0,
        "temperature": 1,
    }
    assert result.aggregate[0] == 10
    assert result.trigger[0] == ews.EMERGENCY_RESPONSE
    assert result.reason[0] == ews.SCORED


def test_whole_patient_on_scale_2_compared_with_scale_1() -> None:
    # A patient with hypercapnic respiratory failure at 90 % on air: scale 2 scores 0 (88–92),
    # scale 1 would score 3 (≤91) and call for an urgent review.
    scale_2 = score_rows([{"spo2": 90, "spo2_scale": 2}])
    scale_1 = score_rows([{"spo2": 90, "spo2_scale": 1}])
    assert (scale_2.aggregate[0], scale_2.trigger[0]) == (0, ews.NO_TRIGGER)
    assert (scale_1.aggregate[0], scale_1.trigger[0]) == (3, ews.URGENT_REVIEW)


def test_whole_patient_over_oxygenated_on_scale_2() -> None:
    # Scale 2, 97 % on oxygen: SpO2 3 (≥97 on O2) + oxygen 2 = 5, urgent review.
    result = score_rows([{"spo2": 97, "spo2_scale": 2, "on_oxygen": True}])
    assert (result.aggregate[0], result.trigger[0]) == (5, ews.URGENT_REVIEW)


def test_whole_patient_new_confusion() -> None:
    # New confusion alone scores 3 (RCP 2017: "C" for new confusion, scored like V, P, U).
    result = score_rows([{"consciousness": "C"}])
    assert (result.aggregate[0], result.trigger[0]) == (3, ews.URGENT_REVIEW)


def test_whole_patient_worst_scores_reach_twenty() -> None:
    # The chart's maximum: 3 + 3 + 2 + 3 + 3 + 3 + 3 (temperature ≤35.0) = 20.
    result = score_rows(
        [
            {
                "respiration_rate": 6,
                "spo2": 85,
                "on_oxygen": True,
                "systolic_bp": 80,
                "pulse": 140,
                "consciousness": "U",
                "temperature": 34.0,
            }
        ]
    )
    assert result.aggregate[0] == 20


def test_explain_says_score_and_trigger() -> None:
    result = score_rows([{"respiration_rate": 25}])
    assert result.explain(0) == (
        "row 0: NEWS2 3 (respiration_rate 3, spo2 0, on_oxygen 0, systolic_bp 0, pulse 0, "
        "consciousness 0, temperature 0); trigger: urgent review"
    )
