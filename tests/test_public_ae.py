"""The bundled A&E data as input tables: they pass the project's checks and import like any file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.data.load import validate
from caresignal.data.public import InputTables, ae_attendances, ae_tables
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.series import build_series

CLOCK = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def tables() -> InputTables:
    return ae_tables()


@pytest.fixture(scope="module")
def type1() -> pl.DataFrame:
    return ae_attendances().filter(pl.col("type") == "1")


def test_both_tables_pass_validation_unchanged(tables: InputTables) -> None:
    organisations = validate(
        tables.organisations, "organisations", today=CLOCK.today(), known_organisations=()
    )
    counts = validate(
        tables.counts, "counts", today=CLOCK.today(), known_organisations=organisations.frame
    )
    # validate raises on any problem; a frame already typed as the schema comes back as it went in.
    assert organisations.frame.equals(tables.organisations)
    assert counts.frame.equals(tables.counts)
    assert [name for name, _ in tables.items()] == ["organisations", "counts"]
    assert tables.source == "ae_attendances.csv"


def test_each_type_one_organisation_is_a_trust_with_one_site_and_one_ed(
    tables: InputTables, type1: pl.DataFrame
) -> None:
    organisations = tables.organisations
    trusts = organisations.filter(pl.col("level") == "trust")
    # NHSRdatasets::ae_attendances: 140 organisations report type-1 attendances.
    assert trusts["code"].to_list() == sorted(type1["org_code"].unique().to_list())
    assert trusts.height == 140
    rf4 = organisations.filter(pl.col("code").str.starts_with("RF4")).sort("code")
    assert rf4.select("code", "level", "parent_code", "unit_type").rows() == [
        ("RF4", "trust", None, None),
        ("RF4-AE", "site", "RF4", None),
        ("RF4-ED", "unit", "RF4-AE", "emergency_department"),
    ]
    assert organisations.height == 3 * 140
    assert organisations["code"].n_unique() == organisations.height


def test_counts_hold_every_type_one_month_with_the_csv_totals(
    tables: InputTables, type1: pl.DataFrame
) -> None:
    counts = tables.counts
    assert counts.height == type1.height == 4932
    assert set(counts["indicator"]) == {"ed_4h"}
    assert set(counts["period_type"]) == {"month"}
    assert counts["expected"].null_count() == counts.height
    assert counts["denominator"].sum() == type1["attendances"].sum()
    seen = type1.select((pl.col("attendances") - pl.col("breaches")).sum()).item()
    assert counts["numerator"].sum() == seen
    by_unit = counts.group_by("unit_code").agg(pl.col("denominator").sum()).sort("unit_code")
    by_org = type1.group_by("org_code").agg(pl.col("attendances").sum()).sort("org_code")
    assert by_unit["unit_code"].to_list() == [f"{code}-ED" for code in by_org["org_code"]]
    assert by_unit["denominator"].to_list() == by_org["attendances"].cast(pl.Float64).to_list()


def test_the_tables_import_into_a_fresh_data_directory(tables: InputTables, tmp_path: Path) -> None:
    dataset = Dataset(tmp_path / "data")
    for name, frame in tables.items():
        path = tmp_path / f"{name}.parquet"
        frame.write_parquet(path)
        result = import_files(dataset, name, [path], clock=CLOCK, imported_by="ana")
        assert result.added
        assert result.batch.rows == frame.height
    assert dataset.table("counts").collect().equals(tables.counts)
    # The same content again is recognised, not loaded twice.
    again = import_files(
        dataset, "counts", [tmp_path / "counts.parquet"], clock=CLOCK, imported_by="ana"
    )
    assert not again.added


def test_the_catalogue_reads_ed_4h_from_the_imported_counts(
    tables: InputTables, tmp_path: Path
) -> None:
    dataset = Dataset(tmp_path / "data")
    for name, frame in tables.items():
        dataset.add(
            name, frame, sources=[tables.source], imported_by="ana", imported_at=CLOCK.now()
        )
    series = build_series(dataset, load_catalogue(), "ed_4h", as_of=date(2019, 3, 31), clock=CLOCK)
    assert len(series.units) == 140
    assert series.frame.height == 4932
    rf4 = series.unit("RF4-ED").filter(pl.col("period_start") == date(2017, 3, 1))
    # ae_attendances, RF4, type 1, March 2017: 21,289 attendances, 2,879 breaches.
    assert rf4.select("numerator", "denominator").row(0) == (21289 - 2879, 21289)
