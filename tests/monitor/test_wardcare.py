"""Tests of caresignal.monitor.wardcare on small hand-written tables: scores, triggers, episodes,
responses, sepsis, weight loss and the monthly indicators.

Expected scores come from the RCP NEWS2 2017 chart (Chart 1) and, for children, Parshuram et al.
2009 Table 1 (the shipped paediatric table); the response rules are the shipped defaults in
wardcare_rules.toml (their sources are given there and in docs/wardcare.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from wardcare_helpers import CALM_CHILD, at, encounters, observations, responses

from caresignal.monitor._wardcare_triggers import _order
from caresignal.monitor.wardcare import WardcareAudit, audit, default_rules
from caresignal.stats import ews
from caresignal.stats.ews import load_pews_table

# RCP 2017 chart: respiration 26 (3), SpO2 95 on scale 1 (1), oxygen (2), systolic 105 (1),
# pulse 115 (2), alert (0), 38.4 °C (1): NEWS2 10, an emergency response (>= 7).
NEWS2_10 = {
    "respiration_rate": 26, "spo2": 95, "on_oxygen": True, "systolic_bp": 105, "pulse": 115,
    "temperature": 38.4,
}  # fmt: skip
# RCP 2017: respiration 22 (2), pulse 115 (2), 38.5 °C (1): NEWS2 5, an urgent review (>= 5).
NEWS2_5 = {"respiration_rate": 22, "pulse": 115, "temperature": 38.5}
# RCP 2017: respiration 23 (2), pulse 95 (1), 38.2 °C (1): NEWS2 4, no trigger.
NEWS2_4 = {"respiration_rate": 23, "pulse": 95, "temperature": 38.2}
# RCP 2017: respiration 8 scores 3 alone: NEWS2 3, an urgent review by the single-3 rule.
SINGLE_3 = {"respiration_rate": 8}
# As NEWS2_5 at a normal temperature (respiration 22: 2, pulse 115: 2, SpO2 95: 1): still 5.
NEWS2_5_AFEBRILE = {"respiration_rate": 22, "pulse": 115, "spo2": 95}


def run(obs: pl.DataFrame, resp: pl.DataFrame | None = None, **stay: Any) -> WardcareAudit:
    """The audit of one adult stay ``E1`` (or as ``stay`` says) up to 4 March 2024."""
    return audit(
        encounters({"id": "E1", **stay}),
        obs,
        responses() if resp is None else resp,
        as_of=dt.datetime(2024, 3, 4),
    )


def statuses(result: WardcareAudit) -> list[str]:
    return [str(s) for s in result.triggers.get_column("status")]


# --- scores -------------------------------------------------------------------------------


def test_adults_get_news2_and_children_the_paediatric_score_by_age_at_admission() -> None:
    result = audit(
        encounters({"id": "A", "age_months": 192}, {"id": "C", "age_months": 191}),
        observations(("A", at(8), NEWS2_10), ("C", at(8), CALM_CHILD)),
        responses(),
    )
    scores = result.scores
    assert scores.get_column("score").to_list() == ["NEWS2", "PEWS"]
    assert scores.get_column("aggregate").to_list()[0] == 10.0  # RCP 2017, see NEWS2_10
    assert scores.get_column("level").to_list()[0] == "emergency response"
    # No work of breathing was recorded, and the shipped paediatric table requires it.
    assert scores.get_column("aggregate").to_list()[1] is None
    assert scores.get_column("reason").to_list() == ["scored", "a value is missing"]
    assert scores.get_column("level").to_list()[1] == "not determined"


def test_a_stay_flagged_pregnant_is_not_scored_with_news2() -> None:
    # RCP 2017: NEWS2 is not for use in pregnancy. A stay whose pregnancy is not recorded is
    # scored: only a flag leaves it out.
    result = audit(
        encounters(
            {"id": "P", "age_months": 300, "pregnant": True},
            {"id": "N", "age_months": 300, "pregnant": False},
            {"id": "U", "age_months": 300},
        ),
        observations(("P", at(8), NEWS2_5), ("N", at(8), NEWS2_5), ("U", at(8), NEWS2_5)),
        responses(),
        as_of=at(12),
    )
    reasons = result.scores.get_column("reason").to_list()
    assert reasons == ["pregnant: NEWS2 is not for use in pregnancy", "scored", "scored"]
    assert result.scores.get_column("aggregate").to_list()[0] is None
    assert result.triggers.get_column("encounter_id").to_list() == ["N", "U"]


def test_a_childs_work_of_breathing_completes_the_paediatric_score() -> None:
    # Parshuram et al. 2009 Table 1 (the shipped table): work of breathing none 0, severe 4;
    # 1-4 years, respiration >= 71 scores 4: 4 + 4 = 8, the urgent review.
    calm = {**CALM_CHILD, "work_of_breathing": "none"}
    struggling = {**CALM_CHILD, "respiration_rate": 75, "work_of_breathing": "severe"}
    result = run(observations(("E1", at(8), calm), ("E1", at(9), struggling)), age_months=30)
    assert result.scores.get_column("aggregate").to_list() == [0.0, 8.0]
    assert result.scores.get_column("reason").to_list() == ["scored", "scored"]
    assert result.triggers.get_column("reason").to_list() == ["PEWS 8"]


def test_a_grade_the_replaced_table_lacks_counts_as_not_recorded() -> None:
    """A trust's table whose work-of-breathing grades are other words: the observations' grades
    are matched by name, and an unmatched grade is not recorded, never scored 0."""
    table = ews.default_pews_table()
    own = replace(table.parameters["work_of_breathing"], labels=("none", "some", "much", "severe"))
    changed = replace(table, parameters={**table.parameters, "work_of_breathing": own})
    child = {**CALM_CHILD, "work_of_breathing": "mild"}
    result = audit(
        encounters({"id": "C", "age_months": 30}),
        observations(("C", at(8), child), ("C", at(9), {**child, "work_of_breathing": "none"})),
        responses(),
        pews_table=changed,
    )
    assert result.scores.get_column("aggregate").to_list() == [None, 0.0]


def test_a_childs_new_confusion_is_not_on_the_paediatric_chart() -> None:
    result = run(observations(("E1", at(8), {**CALM_CHILD, "consciousness": "C"})), age_months=30)
    reason = result.scores.get_column("reason").to_list()[0]
    assert reason.startswith("new confusion (C) is not on the paediatric chart")


def test_news2_triggers_aggregate_5_single_3_and_not_4() -> None:
    obs = observations(
        ("E1", at(8), NEWS2_5), ("E1", at(12), SINGLE_3), ("E1", at(16), NEWS2_4),
    )  # fmt: skip
    resp = responses(("E1", at(8.5), "doctor_review"), ("E1", at(12.5), "doctor_review"))
    result = run(obs, resp)
    triggers = result.triggers
    assert triggers.get_column("trigger_datetime").to_list() == [at(8), at(12)]
    assert triggers.get_column("kind").to_list() == ["news2_urgent", "news2_urgent"]
    assert triggers.get_column("reason").to_list() == [
        "NEWS2 5",
        "NEWS2 3 with a single parameter scoring 3",
    ]


def test_a_missing_value_that_cannot_reach_a_trigger_gives_none() -> None:
    result = run(observations(("E1", at(8), {"respiration_rate": None})))
    assert result.scores.get_column("level").to_list() == ["not determined"]
    assert result.triggers.height == 0


def test_a_childs_paediatric_escalation_and_carers_worse_are_separate_triggers() -> None:
    # Parshuram 2009 Table 1, 1-4 years: respiration >= 71 scores 4, heart rate >= 170 scores 4:
    # 8 known, the shipped table's urgent review, reached though work of breathing is missing.
    child = {**CALM_CHILD, "respiration_rate": 75, "pulse": 175, "carer_answer": "worse"}
    resp = responses(("E1", at(8.25), "nurse_in_charge_review"), ("E1", at(8.5), "doctor_review"))
    result = run(observations(("E1", at(8), child)), resp, age_months=30)
    triggers = result.triggers.sort("kind")
    assert triggers.get_column("kind").to_list() == ["pews_urgent", "carer_worse"]
    # The carer's "worse" is answered by the nurse in charge at 15 minutes (30 allowed); the
    # paediatric escalation needs a doctor: 30 minutes, exactly the limit, is in time.
    assert triggers.get_column("minutes").to_list() == [30.0, 15.0]
    assert triggers.get_column("response_kind").to_list() == [
        "doctor_review",
        "nurse_in_charge_review",
    ]
    assert [str(s) for s in triggers.get_column("status")] == ["in time", "in time"]


def test_a_carers_worse_escalates_whatever_the_score() -> None:
    result = run(
        observations(("E1", at(8), {**CALM_CHILD, "carer_answer": "worse"})), age_months=30
    )
    assert result.triggers.get_column("kind").to_list() == ["carer_worse"]
    assert statuses(result) == ["missed"]


# --- responses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "kind", "status", "minutes"),
    [
        (at(9), "doctor_review", "in time", 60.0),  # exactly on the 60-minute limit
        (at(9) + dt.timedelta(seconds=1), "doctor_review", "late", 60.0 + 1 / 60),
        (at(7.99), "doctor_review", "missed", None),  # a response before the trigger
        (at(8.5), "nurse_in_charge_review", "missed", None),  # a kind the rule does not accept
        (at(8.5), "outreach_review", "in time", 30.0),
    ],
)
def test_an_urgent_review_is_in_time_late_or_missed(
    response: dt.datetime, kind: str, status: str, minutes: float | None
) -> None:
    result = run(observations(("E1", at(8), NEWS2_5)), responses(("E1", response, kind)))
    assert statuses(result) == [status]
    taken = result.triggers.get_column("minutes").to_list()[0]
    assert taken == pytest.approx(minutes) if minutes is not None else taken is None


def test_a_response_after_discharge_answers_nothing() -> None:
    result = run(
        observations(("E1", at(8), NEWS2_5)),
        responses(("E1", at(8.75), "doctor_review")),
        discharge=at(8.5),
    )
    assert statuses(result) == ["missed"]


def test_an_emergency_response_needs_a_senior_or_outreach_review_within_30_minutes() -> None:
    resp = responses(("E1", at(8.25), "doctor_review"), ("E1", at(8.75), "outreach_review"))
    result = run(observations(("E1", at(8), NEWS2_10)), resp)
    triggers = result.triggers
    assert triggers.get_column("response_kind").to_list() == ["outreach_review"]
    assert triggers.get_column("minutes").to_list() == [45.0]
    assert statuses(result) == ["late"]


def test_a_trigger_whose_time_has_not_run_out_is_pending() -> None:
    result = audit(
        encounters({"id": "E1"}),
        observations(("E1", at(8), NEWS2_5)),
        responses(),
        as_of=at(8.5),
    )
    assert statuses(result) == ["pending"]


def test_as_of_defaults_to_the_latest_time_in_the_data() -> None:
    result = audit(encounters({"id": "E1"}), observations(("E1", at(8), NEWS2_5)), responses())
    assert result.as_of == at(8)
    assert statuses(result) == ["pending"]


# --- episodes -----------------------------------------------------------------------------


def test_a_trigger_while_the_first_still_waits_is_the_same_episode() -> None:
    obs = observations(("E1", at(8), NEWS2_5), ("E1", at(8.5), NEWS2_5))
    result = run(obs, responses(("E1", at(8.75), "doctor_review")))
    triggers = result.triggers
    assert triggers.get_column("first_in_episode").to_list() == [True, False]
    assert triggers.get_column("episode").n_unique() == 1
    assert statuses(result) == ["in time", "in episode"]


def test_a_response_covers_the_later_triggers_of_its_run() -> None:
    # The NEWS2 chart asks for a clinician's assessment when the score crosses 5, then hourly
    # observations while it stays there; a set that still scores 5 after the review needs no
    # second review.
    obs = observations(("E1", at(8), NEWS2_5), ("E1", at(8.5), NEWS2_5), ("E1", at(9), NEWS2_5))
    result = run(obs, responses(("E1", at(8.25), "doctor_review")))
    assert statuses(result) == ["in time", "in episode", "in episode"]
    assert result.triggers.get_column("episode").n_unique() == 1


def test_a_set_that_does_not_trigger_ends_the_run_and_the_next_trigger_starts_an_episode() -> None:
    obs = observations(("E1", at(8), NEWS2_5), ("E1", at(8.5), NEWS2_4), ("E1", at(9), NEWS2_5))
    result = run(obs, responses(("E1", at(8.25), "doctor_review")))
    assert statuses(result) == ["in time", "missed"]


def test_the_run_follows_the_sets_times_whatever_their_order_in_the_table() -> None:
    obs = observations(("E1", at(9), NEWS2_5), ("E1", at(8.5), NEWS2_4), ("E1", at(8), NEWS2_5))
    result = run(obs, responses(("E1", at(8.25), "doctor_review")))
    assert result.triggers.get_column("trigger_datetime").to_list() == [at(8), at(9)]
    assert statuses(result) == ["in time", "missed"]


def test_a_run_left_unanswered_is_one_late_episode() -> None:
    obs = observations(("E1", at(8), NEWS2_5), ("E1", at(9.5), NEWS2_5))
    result = run(obs, responses(("E1", at(9.75), "doctor_review")))
    assert statuses(result) == ["late", "in episode"]
    assert result.triggers.get_column("minutes").to_list() == [105.0, None]


def test_a_carer_saying_worse_again_after_the_review_needs_another() -> None:
    worse = {**CALM_CHILD, "carer_answer": "worse"}
    result = run(
        observations(("E1", at(8), worse), ("E1", at(9), worse)),
        responses(("E1", at(8.25), "nurse_in_charge_review")),
        age_months=36,
    )
    assert statuses(result) == ["in time", "missed"]


def test_a_higher_level_while_a_lower_waits_starts_its_own_episode() -> None:
    obs = observations(("E1", at(8), NEWS2_5), ("E1", at(8.25), NEWS2_10))
    result = run(obs, responses(("E1", at(8.5), "outreach_review")))
    triggers = result.triggers
    assert triggers.get_column("level").to_list() == ["urgent review", "emergency response"]
    assert triggers.get_column("first_in_episode").to_list() == [True, True]
    assert statuses(result) == ["in time", "in time"]


def test_a_lower_level_while_a_higher_waits_is_part_of_its_episode() -> None:
    obs = observations(("E1", at(8), NEWS2_10), ("E1", at(8.25), NEWS2_5))
    result = run(obs, responses(("E1", at(8.4), "senior_review")))
    assert statuses(result) == ["in time", "in episode"]
    assert result.triggers.get_column("episode").n_unique() == 1


def test_episodes_are_per_stay() -> None:
    result = audit(
        encounters({"id": "E1"}, {"id": "E2"}),
        observations(("E1", at(8), NEWS2_5), ("E2", at(8.25), NEWS2_5)),
        responses(("E2", at(8.5), "doctor_review")),
        as_of=dt.datetime(2024, 3, 2),
    )
    assert statuses(result) == ["missed", "in time"]


# --- sepsis -------------------------------------------------------------------------------


def test_sepsis_times_to_screen_antibiotic_and_senior_review() -> None:
    resp = responses(
        ("E1", at(8.5), "sepsis_screen"),
        ("E1", at(9), "first_iv_antibiotic"),  # exactly the hour of NICE QS161: in time
        ("E1", at(9.5), "senior_review"),  # 90 minutes: not within the hour
        ("E1", at(8.5), "doctor_review"),
    )
    result = run(observations(("E1", at(8), NEWS2_5)), resp)
    row = result.sepsis.row(0, named=True)
    assert row["suspected_because"] == "temperature outside the normal range"  # 38.5 > 38.0
    assert (row["screen_minutes"], row["screen_in_time"]) == (30.0, True)
    assert (row["antibiotic_minutes"], row["antibiotic_in_time"]) == (60.0, True)
    assert (row["senior_review_minutes"], row["senior_review_in_time"]) == (90.0, False)


def test_a_sepsis_screen_after_a_trigger_marks_it_suspected_at_normal_temperature() -> None:
    result = run(
        observations(("E1", at(8), NEWS2_5_AFEBRILE)),
        responses(("E1", at(10), "sepsis_screen")),
    )
    row = result.sepsis.row(0, named=True)
    assert row["suspected_because"] == "a sepsis screen was recorded"
    assert (row["screen_minutes"], row["screen_in_time"]) == (120.0, False)
    assert row["antibiotic_in_time"] is False  # none was given: missed


def test_a_trigger_at_normal_temperature_without_a_screen_is_not_suspected_sepsis() -> None:
    result = run(observations(("E1", at(8), NEWS2_5_AFEBRILE)))
    assert result.sepsis.height == 0


def test_a_screen_after_the_next_episode_began_belongs_to_that_episode() -> None:
    obs = observations(
        ("E1", at(8), NEWS2_5_AFEBRILE), ("E1", at(10), NEWS2_4), ("E1", at(12), NEWS2_5_AFEBRILE)
    )
    resp = responses(("E1", at(8.5), "doctor_review"), ("E1", at(12.5), "sepsis_screen"))
    result = run(obs, resp)
    assert result.sepsis.get_column("trigger_datetime").to_list() == [at(12)]


def test_a_pending_sepsis_step_is_neither_in_time_nor_missed() -> None:
    result = audit(
        encounters({"id": "E1"}),
        observations(("E1", at(8), NEWS2_5)),
        responses(("E1", at(8.25), "sepsis_screen")),
        as_of=at(8.5),
    )
    row = result.sepsis.row(0, named=True)
    assert row["screen_in_time"] is True
    assert row["antibiotic_in_time"] is None


# --- weight -------------------------------------------------------------------------------


def test_weight_loss_of_5_and_10_percent_from_the_first_weight_is_flagged() -> None:
    obs = observations(
        ("E1", at(8), {**CALM_CHILD, "weight_kg": 20.0}),
        ("E1", at(9), {**CALM_CHILD}),  # no weight: ignored
        ("E1", at(10), {**CALM_CHILD, "weight_kg": 19.02}),  # 4.9 %: not flagged
        ("E1", at(12), {**CALM_CHILD, "weight_kg": 19.0}),  # exactly 5 %
        ("E1", at(20), {**CALM_CHILD, "weight_kg": 18.0}),  # exactly 10 %
    )
    resp = responses(("E1", at(36), "doctor_review"))
    result = run(obs, resp, age_months=30)
    weight = result.weight
    assert weight.get_column("threshold_percent").to_list() == [5.0, 10.0]
    assert weight.get_column("flag_datetime").to_list() == [at(12), at(20)]
    assert weight.get_column("loss_percent").to_list() == pytest.approx([5.0, 10.0])
    # The review at 36 h is 24 h after the 5 % flag (in time, on the limit) and 16 h after the
    # 10 % flag.
    assert weight.get_column("review_minutes").to_list() == [1440.0, 960.0]
    assert [str(s) for s in weight.get_column("status")] == ["in time", "in time"]


def test_a_weight_loss_without_a_review_is_missed() -> None:
    obs = observations(("E1", at(8), {"weight_kg": 80.0}), ("E1", at(10), {"weight_kg": 75.0}))
    result = run(obs, responses(("E1", at(11), "nurse_in_charge_review")))
    assert [str(s) for s in result.weight.get_column("status")] == ["missed"]


def test_no_weight_column_means_no_weight_flags() -> None:
    result = run(observations(("E1", at(8), NEWS2_5)).drop("weight_kg"))
    assert result.weight.height == 0


# --- monthly indicators -------------------------------------------------------------------


def test_monthly_indicators_per_unit() -> None:
    result = audit(
        encounters(
            {"id": "E1", "unit": "W1"}, {"id": "E2", "unit": "W1"}, {"id": "E3", "unit": "W2"}
        ),
        observations(
            ("E1", at(8), NEWS2_5),
            ("E2", at(8), NEWS2_5_AFEBRILE),
            ("E3", at(8), {**CALM_CHILD, "carer_answer": "worse"}),
        ),
        responses(
            ("E1", at(8.5), "doctor_review"),
            ("E1", at(8.75), "first_iv_antibiotic"),
            ("E2", at(10), "doctor_review"),
            ("E3", at(8.25), "nurse_in_charge_review"),
        ),
        as_of=dt.datetime(2024, 3, 2),
    )
    rows = {row["unit_code"]: row for row in result.monthly.iter_rows(named=True)}
    w1, w2 = rows["W1"], rows["W2"]
    assert w1["month"] == dt.date(2024, 3, 1)
    assert (w1["triggers"], w1["triggers_in_time"], w1["share_triggers_in_time"]) == (2, 1, 0.5)
    assert w1["median_delay_minutes"] == 75.0  # 30 and 120 minutes
    assert (w1["sepsis_episodes"], w1["sepsis_screen_in_time"]) == (1, 0)
    assert w1["sepsis_antibiotic_in_time"] == 1
    assert (w2["carer_concerns"], w2["carer_concerns_in_time"]) == (1, 1)
    assert w2["share_carer_concerns_in_time"] == 1.0
    assert w2["share_sepsis_screen_in_time"] is None  # no suspected sepsis on W2


# --- bad input ----------------------------------------------------------------------------


def test_an_observation_of_an_unknown_stay_is_refused_naming_the_row() -> None:
    with pytest.raises(ValueError, match=r"observations: row 2, column encounter_id: 'E9'"):
        run(observations(("E1", at(8), NEWS2_5), ("E9", at(9), NEWS2_5)))
    # Rows of one stay are looked up once per run of equal ids: the row named is still the first.
    rows = [("E1", at(8), NEWS2_5), ("E1", at(9), NEWS2_5), ("E9", at(9), NEWS2_5)]
    with pytest.raises(ValueError, match=r"observations: row 3, column encounter_id: 'E9'"):
        run(observations(*rows, ("E9", at(10), NEWS2_5), ("E1", at(10), NEWS2_5)))


def test_rows_of_a_stay_need_not_come_together() -> None:
    obs = observations(("E1", at(8), NEWS2_5), ("E2", at(8), NEWS2_5), ("E1", at(9), NEWS2_5))
    result = audit(encounters({"id": "E1"}, {"id": "E2"}), obs, responses(), as_of=at(12))
    assert result.triggers.get_column("encounter_id").to_list() == ["E1", "E1", "E2"]
    assert statuses(result) == ["missed", "in episode", "missed"]


def test_a_missing_column_is_refused() -> None:
    with pytest.raises(ValueError, match="responses: column 'kind' is missing"):
        run(observations(("E1", at(8), NEWS2_5)), responses().drop("kind"))


def test_an_unknown_consciousness_is_refused_naming_row_and_value() -> None:
    with pytest.raises(ValueError, match=r"row 1, column consciousness: 'alert' is not allowed"):
        run(observations(("E1", at(8), {"consciousness": "alert"})))


def test_inputs_are_not_changed() -> None:
    obs = observations(("E1", at(8), NEWS2_5))
    before = obs.clone()
    run(obs)
    assert obs.equals(before)
    assert default_rules().trigger("news2_urgent").within_minutes == 60.0


PEWS_TABLE = """
title = "a one-band test chart"
source = "written for this test"

