"""The series cache: rescans give exactly what a cold build gives, and reuse only what is valid."""

from __future__ import annotations

import dataclasses
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
from caresignal.monitor import _series_cache as cache
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.series import CaseSeries, Series, build_all, build_series, model_path

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2026, 1, 31)
CATALOGUE = load_catalogue()
CASES = [item.id for item in CATALOGUE if item.table == "births"]


@pytest.fixture(scope="module")
def source(small_copy: Callable[[], Path]) -> Path:
    """The small synthetic dataset with its risk models fitted (no cache)."""
    directory = small_copy()
    build_all(Dataset(directory), CATALOGUE, as_of=AS_OF, clock=CLOCK)
    shutil.rmtree(directory / "cache")
    return directory


@pytest.fixture
def data(source: Path, tmp_path: Path) -> Dataset:
    shutil.copytree(source, tmp_path / "data")
    return Dataset(tmp_path / "data")


def _cold(dataset: Dataset) -> dict[str, Series]:
    shutil.rmtree(dataset.directory / "cache", ignore_errors=True)
    return build_all(dataset, CATALOGUE, as_of=AS_OF, clock=CLOCK)


def _same(one: dict[str, Series], other: dict[str, Series]) -> None:
    assert list(one) == list(other)
    for name, series in one.items():
        again = other[name]
        assert series.frame.equals(again.frame), name
        assert series.frame.schema == again.frame.schema, name
        assert series.units == again.units, name
        assert (series.offsets == again.offsets).all(), name
        if isinstance(series, CaseSeries):
            assert isinstance(again, CaseSeries)
            assert (series.fit is None) == (again.fit is None)
            if series.fit is not None and again.fit is not None:
                assert series.fit.to_dict() == again.fit.to_dict()
            assert series.baseline_changed == again.baseline_changed


def _manifest(dataset: Dataset, name: str) -> dict[str, object]:
    path = cache.folder(dataset.directory, name) / cache.MANIFEST
    document: dict[str, object] = json.loads(path.read_text("utf-8"))
    return document


def test_cached_and_uncached_builds_are_identical(data: Dataset) -> None:
    cold = _cold(data)
    for name in CASES:
        assert (cache.folder(data.directory, name) / cache.MANIFEST).is_file()
    warm = build_all(data, CATALOGUE, as_of=AS_OF, clock=CLOCK)
    _same(cold, warm)
    early = dt.date(2024, 6, 30)  # as_of is applied after the cache
    _same(
        build_all(data, CATALOGUE, as_of=early, clock=CLOCK),
        _cold_at(data, early),
    )


def _cold_at(dataset: Dataset, as_of: dt.date) -> dict[str, Series]:
    shutil.rmtree(dataset.directory / "cache", ignore_errors=True)
    return build_all(dataset, CATALOGUE, as_of=as_of, clock=CLOCK)


def _append_a_month(dataset: Dataset, tmp_path: Path) -> None:
    """Import December 2025's births again, as new records dated one month on."""
    births = dataset.table("births").filter(pl.col("birth_datetime") >= datetime(2025, 12, 1))
    month = births.collect().with_columns(
        ("N" + pl.col("record_id")).alias("record_id"),
        pl.col("birth_datetime").dt.offset_by("1mo"),
        pl.col("neonatal_death_date").dt.offset_by("1mo"),
    )
    month.write_parquet(tmp_path / "january.parquet")
    import_files(dataset, "births", [tmp_path / "january.parquet"], clock=CLOCK, imported_by="t")


def test_an_appended_batch_reuses_the_cache_and_matches_a_cold_build(
    data: Dataset, tmp_path: Path
) -> None:
    _cold(data)
    before = {name: _manifest(data, name) for name in CASES}
    _append_a_month(data, tmp_path)
    warm = build_all(data, CATALOGUE, as_of=AS_OF, clock=CLOCK)
    for name in CASES:
        after = _manifest(data, name)
        pieces = after["pieces"]
        assert isinstance(pieces, dict)
        old = before[name]["pieces"]
        assert isinstance(old, dict)
        assert len(pieces) == len(old) + 1
        assert {key: pieces[key] for key in old} == old  # the old pieces were kept as they were
    assert warm["moss_term_mortality"].frame.get_column("date").max() >= datetime(2026, 1, 1)
    _same(warm, _cold(data))


def test_a_refit_invalidates_the_cache(data: Dataset) -> None:
    _cold(data)
    key = _manifest(data, "term_hie")["key"]
    later = FixedClock(datetime(2026, 12, 1, tzinfo=UTC))
    refitted = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=later, refit=True)
    assert isinstance(refitted, CaseSeries)
    assert refitted.refitted
    assert _manifest(data, "term_hie")["key"] != key
    again = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=later)
    assert isinstance(again, CaseSeries)
    assert again.fit is not None
    assert refitted.fit is not None
    assert again.fit.to_dict() == refitted.fit.to_dict()
    assert again.frame.equals(refitted.frame)


def test_a_changed_definition_or_fit_does_not_match_the_cache(data: Dataset) -> None:
    _cold(data)
    indicator = CATALOGUE.get("term_hie")
    series = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=CLOCK)
    assert isinstance(series, CaseSeries)
    units = list(series.units)
    key = cache.key_of(indicator, units, series.fit)
    assert cache.read(data.directory, indicator.id, key) is not None
    changed = dataclasses.replace(
        indicator,
        definition=dataclasses.replace(indicator.definition, population="gestation_weeks >= 38"),
    )
    assert (
        cache.read(data.directory, indicator.id, cache.key_of(changed, units, series.fit)) is None
    )
    assert (
        cache.read(data.directory, indicator.id, cache.key_of(indicator, units[1:], series.fit))
        is None
    )
    assert series.fit is not None
    other = dataclasses.replace(series.fit, fitted_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert cache.read(data.directory, indicator.id, cache.key_of(indicator, units, other)) is None


@pytest.mark.parametrize("damage", ["piece", "manifest", "missing"])
def test_a_damaged_cache_is_rebuilt(data: Dataset, damage: str) -> None:
    cold = _cold(data)
    where = cache.folder(data.directory, "term_hie")
    piece = next(where.glob("*.parquet"))
    if damage == "piece":
        piece.write_bytes(b"not parquet")
    elif damage == "manifest":
        (where / cache.MANIFEST).write_text("{", "utf-8")
    else:
        piece.unlink()
    _same(cold, build_all(data, CATALOGUE, as_of=AS_OF, clock=CLOCK))
    _same(cold, build_all(data, CATALOGUE, as_of=AS_OF, clock=CLOCK))


def test_a_fit_recorded_with_the_old_hash_is_not_compared(data: Dataset) -> None:
    path = model_path(data.directory, "term_hie")
    document = json.loads(path.read_text("utf-8"))
    document["current"]["baseline_hash"] = "sha256:" + "0" * 64  # a version-1 hash
    path.write_text(json.dumps(document), "utf-8")
    for _ in range(2):  # cold, then from the cache
        series = build_series(data, CATALOGUE, "term_hie", as_of=AS_OF, clock=CLOCK)
        assert isinstance(series, CaseSeries)
        assert not series.baseline_checked
        assert not series.baseline_changed
