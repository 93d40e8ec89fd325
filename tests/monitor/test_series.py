"""Series built from the synthetic ``small`` dataset: every shipped indicator, recorded fits."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.series import (
    CaseSeries,
    PeriodSeries,
    UnknownIndicatorError,
    build_all,
    build_series,
    model_path,
)

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
LATER = FixedClock(datetime(2026, 12, 1, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()


@pytest.fixture(scope="module")
def source(small_copy: Callable[[], Path]) -> Path:
    """The small synthetic dataset (tests copy it again before writing models)."""
    return small_copy()


@pytest.fixture(scope="module")
def built(source: Path) -> dict[str, CaseSeries | PeriodSeries]:
    return build_all(Dataset(source), CATALOGUE, as_of=AS_OF, clock=CLOCK)


@pytest.fixture
def data(source: Path, tmp_path: Path) -> Dataset:
    """A private copy of the dataset, without recorded models."""
    shutil.copytree(source, tmp_path / "data", ignore=shutil.ignore_patterns("models"))
    return Dataset(tmp_path / "data")


def test_every_shipped_indicator_builds_a_non_empty_series(
    built: dict[str, CaseSeries | PeriodSeries],
) -> None:
    assert list(built) == list(CATALOGUE.ids)
    for indicator_id, series in built.items():
        assert series.frame.height > 0, indicator_id
        assert series.offsets[-1] == series.frame.height
        assert len(series.units) == len(series.offsets) - 1
        for code in series.units:  # each unit's slice holds that unit only
            assert series.unit(code).get_column("unit").unique().to_list() == [code]


def test_units_are_restricted_to_the_indicators_unit_types(
    built: dict[str, CaseSeries | PeriodSeries],
) -> None:
    assert all(code.endswith("-PAE") or "-ADW" in code for code in built["sepsis_screen_1h"].units)
    assert all(code.endswith("-ED") for code in built["ed_4h"].units)
    assert all("-" not in code for code in built["moss_term_mortality"].units)  # sites


def test_case_series_is_sorted_by_unit_then_date(
    built: dict[str, CaseSeries | PeriodSeries],
) -> None:
    frame = built["extended_perinatal_mortality"].frame
    assert frame.equals(frame.sort("unit", "date", "record_id"))
    assert frame.get_column("record_id").is_unique().all()


def test_moss_reference_is_the_pooled_term_rate_in_its_window(
    source: Path, built: dict[str, CaseSeries | PeriodSeries]
) -> None:
    series = built["moss_term_mortality"]
    assert isinstance(series, CaseSeries)
    births = Dataset(source).table("births").collect()
    term = births.filter(pl.col("gestation_weeks") >= 37)
    first = term.get_column("birth_datetime").min()
    assert isinstance(first, datetime)
    window = term.filter(pl.col("birth_datetime") < datetime(first.year + 3, 1, 1))
    died = (window.get_column("stillbirth") != "no") | window.get_column("neonatal_death")
    assert series.reference_window == (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    assert series.frame.get_column("reference").unique().to_list() == [
        pytest.approx(died.sum() / window.height, rel=1e-12)
    ]
    assert series.frame.get_column("risk_model").is_null().all()


def test_risk_model_reproduces_the_baseline_events(
    built: dict[str, CaseSeries | PeriodSeries],
) -> None:
    for indicator_id in ("extended_perinatal_mortality", "haemorrhage_1500ml", "tear_3rd_4th"):
        series = built[indicator_id]
        assert isinstance(series, CaseSeries)
        assert series.fit is not None
        fit = series.fit
        day = pl.col("date").cast(pl.Date)
        baseline = series.frame.filter((day >= fit.start) & (day <= fit.end))
        assert baseline.height == fit.cases
        assert baseline.get_column("outcome").sum() == fit.events
        expected = baseline.get_column("risk_model").sum()
        assert expected == pytest.approx(fit.events, rel=1e-6)


def test_recorded_fit_is_reused_not_refitted(data: Dataset) -> None:
    first = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=CLOCK)
    path = model_path(data.directory, "term_hie")
    recorded, stamp = path.read_bytes(), path.stat().st_mtime_ns
    again = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=LATER)
    assert isinstance(first, CaseSeries)
    assert isinstance(again, CaseSeries)
    assert first.refitted
    assert not again.refitted
    assert not again.baseline_changed
    assert path.read_bytes() == recorded
    assert path.stat().st_mtime_ns == stamp
    assert again.fit is not None
    assert again.fit.fitted_at == CLOCK.now()
    assert again.frame.equals(first.frame)


def test_refit_records_a_new_fit_and_keeps_the_old_one(data: Dataset) -> None:
    build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=CLOCK)
    series = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=LATER, refit=True)
    assert isinstance(series, CaseSeries)
    assert series.refitted
    document = json.loads(model_path(data.directory, "term_hie").read_text("utf-8"))
    assert document["current"]["fitted_at"] == LATER.now().isoformat()
    assert [entry["fitted_at"] for entry in document["history"]] == [CLOCK.now().isoformat()]
    assert document["current"]["baseline"] == {"start": "2023-01-01", "end": "2025-12-31"}
    assert document["current"]["cases"] > 0
    assert document["current"]["baseline_hash"]


def test_a_later_as_of_keeps_the_recorded_window(data: Dataset) -> None:
    early = dt.date(2024, 6, 30)  # the first fit sees only part of its 36-month window
    build_series(data, CATALOGUE, "term_hie", as_of=early, clock=CLOCK)
    later = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=LATER)
    assert isinstance(later, CaseSeries)
    assert later.fit is not None
    assert later.fit.end == early
    assert not later.refitted
    assert not later.baseline_changed


def test_changed_baseline_is_reported_not_refitted(data: Dataset, tmp_path: Path) -> None:
    build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=CLOCK)
    path = model_path(data.directory, "term_hie")
    recorded = path.read_bytes()
    births = data.table("births").filter(
        (pl.col("gestation_weeks") >= 37) & (pl.col("stillbirth") == "no")
    )
    corrected = births.head(1).collect().with_columns(~pl.col("hie_grade_2_3"))
    corrected.write_parquet(tmp_path / "correction.parquet")
    import_files(
        data,
        "births",
        [tmp_path / "correction.parquet"],
        clock=LATER,
        imported_by="test",
        correction=True,
    )
    later = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=LATER)
    assert isinstance(later, CaseSeries)
    assert later.baseline_changed
    assert not later.refitted
    assert path.read_bytes() == recorded


def test_as_of_cuts_the_data(source: Path) -> None:
    as_of = dt.date(2024, 3, 31)
    for indicator_id in ("moss_term_mortality", "sepsis_screen_1h", "rn_fill_rate_day"):
        series = build_series(Dataset(source), CATALOGUE, indicator_id, as_of=as_of, clock=CLOCK)
        column = "period_start" if isinstance(series, PeriodSeries) else "date"
        last = series.frame.get_column(column).cast(pl.Date).max()
        assert last is not None
        assert last <= as_of
        assert isinstance(last, dt.date)
        assert last >= dt.date(2024, 3, 1)


def test_the_declining_paediatric_ward_shows_its_fall(
    source: Path, built: dict[str, CaseSeries | PeriodSeries]
) -> None:
    truth = json.loads((source / "truth.json").read_text("utf-8"))
    problem = next(p for p in truth["problems"] if p["id"] == "ward_decline")
    change = problem["changes"]["sepsis_screen_1h"]
    ward = built["sepsis_screen_1h"].unit(problem["unit_code"])
    assert ward.height > 0

    def share(frame: pl.DataFrame) -> float:
        return float(frame.get_column("numerator").sum() / frame.get_column("denominator").sum())

    before = ward.filter(pl.col("period_start") < dt.date.fromisoformat(change["start_date"]))
    after = ward.filter(pl.col("period_start") >= dt.date.fromisoformat(change["end_date"]))
    assert share(before) == pytest.approx(change["before"], abs=0.05)
    assert share(after) < share(before) - 0.25


def test_unknown_indicator_is_a_clear_error(source: Path) -> None:
    with pytest.raises(UnknownIndicatorError, match="moss_term_mortality") as raised:
        build_series(Dataset(source), CATALOGUE, "moss_term_mortalty", as_of=AS_OF, clock=CLOCK)
    assert raised.value.hint is not None
    assert "ed_4h" in raised.value.hint
