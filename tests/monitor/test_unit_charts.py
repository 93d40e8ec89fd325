"""One unit's charts give the scan's numbers: its thresholds, its signals and its statistic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.monitor._scan_state import read_state
from caresignal.monitor._scan_units import day_of
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import Finding, ScanResult, scan
from caresignal.monitor.series import UnknownIndicatorError
from caresignal.monitor.unit_charts import (
    CusumChart,
    FunnelChart,
    SpcChart,
    UnitCharts,
    VladChart,
    unit_charts,
)
from caresignal.store.service import UnknownError

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()


@pytest.fixture(scope="module")
def source(small_copy: Callable[[], Path]) -> Path:
    return small_copy()


@pytest.fixture(scope="module")
def result(source: Path) -> ScanResult:
    return scan(Dataset(source), CATALOGUE, as_of=AS_OF, clock=CLOCK)


@pytest.fixture(scope="module")
def red(result: ScanResult) -> Finding:
    """A red concern on a risk-adjusted case CUSUM."""
    return next(
        f
        for f in result.findings
        if f.method == "bernoulli_cusum" and f.level == "red" and f.chart.startswith("risk")
    )


@pytest.fixture(scope="module")
def charted(source: Path, red: Finding) -> UnitCharts:
    return unit_charts(Dataset(source), CATALOGUE, red.unit, red.indicator, AS_OF, clock=CLOCK)


def _cusum(charts: UnitCharts, finding: Finding) -> CusumChart:
    (chart,) = [c for c in charts.charts if isinstance(c, CusumChart) and c.words == finding.chart]
    return chart


def test_every_method_of_the_indicator_gives_a_chart_in_catalogue_order(
    charted: UnitCharts,
) -> None:
    methods = [spec.method for spec in charted.indicator.methods]
    assert [chart.method.method for chart in charted.charts] == methods
    assert [chart.position for chart in charted.charts] == list(range(len(methods)))
    assert charted.skipped == ()
    kinds = {type(chart) for chart in charted.charts}
    assert kinds == {CusumChart, VladChart, FunnelChart, SpcChart}


def test_the_cusum_has_the_scans_thresholds_signal_and_change_start(
    charted: UnitCharts, red: Finding
) -> None:
    chart = _cusum(charted, red)
    assert chart.red == red.threshold
    assert chart.episode is not None
    assert chart.episode.level == "red"
    assert day_of(chart.days[chart.episode.crossed]) == red.first_crossed
    assert day_of(chart.days[chart.episode.began]) == red.change_began
    assert red.first_crossed in chart.signal_days
    assert chart.signals == red.signals
    assert chart.direction == red.direction
    # The chart restarts from zero after the red signal, at the scan's threshold.
    step = chart.episode.crossed
    assert chart.result.statistic[step] >= chart.red
    assert int(step) in chart.result.signals.tolist()


def test_every_cusum_ends_where_the_scan_left_it(
    source: Path, result: ScanResult, red: Finding
) -> None:
    state = read_state(source)
    assert state is not None
    assert state.as_of == AS_OF
    kept = state.indicators[red.indicator]
    charts = unit_charts(Dataset(source), CATALOGUE, red.unit, red.indicator, AS_OF)
    cusums = [c for c in charts.charts if isinstance(c, CusumChart)]
    assert len(cusums) == 3
    for chart in cusums:
        (entry,) = [e for e in kept.charts if (e.method, e.unit) == (chart.position, red.unit)]
        assert entry.state is not None
        assert entry.design is not None
        assert float(chart.result.statistic[-1]) == entry.state.statistic
        assert (chart.amber, chart.red) == (entry.design.amber.h, entry.design.red.h)


def test_a_poisson_cusum_agrees_with_its_finding(source: Path, result: ScanResult) -> None:
    finding = next(f for f in result.findings if f.method == "poisson_cusum")
    charts = unit_charts(Dataset(source), CATALOGUE, finding.unit, finding.indicator, AS_OF)
    chart = _cusum(charts, finding)
    level = chart.red if finding.level == "red" else chart.amber
    assert level == finding.threshold
    assert chart.episode is not None
    assert day_of(chart.days[chart.episode.crossed]) == finding.first_crossed


def test_missing_designs_are_made_as_the_scan_makes_them(
    source: Path, red: Finding, charted: UnitCharts, tmp_path: Path
) -> None:
    fresh = unit_charts(
        Dataset(source), CATALOGUE, red.unit, red.indicator, AS_OF, cache_dir=tmp_path
    )
    before = [c for c in charted.charts if isinstance(c, CusumChart)]
    after = [c for c in fresh.charts if isinstance(c, CusumChart)]
    assert [(c.amber, c.red) for c in after] == [(c.amber, c.red) for c in before]
    assert not (tmp_path / "cache").exists()  # nothing is written


def test_the_funnel_marks_the_unit_among_every_unit(charted: UnitCharts, red: Finding) -> None:
    (funnel,) = [c for c in charted.charts if isinstance(c, FunnelChart)]
    assert funnel.result.labels is not None
    assert len(funnel.result.labels) >= 5
    assert funnel.index is not None
    assert funnel.result.labels[funnel.index] == red.unit
    assert funnel.end == AS_OF
    assert funnel.start == dt.date(2025, 1, 1)


def test_the_monthly_chart_has_complete_months_only(charted: UnitCharts) -> None:
    (spc,) = [c for c in charted.charts if isinstance(c, SpcChart)]
    assert spc.periods.size == spc.result.values.size >= 12
    assert day_of(spc.periods[-1]) == dt.date(2025, 12, 1)
    (vlad,) = [c for c in charted.charts if isinstance(c, VladChart)]
    assert vlad.result.statistic.size == vlad.days.size
    assert np.all(np.diff(vlad.days.astype("datetime64[D]").astype(np.int64)) >= 0)


def test_unknown_indicators_and_units_are_refused(source: Path, red: Finding) -> None:
    with pytest.raises(UnknownIndicatorError, match="no_such_indicator"):
        unit_charts(Dataset(source), CATALOGUE, red.unit, "no_such_indicator", AS_OF)
    with pytest.raises(UnknownError, match="NOWHERE"):
        unit_charts(Dataset(source), CATALOGUE, "NOWHERE", red.indicator, AS_OF)
