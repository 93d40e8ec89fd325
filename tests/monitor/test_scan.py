"""The scan on the synthetic ``small`` dataset, whose truth.json says where the problems are."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import TRUTH
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import (
    FINDINGS,
    THRESHOLD_CACHE,
    LocalBackend,
    ScanResult,
    findings_frame,
    last_day,
    scan,
    write_findings,
)
from caresignal.monitor.thresholds import ThresholdCache

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()
T = TypeVar("T")
R = TypeVar("R")


@pytest.fixture(scope="module")
def source(small_copy: Callable[[], Path]) -> Path:
    return small_copy()


@pytest.fixture(scope="module")
def result(source: Path) -> ScanResult:
    return scan(Dataset(source), CATALOGUE, as_of=AS_OF, clock=CLOCK)


@pytest.fixture(scope="module")
def truth(source: Path) -> dict[str, Any]:
    problems = json.loads((source / TRUTH).read_text("utf-8"))["problems"]
    return {problem["id"]: problem for problem in problems}


def _found(result: ScanResult, unit: str, indicator: str, method: str) -> list[Any]:
    return [
        f for f in result.findings if (f.unit, f.indicator, f.method) == (unit, indicator, method)
    ]


def test_the_sudden_failure_is_red_on_the_risk_adjusted_cusum_within_six_months(
    result: ScanResult, truth: dict[str, Any]
) -> None:
    problem = truth["sudden_failure"]
    onset = dt.date.fromisoformat(problem["start_date"])
    found = _found(result, problem["site_code"], "extended_perinatal_mortality", "bernoulli_cusum")
    concern = [f for f in found if f.direction == "concern" and f.chart.startswith("risk")]
    assert [f.level for f in concern] == ["red"]
    assert onset <= concern[0].first_crossed <= onset + dt.timedelta(days=183)
    assert concern[0].change_began >= onset - dt.timedelta(days=62)


def test_the_slow_decline_is_red_on_the_risk_adjusted_cusum(
    result: ScanResult, truth: dict[str, Any]
) -> None:
    site = truth["slow_decline"]["site_code"]
    found = _found(result, site, "extended_perinatal_mortality", "bernoulli_cusum")
    assert any(
        f.level == "red" and f.direction == "concern" and f.chart.startswith("risk-adjusted")
        for f in found
    )


def test_the_recovery_site_shows_an_improvement(result: ScanResult, truth: dict[str, Any]) -> None:
    site = truth["recovery"]["site_code"]
    found = [f for f in result.findings if f.unit == site and f.indicator.endswith("mortality")]
    assert any(f.direction == "improvement" for f in found)


def test_the_kettering_like_ward_is_flagged_on_screening_fill_rate_and_complaints(
    result: ScanResult, truth: dict[str, Any]
) -> None:
    ward = truth["ward_decline"]["unit_code"]
    flagged = {f.indicator for f in result.findings if f.unit == ward and f.direction == "concern"}
    assert {"sepsis_screen_1h", "rn_fill_rate_day", "complaints"} <= flagged


def test_every_finding_is_consistent(result: ScanResult) -> None:
    assert result.findings
    keys = [f.severity for f in result.findings]
    assert keys == sorted(keys)
    for f in result.findings:
        assert f.change_began <= f.first_crossed <= AS_OF
        assert f.direction in ("concern", "improvement")
        if f.expected is not None and f.ratio is not None:
            assert f.ratio == pytest.approx(f.observed / f.expected)
            assert f.ratio_low is not None
            assert f.ratio_high is not None
            assert f.ratio_low <= f.ratio <= f.ratio_high
        if f.method.endswith("cusum"):
            assert f.level in ("amber", "red")
            assert f.threshold is not None
            assert f.threshold > 0
            assert f.false_alarm is not None
            assert "years" in f.false_alarm
            assert f"{f.change_began:%B %Y}" in f.explanation


def test_the_summary_gives_each_cusum_indicators_national_false_alarm_rate(
    result: ScanResult,
) -> None:
    by_id = {s.indicator: s for s in result.indicators}
    assert list(by_id) == list(CATALOGUE.ids)
    moss = by_id["moss_term_mortality"]
    assert moss.units == 6
    assert moss.false_alarms is not None
    assert moss.false_alarms.startswith("with 6 sites")
    # One chart a site, designed for one false red alarm per 50 years: 6/50 a year.
    assert moss.red_per_year == pytest.approx(6 / 50, rel=0.01)
    assert moss.amber_per_year == pytest.approx(6 / 10, rel=0.01)
    assert by_id["ed_4h"].false_alarms is None


def test_nothing_after_the_as_of_date_is_used(source: Path, truth: dict[str, Any]) -> None:
    onset = dt.date.fromisoformat(truth["sudden_failure"]["start_date"])
    before = scan(Dataset(source), CATALOGUE, as_of=onset - dt.timedelta(days=1), clock=CLOCK)
    site = truth["sudden_failure"]["site_code"]
    assert not [
        f
        for f in before.findings
        if f.unit == site and f.direction == "concern" and f.indicator.endswith("mortality")
    ]
    assert all(f.first_crossed < onset for f in before.findings)


def test_a_scan_is_repeatable_and_writes_only_its_caches(
    source: Path, tmp_path: Path, directory_state: Callable[[Path], dict[str, bytes]]
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(source, copy)
    first = scan(Dataset(copy), CATALOGUE, as_of=AS_OF, clock=CLOCK)
    state = directory_state(copy)
    again = scan(Dataset(copy), CATALOGUE, as_of=AS_OF, clock=CLOCK)
    assert again == first
    assert directory_state(copy) == state
    assert (copy / THRESHOLD_CACHE).exists()


def test_the_threshold_cache_is_used_and_a_corrupt_one_is_rebuilt(
    source: Path, tmp_path: Path, result: ScanResult
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(source, copy)
    (copy / THRESHOLD_CACHE).write_text("{not json", "utf-8")
    assert scan(Dataset(copy), CATALOGUE, as_of=AS_OF, clock=CLOCK) == result
    cache = ThresholdCache.from_json((copy / THRESHOLD_CACHE).read_text("utf-8"))
    assert len(cache) > 0
    warm = ThresholdCache.from_json((copy / THRESHOLD_CACHE).read_text("utf-8"))
    assert scan(Dataset(copy), CATALOGUE, as_of=AS_OF, clock=CLOCK, cache=warm) == result
    assert warm.misses == 0


def test_findings_parquet_holds_every_finding(result: ScanResult, tmp_path: Path) -> None:
    path = write_findings(result, tmp_path)
    assert path == tmp_path / FINDINGS
    frame = pl.read_parquet(path)
    assert frame.equals(findings_frame(result))
    assert frame.height == len(result.findings)
    assert frame.get_column("as_of").unique().to_list() == [AS_OF]
    first = result.findings[0]
    row = frame.row(0, named=True)
    assert (row["unit"], row["level"], row["first_crossed"]) == (
        first.unit,
        first.level,
        first.first_crossed,
    )


class _RecordingBackend(LocalBackend):
    """Runs every task in reverse order and records which units each task saw."""

    def __init__(self) -> None:
        self.units: list[str] = []

    def each(self, work: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        # A task is one unit's chart, or a batch of units' charts computed together.
        self.units += [
            unit for task in tasks for unit in getattr(task, "units", [getattr(task, "unit", "?")])
        ]
        return list(reversed([work(task) for task in reversed(tasks)]))


def test_any_backend_that_runs_the_tasks_gives_the_same_findings(
    source: Path, result: ScanResult
) -> None:
    backend = _RecordingBackend()
    assert scan(Dataset(source), CATALOGUE, as_of=AS_OF, clock=CLOCK, backend=backend) == result
    assert len(backend.units) > 50
    assert "?" not in backend.units


def test_last_day_is_the_end_of_the_data(source: Path) -> None:
    assert last_day(Dataset(source).snapshot(), CATALOGUE) == AS_OF


def test_thresholds_designed_on_worker_processes_are_the_same(source: Path) -> None:
    from caresignal.monitor._scan_designs import DesignPool
    from caresignal.monitor._scan_tasks import CaseArrays, case_cusum_tasks
    from caresignal.monitor._scan_units import design_for
    from caresignal.monitor.series import CaseSeries, build_series

    indicator = CATALOGUE.get("extended_perinatal_mortality")
    series = build_series(Dataset(source), CATALOGUE, indicator.id, as_of=AS_OF, clock=CLOCK)
    assert isinstance(series, CaseSeries)
    cases = CaseArrays.of(series)
    tasks = [
        t
        for spec in indicator.method("bernoulli_cusum")
        for t in case_cusum_tasks(indicator, spec, cases, AS_OF)
    ]
    shared = ThresholdCache()
    with DesignPool(shared, workers=2, minimum=1) as pool:
        assert pool.prepare(tasks) == len(tasks)  # 6 sites, 3 charts: every design is new
        assert pool.prepare(tasks) == 0
    here = [design_for(task, None) for task in tasks]
    assert [design_for(task, shared) for task in tasks] == here
    assert shared.misses == 0
