"""The synthetic dataset against its truth: calibrated rates, the true model, the injected problems.

Every expected count comes from ``synth.true_risk``, which recomputes each record's probability from
the table and ``truth.json`` alone. Thresholds leave room for sampling error at the fixed seed: the
problems are injected at sizes (odds ratios of 2 to 3 over a year or more at sites of 6,000 births a
year) that these checks find many standard errors away from chance.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from caresignal.data import synth

SEED = 1
SMALL_START, END = date(2023, 1, 1), synth.END_DATE
#: The national rates the models are calibrated to, each in its population.
TARGETS = {
    "stillbirth": 0.0033,
    "neonatal_death": 0.0015,
    "hie_grade_2_3": 0.001,
    "haemorrhage_1500ml": 0.03,
    "tear_3rd_4th": 0.03,
    "apgar5_below_7": 0.01,
}


@pytest.fixture(scope="module")
def small() -> synth.SyntheticDataset:
    return synth.generate("small", seed=SEED)


@pytest.fixture(scope="module")
def births(small: synth.SyntheticDataset) -> pl.DataFrame:
    """Small births with perinatal deaths, and their expected number with and without problems."""
    frame = small.tables["births"]
    truth = small.truth
    expected = {
        label: synth.true_risk(frame, truth, "stillbirth", problems=problems)
        + synth.true_risk(frame, truth, "neonatal_death", problems=problems)
        for label, problems in (("expected", True), ("usual", False))
    }
    return frame.with_columns(
        death=((pl.col("stillbirth") != "no") | pl.col("neonatal_death")).cast(pl.Float64),
        expected=pl.Series(expected["expected"]),
        usual=pl.Series(expected["usual"]),
    )


def _problem(truth: dict[str, Any], id: str) -> dict[str, Any]:
    return next(problem for problem in truth["problems"] if problem["id"] == id)


def _when(problem: dict[str, Any]) -> tuple[datetime, datetime]:
    change = problem["changes"]["stillbirth"]
    return datetime.fromisoformat(change["start_date"]), datetime.fromisoformat(change["end_date"])


def _ratio(frame: pl.DataFrame, expected: str = "usual") -> float:
    """Observed over expected perinatal deaths (expected with no problem, by default)."""
    return _total(frame["death"]) / _total(frame[expected])


def _total(values: pl.Series) -> float:
    return float(np.sum(values.to_numpy()))


def _mean(values: pl.Series) -> float:
    return float(np.mean(values.to_numpy()))


def _observed(frame: pl.DataFrame, outcome: str) -> pl.Series:
    return frame["stillbirth"] != "no" if outcome == "stillbirth" else frame[outcome]


@pytest.mark.parametrize("outcome", list(TARGETS))
def test_outcomes_follow_the_true_model(births: pl.DataFrame, small: Any, outcome: str) -> None:
    risk = synth.true_risk(births, small.truth, outcome)
    observed = int(_observed(births, outcome).sum())
    sd = float(np.sqrt((risk * (1 - risk)).sum()))
    assert abs(observed - risk.sum()) < 4.5 * sd
    assert observed > 50


def test_rates_match_england_at_ordinary_sites() -> None:
    truth = synth.generate_truth("medium", SEED)
    (_, frame), *_ = synth.iter_tables("medium", SEED, tables=("births",))
    unusual = [problem["site_code"] for problem in truth["problems"]]
    frame = frame.filter(~pl.col("site_code").is_in(unusual))
    assert frame.height > 450_000
    live = frame.filter(pl.col("stillbirth") == "no")
    rates = {
        "stillbirth": (frame["stillbirth"] != "no").mean(),
        "neonatal_death": live["neonatal_death"].mean(),
        "hie_grade_2_3": live.filter(pl.col("gestation_weeks") >= 37)["hie_grade_2_3"].mean(),
        "haemorrhage_1500ml": frame["haemorrhage_1500ml"].mean(),
        "tear_3rd_4th": frame.filter(~pl.col("birth_mode").str.ends_with("caesarean"))[
            "tear_3rd_4th"
        ].mean(),
        "apgar5_below_7": live["apgar5_below_7"].mean(),
    }
    for outcome, target in TARGETS.items():
        assert rates[outcome] == pytest.approx(target, rel=0.25), outcome
    assert rates["stillbirth"] == pytest.approx(0.0033, rel=0.12)
    stillbirths = frame.filter(pl.col("stillbirth") != "no")
    assert (stillbirths["stillbirth"] == "intrapartum").mean() == pytest.approx(0.1, abs=0.04)


def test_case_mix_has_england_shares(births: pl.DataFrame) -> None:
    shares = births.select(
        preterm=(pl.col("gestation_weeks") < 37).mean(),
        caesarean=pl.col("birth_mode").str.ends_with("caesarean").mean(),
        instrumental=(pl.col("birth_mode") == "instrumental").mean(),
        induced=(pl.col("labour_onset") == "induced").mean(),
        multiple=(pl.col("plurality") > 1).mean(),
        age=pl.col("mother_age").mean(),
    ).row(0, named=True)
    assert 0.07 <= shares["preterm"] <= 0.12  # 8 % nationally; this small set has a tertiary site
    assert 0.30 <= shares["caesarean"] <= 0.37
    assert 0.10 <= shares["instrumental"] <= 0.14
    assert 0.28 <= shares["induced"] <= 0.40
    assert 0.025 <= shares["multiple"] <= 0.04  # babies of twin pregnancies: 1.5 % of pregnancies
    assert 30 <= shares["age"] <= 33
    term = births.filter(pl.col("gestation_weeks").is_between(39, 40), pl.col("plurality") == 1)
    assert 3_200 <= float(np.median(term["birthweight_g"].to_numpy())) <= 3_600


def test_sites_differ_by_the_recorded_random_effects() -> None:
    truth = synth.generate_truth("national", SEED)
    for outcome, model in truth["models"]["births"].items():
        effects = np.array([site["effects"][outcome] for site in truth["sites"].values()])
        assert effects.std() == pytest.approx(model["between_site_sd"], rel=0.2), outcome
        assert 0 < model["between_site_sd"] <= 0.3


def test_slow_decline_doubles_the_odds_and_stays(small: Any, births: pl.DataFrame) -> None:
    problem = _problem(small.truth, "slow_decline")
    start, end = _when(problem)
    assert problem["changes"]["stillbirth"]["after"] == 2.0
    site = births.filter(pl.col("site_code") == problem["site_code"])
    late = site.filter(pl.col("birth_datetime") >= end)
    assert late["death"].sum() > 40
    assert _ratio(late) > 1.4
    assert _ratio(late, "expected") == pytest.approx(1, abs=0.3)
    assert end - start > (synth.END_DATE - end.date()) / 2  # a slow rise, not a step


def test_sudden_failure_triples_the_odds_from_one_month(small: Any, births: pl.DataFrame) -> None:
    problem = _problem(small.truth, "sudden_failure")
    start, end = _when(problem)
    assert start == end
    assert start.day == 1
    site = births.filter(pl.col("site_code") == problem["site_code"])
    before = site.filter(pl.col("birth_datetime") < start)
    after = site.filter(pl.col("birth_datetime") >= start)
    assert _ratio(before) < 1.4
    assert _ratio(after) > 2.0
    assert _ratio(after) / _ratio(before) > 1.6


def test_recovery_falls_back_to_normal(small: Any, births: pl.DataFrame) -> None:
    problem = _problem(small.truth, "recovery")
    start, end = _when(problem)
    site = births.filter(pl.col("site_code") == problem["site_code"])
    assert _ratio(site.filter(pl.col("birth_datetime") < start)) > 1.6
    assert _ratio(site.filter(pl.col("birth_datetime") >= end)) < 1.4


def test_hard_case_mix_has_high_crude_and_normal_adjusted_rates(
    small: Any, births: pl.DataFrame
) -> None:
    problem = _problem(small.truth, "hard_case_mix")
    assert problem["changes"] == {}
    site_truth = small.truth["sites"][problem["site_code"]]
    assert set(site_truth["effects"].values()) == {0.0}
    assert site_truth["comparator_group"] == "level_3"
    unusual = [p["site_code"] for p in small.truth["problems"]]
    hard = births.filter(pl.col("site_code") == problem["site_code"])
    ordinary = births.filter(~pl.col("site_code").is_in(unusual))
    assert _mean(hard["death"]) > 1.5 * (TARGETS["stillbirth"] + TARGETS["neonatal_death"])
    assert _mean(hard["death"]) > 1.4 * _mean(ordinary["death"])
    assert _ratio(hard) == pytest.approx(1, abs=0.2)
    assert _mean(hard["mother_age"]) > _mean(ordinary["mother_age"]) + 2
    assert _mean(hard["imd_decile"].drop_nulls()) < _mean(ordinary["imd_decile"].drop_nulls()) - 1
    preterm = (pl.col("gestation_weeks") < 37).mean()
    assert hard.select(preterm).item() > 2 * ordinary.select(preterm).item()


def _ward_series(small: Any) -> tuple[dict[str, Any], pl.DataFrame]:
    problem = _problem(small.truth, "ward_decline")
    counts = small.tables["counts"].filter(pl.col("unit_code").str.ends_with("-PAE"))
    start = date.fromisoformat(problem["changes"]["sepsis_screen_1h"]["start_date"])
    end = date.fromisoformat(problem["changes"]["sepsis_screen_1h"]["end_date"])
    period = (
        pl.when(pl.col("period_start") < start)
        .then(pl.lit("before"))
        .when(pl.col("period_start") >= end)
        .then(pl.lit("after"))
    )
    counts = counts.with_columns(failing=pl.col("unit_code") == problem["unit_code"], period=period)
    return problem, counts


def test_the_failing_ward_declines_and_the_others_do_not(small: Any) -> None:
    problem, counts = _ward_series(small)
    totals = counts.group_by("indicator", "failing", "period").agg(
        rate=pl.col("numerator").sum() / pl.col("denominator").sum()
    )
    rate = {
        (r["indicator"], r["failing"], r["period"]): r["rate"] for r in totals.iter_rows(named=True)
    }
    assert rate["sepsis_screen_1h", True, "before"] > 0.8
    assert rate["sepsis_screen_1h", True, "after"] < 0.65
    assert rate["sepsis_screen_1h", False, "after"] > 0.8
    assert rate["antibiotics_1h", True, "after"] < 0.7
    assert rate["cleanliness_score", True, "after"] < 0.85
    assert rate["complaints", True, "after"] > 1.8 * rate["complaints", True, "before"]
    assert problem["changes"]["sepsis_screen_1h"]["before"] == 0.9
    assert problem["changes"]["sepsis_screen_1h"]["after"] == 0.55


def test_the_failing_ward_loses_nurses_and_is_not_listened_to(small: Any) -> None:
    problem, _ = _ward_series(small)
    start = date.fromisoformat(problem["start_date"])
    end = date.fromisoformat(problem["changes"]["registered_nurse_fill_rate"]["end_date"])
    nurses = small.tables["staffing"].filter(
        pl.col("unit_code") == problem["unit_code"], pl.col("staff_group") == "registered_nurse"
    )
    fill = pl.col("actual_hours").sum() / pl.col("planned_hours").sum()
    assert nurses.filter(pl.col("month") < start).select(fill).item() > 0.93
    assert nurses.filter(pl.col("month") >= end).select(fill).item() < 0.85
    concerns = small.tables["concerns"].filter(
        pl.col("unit_code") == problem["unit_code"], pl.col("category").is_not_null()
    )
    listening = pl.col("category") == "listening"
    before = concerns.filter(pl.col("received_date") < start)
    after = concerns.filter(pl.col("received_date") >= end)
    months_before, months_after = (start - SMALL_START).days / 30, (END - end).days / 30
    assert after.select(listening.sum()).item() / months_after > 3 * (
        before.select(listening.sum()).item() / months_before
    )
    assert after.select(listening.mean()).item() > 0.3
    inspection = small.tables["recommendations"].filter(
        pl.col("organisation_code") == problem["trust_code"], pl.col("source") == "inspection"
    )
    assert date.fromisoformat(problem["inspection_date"]) in inspection["date"].to_list()


def test_complaints_counts_are_the_complaints_in_concerns(small: Any) -> None:
    counts = small.tables["counts"].filter(pl.col("indicator") == "complaints")
    concerns = (
        small.tables["concerns"]
        .filter(pl.col("channel") == "complaint", pl.col("unit_code").str.ends_with("-PAE"))
        .group_by("unit_code", period_start=pl.col("received_date").dt.truncate("1mo"))
        .agg(concerns=pl.len().cast(pl.Float64))
    )
    joined = counts.join(concerns, on=["unit_code", "period_start"], how="left")
    assert joined["numerator"].sum() > 100
    assert joined["numerator"].equals(joined["concerns"].fill_null(0.0), check_names=False)


def test_each_problem_is_recorded_where_and_when_it_happens(small: Any) -> None:
    codes = set(small.tables["organisations"]["code"])
    problems = small.truth["problems"]
    ids = ["slow_decline", "sudden_failure", "hard_case_mix", "recovery", "ward_decline"]
    assert [p["id"] for p in problems] == ids
    assert len({p["site_code"] for p in problems[:4]}) == 4
    for problem in problems:
        assert {problem["trust_code"], problem["site_code"], problem["unit_code"]} <= codes
        assert problem["description"]
        assert problem["expected_finding"]
        for change in problem["changes"].values():
            assert small.truth["generator"]["start_date"] <= change["start_date"]
            assert change["start_date"] <= change["end_date"] <= "2025-12-31"
        assert "2023-01-01" <= problem["start_date"] <= "2025-12-31"
        assert set(problem["changes"]) <= set(problem["indicators"])
    perinatal = ["stillbirth", "neonatal_death", "hie_grade_2_3"]
    assert [p["indicators"] for p in problems[:4]] == [perinatal] * 4
    assert [p["shape"] for p in problems] == ["linear", "step", "none", "linear", "linear"]
    assert problems[2]["start_date"] == "2023-01-01"
    assert set(problems[4]["indicators"]) >= {"sepsis_screen_1h", "complaints"}


def test_true_risk_needs_only_the_json_truth(small: Any, births: pl.DataFrame) -> None:
    truth = json.loads(json.dumps(small.truth))
    for outcome in ("stillbirth", "tear_3rd_4th"):
        assert np.array_equal(
            synth.true_risk(births, truth, outcome), synth.true_risk(births, small.truth, outcome)
        )
    plain = synth.true_risk(births, truth, "stillbirth", site_effects=False, problems=False)
    assert not np.array_equal(plain, synth.true_risk(births, truth, "stillbirth"))
    assert (plain[births["gestation_weeks"].to_numpy() < 24] == 0).all()


def test_hospital_deaths_follow_their_model(small: Any) -> None:
    stays = small.tables["admissions"]
    risk = synth.true_risk(stays, small.truth, "died")
    observed = int(stays["died"].sum())
    assert abs(observed - risk.sum()) < 4.5 * np.sqrt((risk * (1 - risk)).sum())
    assert 0.025 <= observed / stays.height <= 0.05
    by_group = stays.group_by("diagnosis_group").agg(pl.col("died").mean())
    rates = dict(by_group.iter_rows())
    assert rates["sepsis"] > 5 * rates["elective_joint_replacement"]


def test_emergency_departments_meet_the_four_hour_standard_less_often_each_year(
    small: Any,
) -> None:
    ed = small.tables["counts"].filter(pl.col("indicator") == "ed_4h")
    by_year = (
        ed.group_by(pl.col("period_start").dt.year())
        .agg(share=pl.col("numerator").sum() / pl.col("denominator").sum())
        .sort("period_start")
    )
    shares = by_year["share"].to_list()
    assert 0.55 < shares[-1] < shares[0] < 0.9


def test_the_documented_coefficients_are_the_true_ones(small: Any) -> None:
    text = (Path(__file__).parents[2] / "docs" / "synthetic-data.md").read_text("utf-8")
    header = next(line for line in text.splitlines() if line.startswith("| term | definition |"))
    outcomes = [cell.strip() for cell in header.strip("|").split("|")][2:]
    table = text[text.index(header) :].split("\n\n")[0].splitlines()[2:]
    models = small.truth["models"]["births"]
    assert outcomes == list(models)
    documented: dict[str, dict[str, float]] = {outcome: {} for outcome in outcomes}
    for line in table:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for outcome, cell in zip(outcomes, cells[2:], strict=True):
            if cell:
                documented[outcome][cells[0].strip("`")] = float(cell)
    for outcome, model in models.items():
        assert documented[outcome].pop("intercept") == model["intercept"]
        assert documented[outcome].pop("between-site SD") == model["between_site_sd"]
        assert documented[outcome].pop("target rate") == model["target_rate"]
        assert documented[outcome] == model["coefficients"], outcome
