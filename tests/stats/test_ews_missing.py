"""NEWS2's handling of missing values, excluded patients and bad input (caresignal.stats.ews).

The scores are read from the Royal College of Physicians' NEWS2 chart (RCP 2017, Chart 1); the
rules for missing values and exclusions are caresignal's, documented in docs/wardcare.md:
a missing value is never scored 0, a row with one has no aggregate and names what is missing,
and its trigger is what its known values already reach. RCP 2017 says NEWS2 is not for people
under 16 or pregnant women.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from test_ews_news2 import NORMAL, score_rows

from caresignal.stats import ews
from caresignal.stats.ews import news2


def test_missing_value_leaves_no_aggregate_and_says_which() -> None:
    result = score_rows([{"respiration_rate": np.nan}, {"temperature": None}, {}])
    assert math.isnan(result.aggregate[0])
    assert math.isnan(result.aggregate[1])
    assert result.aggregate[2] == 0
    assert result.reason.tolist() == [ews.MISSING_VALUE, ews.MISSING_VALUE, ews.SCORED]
    assert result.missing["respiration_rate"].tolist() == [True, False, False]
    assert result.missing["temperature"].tolist() == [False, True, False]
    assert math.isnan(result.scores["respiration_rate"][0])
    assert result.scores["pulse"][0] == 0  # the known values keep their scores
    assert result.trigger[0] == ews.NOT_DETERMINED
    assert result.explain(0) == (
        "row 0: no aggregate score: respiration_rate is missing; known scores: spo2 0, "
        "on_oxygen 0, systolic_bp 0, pulse 0, consciousness 0, temperature 0; "
        "trigger: not determined"
    )


def test_missing_category_and_oxygen() -> None:
    result = score_rows([{"consciousness": None}, {"consciousness": ""}, {"on_oxygen": None}])
    assert result.missing["consciousness"].tolist() == [True, True, False]
    assert result.missing["on_oxygen"].tolist() == [False, False, True]
    assert np.isnan(result.aggregate).all()


def test_known_single_three_triggers_even_with_a_missing_value() -> None:
    # Pulse 131 scores 3 (RCP 2017 Chart 1); a missing value could only add to the score.
    result = score_rows([{"pulse": 131, "temperature": np.nan}])
    assert math.isnan(result.aggregate[0])
    assert result.trigger[0] == ews.URGENT_REVIEW
    assert "(at least; the known values already reach it)" in result.explain(0)


def test_known_values_reaching_seven_trigger_emergency_even_with_a_missing_value() -> None:
    # RR 25 (3) + pulse 131 (3) + systolic 105 (1) = 7 without temperature.
    result = score_rows(
        [{"respiration_rate": 25, "pulse": 131, "systolic_bp": 105, "temperature": np.nan}]
    )
    assert result.trigger[0] == ews.EMERGENCY_RESPONSE


def test_scale_2_without_air_or_oxygen() -> None:
    # On scale 2, 95 % scores 0 on air but 2 on oxygen, so without on_oxygen it has no score;
    # 85 % scores 2 either way (RCP 2017 Chart 1).
    result = score_rows(
        [
            {"spo2": 95, "spo2_scale": 2, "on_oxygen": None},
            {"spo2": 85, "spo2_scale": 2, "on_oxygen": None},
        ]
    )
    assert math.isnan(result.scores["spo2"][0])
    assert result.scores["spo2"][1] == 2
    assert result.missing["spo2"].tolist() == [False, False]
    assert result.missing["on_oxygen"].tolist() == [True, True]


def test_under_16_and_pregnancy_are_not_scored() -> None:
    rows: list[dict[str, Any]] = [{}, {}, {}, {}]
    result = score_rows(
        rows, age_years=[15.9, 16.0, 40.0, 15.0], pregnant=[False, False, True, True]
    )
    assert result.reason.tolist() == [ews.UNDER_16, ews.SCORED, ews.PREGNANT, ews.UNDER_16]
    assert np.isnan(result.aggregate[[0, 2, 3]]).all()
    assert result.aggregate[1] == 0
    assert (
        result.trigger.tolist() == [ews.NOT_DETERMINED, ews.NO_TRIGGER] + [ews.NOT_DETERMINED] * 2
    )
    assert np.isnan(result.scores["pulse"][0])
    assert result.explain(2) == "row 2: not scored: pregnant: NEWS2 is not for use in pregnancy"
    assert ews.REASONS[ews.UNDER_16].startswith("under 16 years")


def test_inputs_of_every_kind_give_the_same_scores() -> None:
    values = [8, 25, None]
    expected = [3.0, 3.0]
    as_list = score_rows([{"respiration_rate": v} for v in values]).scores["respiration_rate"]
    series = pl.Series([8.0, 25.0, None])
    as_polars = news2(
        series,
        [97] * 3,
        on_oxygen=np.zeros(3, dtype=bool),
        systolic_bp=np.full(3, 120.0),
        pulse=(70, 70, 70),
        consciousness=np.array(["A", "A", "A"]),
        temperature=[37.0] * 3,
    ).scores["respiration_rate"]
    assert as_list[:2].tolist() == expected
    assert as_polars[:2].tolist() == expected
    assert math.isnan(as_list[2])
    assert math.isnan(as_polars[2])


def test_consciousness_as_codes() -> None:
    # Codes are positions in CONSCIOUSNESS_LABELS ("A", "C", "V", "P", "U"); -1 is missing.
    result = score_rows([{} for _ in range(3)])
    coded = news2(
        [16] * 3,
        [97] * 3,
        on_oxygen=[False] * 3,
        systolic_bp=[120] * 3,
        pulse=[70] * 3,
        consciousness=np.array([0, 2, -1]),
        temperature=[37.0] * 3,
    )
    assert ews.CONSCIOUSNESS_LABELS == ("A", "C", "V", "P", "U")
    assert coded.scores["consciousness"][:2].tolist() == [0, 3]
    assert coded.missing["consciousness"].tolist() == [False, False, True]
    assert result.aggregate.tolist() == [0, 0, 0]


def test_inputs_are_not_changed_and_results_are_read_only() -> None:
    rate = np.array([16.0, np.nan, 30.0])
    before = rate.copy()
    result = news2(
        rate,
        [97] * 3,
        on_oxygen=[False] * 3,
        systolic_bp=[120] * 3,
        pulse=[70] * 3,
        consciousness=["A"] * 3,
        temperature=[37.0] * 3,
    )
    np.testing.assert_array_equal(rate, before)
    for array in (result.aggregate, result.trigger, result.reason, result.scores["spo2"]):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        result.missing["respiration_rate"][0] = True


def test_empty_input() -> None:
    result = score_rows([])
    assert result.aggregate.shape == (0,)
    assert result.scores["pulse"].shape == (0,)


def _call(**changes: Any) -> ews.News2Result:
    arguments: dict[str, Any] = {key: [value] * 2 for key, value in NORMAL.items()}
    arguments.update(changes)
    return news2(arguments.pop("respiration_rate"), arguments.pop("spo2"), **arguments)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"respiration_rate": [16, -1]}, ValueError, r"respiration_rate\[1\] is -1.0; expected"),
        ({"temperature": [98.6, 37]}, ValueError, r"temperature\[0\] is 98.6; expected °C from 10"),
        ({"spo2": [97, 101]}, ValueError, r"spo2\[1\] is 101.0; expected % from 0 to 100"),
        ({"pulse": [np.inf, 70]}, ValueError, r"pulse\[0\] is inf"),
        ({"systolic_bp": ["120", "high"]}, TypeError, r"systolic_bp must hold numbers \(mmHg\)"),
        (
            {"consciousness": ["A", "confused"]},
            ValueError,
            r"consciousness\[1\] is 'confused'; expected one of 'A', 'C', 'V', 'P', 'U'",
        ),
        ({"consciousness": ["A", "a"]}, ValueError, r"consciousness\[1\] is 'a'"),
        ({"consciousness": ["A", 3]}, ValueError, r"consciousness\[1\] is '3'"),
        (
            {"consciousness": np.array(["A", 3], dtype=object)},
            TypeError,
            r"\[1\] is 3; expected text",
        ),
        ({"consciousness": [0, 7]}, ValueError, r"consciousness\[1\] is 7; expected a code"),
        ({"on_oxygen": [0, 2]}, ValueError, r"on_oxygen\[1\] is 2.0; expected True or False"),
        ({"spo2_scale": 3}, ValueError, r"spo2_scale is 3; expected 1 or 2"),
        ({"spo2_scale": [1, 3]}, ValueError, r"spo2_scale\[1\] is 3.0; expected 1 or 2"),
        ({"spo2_scale": [1, 2, 1]}, ValueError, r"respiration_rate has 2, spo2_scale has 3"),
        ({"pulse": [70]}, ValueError, r"one value per row: .*pulse has 1"),
        ({"age_years": [40, np.nan]}, ValueError, r"age_years\[1\] is nan"),
        ({"age_years": [40]}, ValueError, r"rows has 2, age_years has 1"),
        ({"pregnant": [0, 2]}, ValueError, r"pregnant\[1\] is 2.0; expected 0 or 1"),
        ({"temperature": "37"}, TypeError, r"temperature must be an array"),
        ({"temperature": [[37.0], [37.0]]}, ValueError, r"temperature must be a 1-dimensional"),
    ],
)
def test_bad_input_names_argument_row_value_and_expectation(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _call(**changes)


def test_results_are_frozen_and_repeatable() -> None:
    # The contract of every caresignal.stats function (tests/stats/test_contract.py).
    rows: list[dict[str, Any]] = [{"pulse": 131}, {"temperature": None}]
    first, again = score_rows(rows), score_rows(rows)
    with pytest.raises(AttributeError):
        first.trigger = again.trigger  # type: ignore[misc]
    np.testing.assert_array_equal(first.aggregate, again.aggregate)
    np.testing.assert_array_equal(first.trigger, again.trigger)
    assert [first.explain(i) for i in range(2)] == [again.explain(i) for i in range(2)]
