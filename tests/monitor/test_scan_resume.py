"""A rescan carries each chart on from the state the last scan kept, and finds exactly what a
scan from scratch of the same data finds; anything the state depends on changing sends the
indicators concerned back to their whole series."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.monitor import scan as scan_module
from caresignal.monitor._scan_state import FOLDER, read_state
from caresignal.monitor.catalogue import Catalogue, load_catalogue
from caresignal.monitor.scan import ScanResult, last_day, scan
from caresignal.monitor.series import build_series
from caresignal.monitor.thresholds import FalseAlarmTargets

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()
BIRTHS = {item.id for item in CATALOGUE if item.table == "births"}


def _import(directory: Path, table: str, frame: pl.DataFrame, *, correction: bool = False) -> None:
    path = directory.parent / f"{table}-new.parquet"
    frame.write_parquet(path)
    import_files(
        Dataset(directory), table, [path], clock=CLOCK, imported_by="test", correction=correction
    )


def _one_more_month(directory: Path, tag: str) -> None:
    """The last month's births (new record ids), counts and staffing again, a month on."""
    dataset = Dataset(directory)
    births = dataset.table("births")
    last = births.select(pl.col("birth_datetime").max()).collect().item()
    month = (
        births.filter(pl.col("birth_datetime") >= datetime(last.year, last.month, 1))
        .collect()
        .with_columns(
            (tag + pl.col("record_id")).alias("record_id"),
            pl.col("birth_datetime").dt.offset_by("1mo"),
            pl.col("neonatal_death_date").dt.offset_by("1mo"),
        )
    )
    _import(directory, "births", month)
    for table, column in (("counts", "period_start"), ("staffing", "month")):
        rows = dataset.table(table)
        latest = rows.select(pl.col(column).max()).collect().item()
        again = rows.filter(pl.col(column) == latest).collect()
        _import(directory, table, again.with_columns(pl.col(column).dt.offset_by("1mo")))


def _tracked(
    directory: Path, monkeypatch: pytest.MonkeyPatch, catalogue: Catalogue = CATALOGUE, **kw: object
) -> tuple[ScanResult, set[str]]:
    """A scan, and the indicators it carried on from the kept state."""
    resumed: set[str] = set()
    original = scan_module.resume_all

    def spy(*args: object, **kwargs: object) -> object:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        resumed.update(found)
        return found

    monkeypatch.setattr(scan_module, "resume_all", spy)
    as_of = kw.pop("as_of", None) or last_day(Dataset(directory).snapshot(), catalogue)
    assert isinstance(as_of, dt.date)
    result = scan(Dataset(directory), catalogue, as_of=as_of, clock=CLOCK, **kw)  # type: ignore[arg-type]
    monkeypatch.undo()
    return result, resumed


def _from_scratch(
    directory: Path, tmp_path: Path, as_of: dt.date, catalogue: Catalogue
) -> ScanResult:
    """A scan of a copy of ``directory`` without any cache (series, thresholds, scan state)."""
    copy = tmp_path / "scratch"
    shutil.copytree(directory, copy)
    shutil.rmtree(copy / "cache")
    return scan(Dataset(copy), catalogue, as_of=as_of, clock=CLOCK)


@pytest.fixture(scope="module")
def scanned(small_copy: Callable[[], Path]) -> Path:
    """The small dataset scanned as of its last day (which keeps the state)."""
    directory = small_copy()
    scan(Dataset(directory), CATALOGUE, as_of=AS_OF, clock=CLOCK)
    return directory


@pytest.fixture
def later(scanned: Path, tmp_path: Path) -> Path:
    """A copy of ``scanned`` with one more month of births, counts and staffing imported."""
    copy = tmp_path / "data"
    shutil.copytree(scanned, copy)
    _one_more_month(copy, "M1")
    return copy


def test_the_first_scan_keeps_a_state_for_every_indicator(scanned: Path) -> None:
    state = read_state(scanned)
    assert state is not None
    assert state.as_of == AS_OF
    assert set(state.indicators) == set(CATALOGUE.ids)


def test_a_rescan_after_one_more_month_equals_a_scan_from_scratch(
    later: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, resumed = _tracked(later, monkeypatch)
    assert result.as_of == dt.date(2026, 1, 31)
    assert resumed == set(CATALOGUE.ids)
    assert result == _from_scratch(later, tmp_path, result.as_of, CATALOGUE)
    # and again a month later, carried on from the state the rescan kept
    _one_more_month(later, "M2")
    second, resumed = _tracked(later, monkeypatch)
    assert resumed == set(CATALOGUE.ids)
    assert second.as_of == dt.date(2026, 2, 28)
    assert second == _from_scratch(later, tmp_path / "2", second.as_of, CATALOGUE)


def test_a_changed_indicator_is_scanned_from_its_whole_series(
    later: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = dataclasses.replace(
        CATALOGUE.get("term_hie"), false_alarms=FalseAlarmTargets(amber_years=5, red_years=25)
    )
    catalogue = Catalogue(tuple(changed if item.id == changed.id else item for item in CATALOGUE))
    result, resumed = _tracked(later, monkeypatch, catalogue)
    assert resumed == set(CATALOGUE.ids) - {"term_hie"}
    assert result == _from_scratch(later, tmp_path, result.as_of, catalogue)


def test_a_refitted_model_sends_its_indicator_back_to_the_whole_series(
    later: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refitted_at = FixedClock(datetime(2026, 11, 24, tzinfo=UTC))  # a new record of the fit
    build_series(Dataset(later), CATALOGUE, "term_hie", as_of=AS_OF, clock=refitted_at, refit=True)
    result, resumed = _tracked(later, monkeypatch)
    assert "term_hie" not in resumed
    assert resumed >= set(CATALOGUE.ids) - BIRTHS
    assert result == _from_scratch(later, tmp_path, result.as_of, CATALOGUE)


def test_a_correction_of_older_births_sends_the_births_indicators_back(
    later: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    births = Dataset(later).table("births").sort("record_id").head(3).collect()
    _import(later, "births", births.with_columns(~pl.col("tear_3rd_4th")), correction=True)
    result, resumed = _tracked(later, monkeypatch)
    assert resumed == set(CATALOGUE.ids) - BIRTHS
    assert result == _from_scratch(later, tmp_path, result.as_of, CATALOGUE)


def test_late_records_dated_before_the_last_scan_send_their_table_back(
    scanned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(scanned, copy)
    births = Dataset(copy).table("births").sort("record_id").head(20).collect()
    _import(copy, "births", births.with_columns(("L" + pl.col("record_id")).alias("record_id")))
    result, resumed = _tracked(copy, monkeypatch)
    assert resumed == set(CATALOGUE.ids) - BIRTHS
    assert result == _from_scratch(copy, tmp_path, result.as_of, CATALOGUE)


def test_an_earlier_as_of_date_is_scanned_from_the_whole_series(
    scanned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(scanned, copy)
    earlier = dt.date(2025, 6, 30)
    result, resumed = _tracked(copy, monkeypatch, as_of=earlier)
    assert resumed == set()
    assert result == _from_scratch(copy, tmp_path, earlier, CATALOGUE)


def test_a_damaged_state_is_no_state(
    later: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (later / FOLDER / "manifest.json").write_text("{not json", "utf-8")
    result, resumed = _tracked(later, monkeypatch)
    assert resumed == set()
    assert result == _from_scratch(later, tmp_path, result.as_of, CATALOGUE)
    assert read_state(later) is not None  # kept again for the next scan