[parameters]
respiration_rate = { required = true, resolution = 1 }
heart_rate = { required = true, resolution = 1 }

[[escalation]]
level = "urgent review"
aggregate = 2

[[age_bands]]
name = "children"
from_months = 0
respiration_rate = [{ to = 40, score = 0 }, { from = 41, score = 1 }]
heart_rate = [{ to = 140, score = 0 }, { from = 141, score = 1 }]
"""


def test_a_trusts_own_paediatric_chart_is_used(tmp_path: Path) -> None:
    path = tmp_path / "chart.toml"
    path.write_text(PEWS_TABLE, "utf-8")
    child = {**CALM_CHILD, "respiration_rate": 45, "pulse": 150}
    result = audit(
        encounters({"id": "E1", "age_months": 30}),
        observations(("E1", at(8), child), ("E1", at(12), CALM_CHILD)),
        responses(("E1", at(8.25), "doctor_review")),
        pews_table=load_pews_table(path),
    )
    # This chart scores no work of breathing, so the children's sets have an aggregate.
    assert result.scores.get_column("aggregate").to_list() == [2.0, 0.0]
    assert result.scores.get_column("reason").to_list() == ["scored", "scored"]
    assert statuses(result) == ["in time"]


def test_the_triggers_order_is_stay_track_run_time_and_rank_highest_first() -> None:
    """The linear-time order of the episodes (one key, a stable sort) against numpy's lexsort,
    on random triggers with many ties, and with triggers of a stay that share a time but not a
    run, which fall back to the lexsort."""
    rng = np.random.default_rng(3)
    for sharing in (False, True):
        n = 5_000
        stay = np.sort(rng.integers(0, 300, n))
        track = rng.integers(0, 2, n).astype(np.int8)
        seconds = rng.integers(0, 50, n) * 600
        rank = rng.integers(1, 3, n).astype(np.int8)
        # Runs that never fall as the time rises within a stay, unless ``sharing``.
        run = stay * 100 + seconds // 6000 + (rng.integers(0, 2, n) if sharing else 0)
        run = np.where(track == 0, run, 0)
        order = _order(stay, track, run, seconds, rank)
        expected = np.lexsort((-rank.astype(np.int64), seconds, run, track, stay))
        for key in (stay, track, run, seconds, rank):
            assert np.array_equal(key[order], key[expected])
