"""Themes of concerns as series: the share of each unit's concerns a month of some HCAT
categories (recorded, else suggested), and the scan and replay of the failing ward."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.monitor import scan as scan_module
from caresignal.monitor.catalogue import Catalogue, CatalogueError, load_catalogue
from caresignal.monitor.replay import replay
from caresignal.monitor.scan import scan
from caresignal.monitor.series import PeriodSeries, build_series
from caresignal.text.themes import classify

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()
WARD = "ZJK01-PAE"  # the failing (Kettering-like) paediatric ward of the small dataset, seed 1


@pytest.fixture(scope="module")
def source(small_copy: Callable[[], Path]) -> Path:
    return small_copy()


@pytest.fixture(scope="module")
def series(source: Path) -> PeriodSeries:
    built = build_series(Dataset(source), CATALOGUE, "concerns_listening", as_of=AS_OF, clock=CLOCK)
    assert isinstance(built, PeriodSeries)
    return built


def _direct(source: Path) -> pl.DataFrame:
    """Each ward's listening concerns and all its concerns per month, counted directly."""
    snapshot = Dataset(source).snapshot()
    wards = (
        snapshot.table("organisations")
        .filter(pl.col("unit_type").is_in(["paediatric_ward", "adult_ward"]))
        .select("code")
        .collect()
        .to_series()
    )
    concerns = snapshot.table("concerns").filter(pl.col("unit_code").is_in(wards)).collect()
    suggested = classify(concerns.get_column("text")).category
    return (
        concerns.with_columns(theme=pl.coalesce(pl.col("category"), suggested))
        .group_by(
            pl.col("unit_code").alias("unit"),
            pl.col("received_date").dt.truncate("1mo").alias("period_start"),
        )
        .agg(
            (pl.col("theme") == "listening").sum().cast(pl.Float64).alias("numerator"),
            pl.len().cast(pl.Float64).alias("denominator"),
        )
        .sort("unit", "period_start")
    )


def test_the_series_is_a_direct_count_of_listening_concerns_among_all(
    source: Path, series: PeriodSeries
) -> None:
    direct = _direct(source)
    frame = series.frame.select("unit", "period_start", "numerator", "denominator")
    assert frame.equals(direct)
    assert len(series.units) == 6  # three paediatric and three adult wards
    share = frame.get_column("numerator").sum() / frame.get_column("denominator").sum()
    assert 0.15 <= share <= 0.35  # PLAUSIBLE in test_catalogue_data.py
    reference = series.frame.get_column("reference").unique()
    assert reference.len() == 1
    assert reference.item() == pytest.approx(share)  # national, over the first 36 months: all


def test_the_recorded_category_wins_and_uncoded_concerns_are_classified(source: Path) -> None:
    concerns = Dataset(source).snapshot().table("concerns").collect()
    uncoded = concerns.filter(pl.col("category").is_null(), unit_code=WARD)
    assert uncoded.height > 0  # 5 % of the synthetic concerns are uncoded
    coded = concerns.filter(unit_code=WARD, category="listening").height
    guessed = (classify(uncoded.get_column("text")).category == "listening").sum()
    built = build_series(Dataset(source), CATALOGUE, "concerns_listening", as_of=AS_OF, clock=CLOCK)
    assert built.unit(WARD).get_column("numerator").sum() == coded + guessed
    assert (
        built.unit(WARD).get_column("denominator").sum() == concerns.filter(unit_code=WARD).height
    )


def test_the_as_of_date_cuts_the_months(source: Path) -> None:
    built = build_series(
        Dataset(source), CATALOGUE, "concerns_listening", as_of=dt.date(2024, 6, 15), clock=CLOCK
    )
    ward = built.unit(WARD)
    assert ward.get_column("period_start").max() == dt.date(2024, 6, 1)
    last = ward.filter(period_start=dt.date(2024, 6, 1)).get_column("denominator").item()
    received = (
        Dataset(source)
        .snapshot()
        .table("concerns")
        .filter(
            pl.col("unit_code") == WARD,
            pl.col("received_date").is_between(dt.date(2024, 6, 1), dt.date(2024, 6, 15)),
        )
    )
    assert last == received.collect().height


def test_the_failing_ward_is_flagged_on_not_being_listened_to(source: Path) -> None:
    result = scan(Dataset(source), CATALOGUE, as_of=AS_OF, clock=CLOCK)
    flagged = {
        (f.method, f.level)
        for f in result.findings
        if (f.unit, f.indicator, f.direction) == (WARD, "concerns_listening", "concern")
    }
    assert ("poisson_cusum", "red") in flagged


