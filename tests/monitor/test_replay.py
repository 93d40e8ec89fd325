"""Replay on the synthetic ``small`` dataset, checked against its truth.json and the scan."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import TRUTH
from caresignal.monitor._replay_charts import replay_method, spc_signals
from caresignal.monitor._replay_truth import SYNTHETIC_INDICATORS, touched
from caresignal.monitor._scan_tasks import monthly, spc_tasks
from caresignal.monitor._scan_units import SpcTask, month_end, spc_chart
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.replay import ReplayResult, replay
from caresignal.monitor.scan import last_day, scan
from caresignal.monitor.series import build_all

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
CATALOGUE = load_catalogue()
BEDSIDE = (
    "bedside_triggers_in_time",
    "bedside_carer_concerns_in_time",
    "bedside_sepsis_antibiotics_1h",
    "bedside_sepsis_screen_1h",
    "bedside_review_delay",
    "bedside_weight_reviews_in_time",
)


@pytest.fixture(scope="module")
def source(small_copy: Callable[[], Path]) -> Path:
    return small_copy()


@pytest.fixture(scope="module")
def result(source: Path) -> ReplayResult:
    return replay(Dataset(source), CATALOGUE, clock=CLOCK)


def _problem(result: ReplayResult, ident: str) -> Any:
    return next(problem for problem in result.problems if problem.id == ident)


def test_the_replay_covers_the_whole_history_with_every_method(result: ReplayResult) -> None:
    assert (result.start, result.end) == (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    assert result.methods == (
        "risk_adjusted_cusum",
        "moss_cusum",
        "poisson_cusum",
        "spc",
        "annual_funnel",
    )
    days = [signal.fired for signal in result.signals]
    assert days == sorted(days)
    assert all(result.start <= day <= result.end for day in days)


def test_the_sudden_failure_is_found_by_the_risk_adjusted_cusum_within_six_months(
    result: ReplayResult,
) -> None:
    found = _problem(result, "sudden_failure").detections["risk_adjusted_cusum"]
    assert found.delay_days is not None
    assert 0 <= found.delay_days <= 183


def test_the_slow_decline_is_red_on_the_risk_adjusted_cusum(result: ReplayResult) -> None:
    assert _problem(result, "slow_decline").detections["risk_adjusted_cusum"].date is not None


def test_the_recovery_shows_an_improvement_signal(result: ReplayResult) -> None:
    # The site's own monthly chart shows its return to normal; a risk-adjusted CUSUM against the
    # national model can only stop signalling concern (docs/performance.md).
    problem = _problem(result, "recovery")
    assert problem.direction == "improvement"
    assert problem.detections["spc"].date is not None


def test_the_hard_case_mix_is_flagged_unadjusted_but_not_risk_adjusted(
    result: ReplayResult,
) -> None:
    problem = _problem(result, "hard_case_mix")
    assert problem.detections["risk_adjusted_cusum"].date is None
    assert problem.detections["risk_adjusted_cusum"].amber_date is None
    assert problem.detections["moss_cusum"].date is not None


def test_the_kettering_like_ward_is_found_by_spc_and_the_complaints_cusum(
    result: ReplayResult,
) -> None:
    problem = _problem(result, "ward_decline")
    assert problem.detections["spc"].date is not None
    assert problem.detections["poisson_cusum"].date is not None
    flagged = {
        s.indicator
        for s in result.signals
        if s.unit == problem.unit and s.direction == "concern" and s.fired >= problem.start
    }
    assert {"sepsis_screen_1h", "rn_fill_rate_day", "complaints"} <= flagged


def test_every_outcome_a_problem_changes_is_counted_by_catalogue_indicators(
    source: Path,
) -> None:
    problems = json.loads((source / TRUTH).read_text("utf-8"))["problems"]
    shipped = {indicator.id for indicator in CATALOGUE}
    outcomes = {outcome for problem in problems for outcome in problem["indicators"]}
    assert {"bedside_triggers_missed", "bedside_antibiotic_delay_median"} <= outcomes
    for outcome in outcomes:
        assert SYNTHETIC_INDICATORS.get(outcome), outcome
        assert set(SYNTHETIC_INDICATORS[outcome]) <= shipped, outcome
    bedside = {i for o in outcomes if o.startswith("bedside") for i in SYNTHETIC_INDICATORS[o]}
    assert bedside == set(BEDSIDE)


def test_the_kettering_like_ward_is_found_from_its_bedside_observations(
    result: ReplayResult, source: Path
) -> None:
    # The bedside charts fix their limits on their first 12 months (January to December 2023,
    # the year before the decline began), so the decline is judged against how the ward was.
    # On seed 1 they signal after (days): triggers answered in time and the median delay 120,
    # carers' concerns 151, antibiotics 212, sepsis screens 304. Weight-loss reviews are slower
    # on the failing ward too, but a ward has a few weight flags a month, too few for its p chart
    # to tell within the three years.
    within = {
        "bedside_triggers_in_time": 240,
        "bedside_review_delay": 240,
        "bedside_carer_concerns_in_time": 240,
        "bedside_sepsis_antibiotics_1h": 240,
        "bedside_sepsis_screen_1h": 365,
    }
    problem = _problem(result, "ward_decline")
    assert set(BEDSIDE) <= set(problem.indicators)
    for ident, days in within.items():
        found = problem.by_indicator[ident]
        assert found.delay_days is not None, ident
        assert 0 < found.delay_days <= days, ident
    problems = json.loads((source / TRUTH).read_text("utf-8"))["problems"]
    skip = touched(problems)
    assert {(problem.unit, ident) for ident in BEDSIDE} <= skip
    # Every other ward's bedside charts are untouched: their signals are false alarms.
    others = {(u, i) for u, i, m, years in result.charted if i in BEDSIDE and years > 0}
    others -= {(problem.unit, ident) for ident in BEDSIDE}
    assert len({unit for unit, _ in others}) >= 4
    assert not others & skip
    untouched = sum(y for u, i, m, y in result.charted if m == "spc" and (u, i) not in skip)
    assert result.chart_years["spc"] == pytest.approx(untouched)


def test_false_alarms_are_counted_per_chart_year_on_untouched_charts(
    result: ReplayResult, source: Path
) -> None:
    problems = json.loads((source / TRUTH).read_text("utf-8"))["problems"]
    assert set(result.false_alarms_per_unit_year) == set(result.methods)
    assert result.design_false_alarms_per_unit_year["risk_adjusted_cusum"] == pytest.approx(0.02)
    # Six sites, three years, five risk-adjusted indicators (one with a lower chart too), less the
    # charts the problems touched.
    touched = {p["site_code"] for p in problems if p["site_code"].endswith(("01", "02"))}
    assert 0 < result.chart_years["risk_adjusted_cusum"] < 6 * 3 * 6
    assert touched


def test_every_red_cusum_finding_of_a_scan_is_a_replayed_signal(source: Path) -> None:
    """A scan as of a day and a replay to that day agree: every red CUSUM finding of the scan is
    a signal the replay fired on the day the scan says it was first crossed."""
    for as_of in (dt.date(2025, 6, 30), dt.date(2025, 12, 31)):
        replayed = replay(Dataset(source), CATALOGUE, clock=CLOCK, end=as_of)
        fired = {(s.unit, s.indicator, s.method, s.level, s.fired) for s in replayed.signals}
        found = scan(Dataset(source), CATALOGUE, as_of=as_of, clock=CLOCK)
        red = [f for f in found.findings if f.method == "bernoulli_cusum" and f.level == "red"]
        assert red
        for f in red:
            assert (f.unit, f.indicator, f.method, "red", f.first_crossed) in fired


def test_json_has_the_documented_shape(result: ReplayResult) -> None:
    payload = json.loads(json.dumps(result.to_dict()))
    assert {"from", "to", "methods", "problems", "false_alarms_per_unit_year"} <= set(payload)
    problem = payload["problems"][0]
    assert {"id", "site", "indicators", "start", "detections", "by_indicator"} <= set(problem)
    assert set(problem["detections"]) == set(payload["methods"])
    assert set(problem["by_indicator"]) == set(problem["indicators"])
    assert {"date", "delay_days"} <= set(problem["detections"]["spc"])


_XMR = replay_method(CATALOGUE.get("cleanliness_score").methods[0])


def _brute_force(task: SpcTask, need: int) -> list[tuple[dt.date, str]]:
    """Chart every month's history separately and note each run of flagged latest points."""
    fired: list[tuple[dt.date, str]] = []
    previous = "common_cause"
    for month in range(need, task.periods.size):
        prefix = replace(
            task,
            periods=task.periods[: month + 1],
            numerator=task.numerator[: month + 1],
            denominator=task.denominator[: month + 1],
        )
        kind = str(spc_chart(prefix).point_type[-1])
        if kind != "common_cause" and kind != previous:
            day = dt.date.fromisoformat(str(task.periods[month]))
            fired.append((month_end(day), kind.removeprefix("special_cause_")))
        previous = kind
    return fired


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(60.0, 100.0), min_size=21, max_size=60), st.integers(0, 40))
def test_spc_replay_matches_charting_every_month_separately(
    values: list[float], step_at: int
) -> None:
    shifted = np.array(values)
    shifted[min(step_at + 20, shifted.size) :] -= 8.0  # a fall after the baseline
    periods = np.arange("2020-01", "2030-01", dtype="datetime64[M]")[: shifted.size]
    task = SpcTask(
        CATALOGUE.get("cleanliness_score"),
        _XMR,
        "unit",
        periods.astype("datetime64[D]"),
        shifted,
        np.full(shifted.size, 100.0),
    )
    fired, _ = spc_signals(task, dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    assert [(s.fired, s.direction) for s in fired] == _brute_force(task, 20)


def test_spc_replay_of_every_chart_of_the_dataset_matches_charting_every_month(
    source: Path,
) -> None:
    """Every p, u and XmR chart of the small dataset, replayed in one pass, fires exactly what
    charting each month's history separately fires."""
    snapshot = Dataset(source).snapshot()
    as_of = last_day(snapshot, CATALOGUE)
    assert as_of is not None
    built = build_all(snapshot, CATALOGUE, as_of=as_of, clock=CLOCK)
    charts = signals = 0
    for indicator in CATALOGUE:
        points = None
        for spec in indicator.methods:
            if spec.method not in ("p_chart", "u_chart", "xmr"):
                continue
            method = replay_method(spec)
            need = int(method.get("baseline_points"))  # type: ignore[arg-type]
            points = monthly(built[indicator.id], indicator, as_of) if points is None else points
            for task in spc_tasks(indicator, method, points):
                if task.periods.size <= need:
                    continue
                fired, _ = spc_signals(task, dt.date(2000, 1, 1), dt.date(2100, 1, 1))
                found = [(s.fired, s.direction) for s in fired]
                assert found == _brute_force(task, need), (indicator.id, task.unit)
                charts += 1
                signals += len(found)
    assert charts > 50
    assert signals > 20
