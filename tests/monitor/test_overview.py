"""Every unit's standing on every indicator: the Making Data Count icons are those of
caresignal.stats.spc on the unit's own monthly series, the expected events those of the series'
risk model, the funnel the scan's, and the scan's kept points give what the series gives."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.monitor._scan_state import FOLDER
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.overview import IndicatorStandings, Overview, overview
from caresignal.monitor.scan import ScanResult, scan
from caresignal.monitor.series import build_series
from caresignal.monitor.unit_charts import FunnelChart, unit_charts
from caresignal.stats import spc

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
def standing(source: Path, result: ScanResult) -> Overview:
    return overview(Dataset(source), CATALOGUE, AS_OF, clock=CLOCK)


def _of(found: Overview, ident: str) -> IndicatorStandings:
    return next(item for item in found.indicators if item.indicator.id == ident)


def _months(source: Path, ident: str, unit: str) -> pl.DataFrame:
    """The unit's complete months of the indicator, counted here from its case series."""
    series = build_series(Dataset(source), CATALOGUE, ident, as_of=AS_OF, clock=CLOCK)
    frame = series.frame.filter(pl.col("unit") == unit)
    return (
        frame.group_by(pl.col("date").cast(pl.Date).dt.truncate("1mo").alias("month"))
        .agg(
            pl.col("outcome").sum().alias("events"),
            pl.len().alias("cases"),
            pl.col("risk_model").sum().alias("expected"),
        )
        .filter(pl.col("month") <= dt.date(2025, 12, 1))
        .sort("month")
    )


def test_every_indicator_is_read_from_the_kept_state(standing: Overview) -> None:
    assert standing.as_of == AS_OF
    assert [i.indicator.id for i in standing.indicators] == list(CATALOGUE.ids)
    # moss_term_mortality has no monthly chart, so the scan keeps no points for it
    assert standing.kept == frozenset(CATALOGUE.ids) - {"moss_term_mortality"}
    assert _of(standing, "moss_term_mortality").standings


def test_icons_are_those_of_the_p_chart_of_the_units_own_months(
    source: Path, standing: Overview
) -> None:
    item = _of(standing, "extended_perinatal_mortality")
    concerns = [s for s in item.standings if s.variation == "special_cause_concern_high"]
    assert concerns, [s.variation for s in item.standings]
    for each in item.standings:
        months = _months(source, "extended_perinatal_mortality", each.unit)
        chart = spc.p_chart(
            months["events"].to_numpy(), months["cases"].to_numpy(), multiplier=1000.0,
            improvement="decrease",
        )  # fmt: skip
        assert each.method == "p_chart"
        assert (each.variation, each.assurance) == (chart.variation, chart.assurance)
        assert each.month == dt.date(2025, 12, 1)
        assert each.value == pytest.approx(chart.values[-1])
        assert each.centre == pytest.approx(chart.centre[-1])
        last = months.filter(pl.col("month") >= dt.date(2025, 1, 1))
        assert each.observed == last["events"].sum()
        assert each.cases == last["cases"].sum()
        assert each.expected == pytest.approx(last["expected"].sum())
        assert each.expected_from == "risk_model"
        assert each.observed is not None
        assert each.expected is not None
        assert each.ratio == pytest.approx(each.observed / each.expected)


def test_an_assurance_icon_where_the_catalogue_gives_a_target(standing: Overview) -> None:
    item = _of(standing, "ed_4h")  # XmR with a 95 % target, higher better
    assert {s.assurance for s in item.standings} == {"consistently_fail"}
    assert all(s.expected is None for s in item.standings)


def test_indicators_without_an_spc_chart_have_no_icons(standing: Overview) -> None:
    item = _of(standing, "term_hie")
    assert all(s.method is None and s.variation is None for s in item.standings)
    assert all(s.expected_from == "risk_model" for s in item.standings)


def test_the_funnel_is_the_one_the_signal_page_draws(source: Path, standing: Overview) -> None:
    item = _of(standing, "tear_3rd_4th")
    assert item.funnel is not None
    assert (item.start, item.end) == (dt.date(2025, 1, 1), AS_OF)
    unit = item.standings[0].unit
    drawn = unit_charts(Dataset(source), CATALOGUE, unit, "tear_3rd_4th", AS_OF, clock=CLOCK)
    chart = next(c for c in drawn.charts if isinstance(c, FunnelChart))
    np.testing.assert_array_equal(item.funnel.result.value, chart.result.value)
    assert item.funnel.result.labels == chart.result.labels
    assert _of(standing, "ed_4h").note == "the indicator has no funnel in the catalogue"


def test_without_the_kept_state_the_series_give_the_same(
    source: Path, standing: Overview, tmp_path: Path
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(source, copy)
    shutil.rmtree(copy / FOLDER)
    rebuilt = overview(Dataset(copy), CATALOGUE, AS_OF, clock=CLOCK)
    assert rebuilt.kept == frozenset()
    for kept, built in zip(standing.indicators, rebuilt.indicators, strict=True):
        assert len(kept.standings) == len(built.standings)
        for one, other in zip(kept.standings, built.standings, strict=True):
            # sums may differ in the last bit: the kept points were written and read back
            a, b = one.to_dict(), other.to_dict()
            numbers = {k for k, v in a.items() if isinstance(v, float)}
            assert {k: a[k] for k in a.keys() - numbers} == {k: b[k] for k in b.keys() - numbers}
            assert [a[k] for k in sorted(numbers)] == pytest.approx(
                [b[k] for k in sorted(numbers)], rel=1e-12
            )


def test_another_day_is_not_read_from_the_state(source: Path, result: ScanResult) -> None:
    earlier = overview(Dataset(source), CATALOGUE, dt.date(2025, 6, 30), clock=CLOCK)
    assert earlier.kept == frozenset()
    item = _of(earlier, "extended_perinatal_mortality")
    assert {s.month for s in item.standings} == {dt.date(2025, 6, 1)}