THEME = """
[[indicator]]
id = "concerns_theme"
title = "A theme"
description = "Concerns of a theme."
table = "concerns"
level = "unit"
unit_types = ["paediatric_ward"]
period = "{period}"
worse = "higher"

[indicator.definition]
{definition}

[[indicator.methods]]
method = "{method}"
"""


@pytest.mark.parametrize(
    ("period", "definition", "method", "key", "expected"),
    [
        ("month", 'categories = ["listning"]', "p_chart", "categories", "one of"),
        ("month", "categories = []", "p_chart", "categories", "at least one"),
        ("month", 'population = "channel = \'pals\'"', "p_chart", "categories", "required"),
        ("month", 'categories = ["listening"]\noutcome = "x"', "p_chart", "outcome",
         "one of the keys"),
        ("month", 'categories = ["safety"]\npopulation = "chanel = 1"', "p_chart", "population",
         "columns of the source table"),
        ("week", 'categories = ["listening"]', "p_chart", "period", "month"),
        ("month", 'categories = ["listening"]', "u_chart", "method", "proportions"),
    ],
)  # fmt: skip
def test_a_wrong_concerns_definition_is_refused(
    tmp_path: Path, period: str, definition: str, method: str, key: str, expected: str
) -> None:
    path = tmp_path / "theme.toml"
    path.write_text(THEME.format(period=period, definition=definition, method=method))
    with pytest.raises(CatalogueError, match=expected) as error:
        load_catalogue(path)
    assert error.value.key is not None
    assert key in error.value.key


def test_a_trust_adds_a_theme_of_its_own(tmp_path: Path, source: Path) -> None:
    path = tmp_path / "theme.toml"
    definition = (
        'categories = ["communication", "respect_and_patient_rights"]\n'
        "population = \"channel = 'complaint'\""
    )
    path.write_text(THEME.format(period="month", definition=definition, method="p_chart"))
    catalogue = load_catalogue(path)
    built = build_series(Dataset(source), catalogue, "concerns_theme", as_of=AS_OF, clock=CLOCK)
    complaints = (
        Dataset(source)
        .snapshot()
        .table("concerns")
        .filter(pl.col("channel") == "complaint", pl.col("unit_code").str.ends_with("-PAE"))
        .collect()
    )
    assert built.frame.get_column("denominator").sum() == complaints.height
    assert built.frame.get_column("numerator").sum() > 0


def test_the_replay_finds_the_listening_theme_before_the_complaints_cusum(source: Path) -> None:
    """On the small dataset the ward's listening concerns cross the CUSUM's red line months
    before its complaints do (docs/themes.md gives the dates)."""
    result = replay(Dataset(source), CATALOGUE, clock=CLOCK)
    red = {
        s.indicator: s.fired
        for s in reversed(result.signals)
        if (s.unit, s.method, s.level, s.direction) == (WARD, "poisson_cusum", "red", "concern")
    }
    decline = dt.date(2024, 1, 1)
    assert decline < red["concerns_listening"] < red["complaints"]


def test_a_rescan_after_a_month_of_concerns_carries_the_theme_on(
    small_copy: Callable[[], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new batch of concerns (the last month's again, a month on) is read alone, and the
    charts carried on from the kept state find what a scan from scratch finds."""
    catalogue = Catalogue((CATALOGUE.get("concerns_listening"),))
    directory = small_copy()
    scan(Dataset(directory), catalogue, as_of=AS_OF, clock=CLOCK)
    concerns = Dataset(directory).table("concerns")
    month = concerns.filter(pl.col("received_date") >= dt.date(2025, 12, 1)).collect()
    shifted = month.with_columns(
        ("N" + pl.col("record_id")).alias("record_id"),
        *(pl.col(c).dt.offset_by("1mo") for c in ("received_date", "acknowledged_date")),
        pl.lit(None, dtype=pl.Date).alias("answered_date"),
    )
    path = directory.parent / "concerns-new.parquet"
    shifted.write_parquet(path)
    import_files(Dataset(directory), "concerns", [path], clock=CLOCK, imported_by="test")
    resumed: set[str] = set()
    original = scan_module.resume_all

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        resumed.update(found)
        return found

    monkeypatch.setattr(scan_module, "resume_all", spy)
    as_of = dt.date(2026, 1, 31)
    carried = scan(Dataset(directory), catalogue, as_of=as_of, clock=CLOCK)
    monkeypatch.undo()
    assert resumed == {"concerns_listening"}
    months = build_series(
        Dataset(directory), catalogue, "concerns_listening", as_of=as_of, clock=CLOCK
    )
    assert months.unit(WARD).get_column("period_start").max() == dt.date(2026, 1, 1)
    shutil.rmtree(directory / "cache")
    assert carried == scan(Dataset(directory), catalogue, as_of=as_of, clock=CLOCK)
