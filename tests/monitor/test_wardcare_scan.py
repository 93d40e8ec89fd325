"""The bedside indicators as series and in a scan, on a small data directory of hand-made
bedside tables: two adult wards whose trigger episodes are answered in time for 18 months,
after which one ward's reviews come two hours late in most episodes."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from wardcare_helpers import CALM, observations

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.monitor import _series_bedside
from caresignal.monitor.catalogue import Catalogue, CatalogueError, load_catalogue
from caresignal.monitor.scan import scan
from caresignal.monitor.series import PeriodSeries, build_series

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
MONTHS = 24
STAYS_A_MONTH = 30
AS_OF = dt.date(2023, 12, 31)
SLOW = "T01S1-W2"
STEADY = "T01S1-W1"
BEDSIDE = Catalogue(tuple(i for i in load_catalogue() if i.table == "observations"))
# RCP 2017: respiration 22 (2), pulse 115 (2), 38.5 °C (1): NEWS2 5, an urgent review.
NEWS2_5 = {"respiration_rate": 22, "pulse": 115, "temperature": 38.5}


def _organisations() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "code": ["T01", "T01S1", STEADY, SLOW],
            "name": ["Trust", "Site", "Ward 1", "Ward 2"],
            "level": ["trust", "site", "unit", "unit"],
            "parent_code": [None, "T01", "T01S1", "T01S1"],
            "unit_type": [None, None, "adult_ward", "adult_ward"],
        }
    )


def _bedside() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One stay a day on each ward with one NEWS2 5; a doctor's review 20 minutes later, or on
    the slow ward from month 19, 2 hours later in four episodes of five."""
    stays, sets, answers = [], [], []
    for unit in (STEADY, SLOW):
        for month in range(MONTHS):
            first = dt.datetime(2022 + month // 12, month % 12 + 1, 1, 8)
            for day in range(STAYS_A_MONTH - 2):
                ident = f"{unit}-{month:02d}-{day:02d}"
                admitted = first + dt.timedelta(days=day)
                stays.append((ident, unit, admitted, admitted + dt.timedelta(hours=12)))
                sets.append((ident, admitted + dt.timedelta(hours=1), NEWS2_5))
                late = unit == SLOW and month >= 18 and day % 5 != 0
                delay = dt.timedelta(minutes=120 if late else 20)
                answers.append((ident, admitted + dt.timedelta(hours=1) + delay))
    encounters = pl.DataFrame(
        {
            "encounter_id": [s[0] for s in stays],
            "patient_id": [f"P{s[0]}" for s in stays],
            "unit_code": [s[1] for s in stays],
            "admission_datetime": [s[2] for s in stays],
            "discharge_datetime": [s[3] for s in stays],
            "age_months": [600] * len(stays),
            "sex": ["male"] * len(stays),
        }
    )
    responses = pl.DataFrame(
        {
            "encounter_id": [a[0] for a in answers],
            "response_datetime": [a[1] for a in answers],
            "kind": ["doctor_review"] * len(answers),
        }
    )
    return encounters, observations(*sets).drop("weight_kg", "capillary_refill_s"), responses


def _add(dataset: Dataset, table: str, frame: pl.DataFrame) -> None:
    dataset.add(table, frame, sources=[f"{table}.csv"], imported_by="test", imported_at=CLOCK.now())


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bedside") / "data"
    dataset = Dataset(path)
    _add(dataset, "organisations", _organisations())
    encounters, sets, responses = _bedside()
    _add(dataset, "encounters", encounters)
    _add(dataset, "observations", sets)
    _add(dataset, "responses", responses)
    return path


def test_the_series_is_the_audits_monthly_share(directory: Path) -> None:
    built = build_series(
        Dataset(directory), BEDSIDE, "bedside_triggers_in_time", as_of=AS_OF, clock=CLOCK
    )
    assert isinstance(built, PeriodSeries)
    assert built.units == (STEADY, SLOW)
    steady, slow = built.unit(STEADY), built.unit(SLOW)
    assert steady.height == slow.height == MONTHS
    assert steady.get_column("denominator").unique().to_list() == [STAYS_A_MONTH - 2]
    assert steady.get_column("numerator").unique().to_list() == [STAYS_A_MONTH - 2]
    # From month 19 the slow ward answers 1 episode in 5 in time: day 0, 5, 10, 15, 20, 25.
    assert slow.get_column("numerator").to_list()[18:] == [6.0] * 6


def test_the_median_delay_is_a_value_of_its_own(directory: Path) -> None:
    """The median minutes to the review, for an XmR chart: numerator the median, denominator 1."""
    built = build_series(
        Dataset(directory), BEDSIDE, "bedside_review_delay", as_of=AS_OF, clock=CLOCK
    )
    assert isinstance(built, PeriodSeries)
    steady, slow = built.unit(STEADY), built.unit(SLOW)
    assert steady.get_column("numerator").unique().to_list() == [20.0]
    assert steady.get_column("denominator").unique().to_list() == [1.0]
    # From month 19 four episodes in five on the slow ward wait 120 minutes: the median is 120.
    assert slow.get_column("numerator").to_list()[:18] == [20.0] * 18
    assert slow.get_column("numerator").to_list()[18:] == [120.0] * 6


def test_a_ward_whose_responses_get_slower_is_flagged(directory: Path) -> None:
    result = scan(Dataset(directory), BEDSIDE, as_of=AS_OF, clock=CLOCK)
    flagged = {(f.unit, f.indicator) for f in result.findings if f.direction == "concern"}
    assert (SLOW, "bedside_triggers_in_time") in flagged
    assert (SLOW, "bedside_review_delay") in flagged
    assert not any(unit == STEADY for unit, _ in flagged)


def test_a_ward_without_bedside_data_has_no_series(directory: Path, tmp_path: Path) -> None:
    path = tmp_path / "data"
    dataset = Dataset(path)
    _add(dataset, "organisations", _organisations())
    built = build_series(
        dataset, BEDSIDE, "bedside_carer_concerns_in_time", as_of=AS_OF, clock=CLOCK
    )
    assert built.frame.height == 0
    result = scan(dataset, BEDSIDE, as_of=AS_OF, clock=CLOCK)
    assert result.findings == ()
    assert result.skipped == ()  # no noise about charts that cannot run
    # a ward with bedside data but no carer ever saying "worse": no series either
    carers = build_series(
        Dataset(directory), BEDSIDE, "bedside_carer_concerns_in_time", as_of=AS_OF, clock=CLOCK
    )
    assert carers.frame.height == 0
    assert CALM["carer_answer"] is None  # the hand-made sets hold no carer's answer


BEDSIDE_FILE = """
[[indicator]]
id = "bedside_own"
title = "A bedside measure"
description = "A trust's own bedside indicator."
table = "observations"
level = "unit"
unit_types = ["adult_ward"]
period = "{period}"
worse = "lower"
{unit_column}

[indicator.definition]
{definition}

[[indicator.methods]]
method = "p_chart"
"""


@pytest.mark.parametrize(
    ("period", "unit_column", "definition", "key", "expected"),
    [
        ("month", "", 'measure = "triggers_on_time"', "measure", "one of"),
        ("month", "", "", "measure", "required"),
        ("month", "", 'measure = "triggers_in_time"\npopulation = "pulse > 90"', "population",
         "one of the keys"),
        ("week", "", 'measure = "triggers_in_time"', "period", "month"),
        ("month", 'unit_column = "encounter_id"', 'measure = "triggers_in_time"', "unit_column",
         "unit_code"),
    ],
)  # fmt: skip
def test_a_wrong_bedside_definition_is_refused(
    tmp_path: Path, period: str, unit_column: str, definition: str, key: str, expected: str
) -> None:
    path = tmp_path / "bedside.toml"
    path.write_text(
        BEDSIDE_FILE.format(period=period, unit_column=unit_column, definition=definition)
    )
    with pytest.raises(CatalogueError, match=expected) as error:
        load_catalogue(path)
    assert error.value.key is not None
    assert key in error.value.key


def test_a_trust_adds_a_bedside_measure_of_its_own(tmp_path: Path, directory: Path) -> None:
    path = tmp_path / "bedside.toml"
    path.write_text(
        BEDSIDE_FILE.format(
            period="month", unit_column="", definition='measure = "triggers_late_or_missed"'
        )
    )
    catalogue = load_catalogue(path)
    built = build_series(Dataset(directory), catalogue, "bedside_own", as_of=AS_OF, clock=CLOCK)
    slow = built.unit(SLOW)
    # From month 19 the slow ward answers 4 episodes in 5 late: 22 of its 28 a month.
    assert slow.get_column("numerator").to_list()[18:] == [22.0] * 6
    assert built.unit(STEADY).get_column("numerator").sum() == 0


def test_the_audit_is_kept_until_the_bedside_tables_change(
    directory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every bedside indicator of a scan, and every later scan that imports nothing new at the
    bedside, reads the one audit kept in cache/bedside/ instead of auditing again; an as-of date
    past the data's end gives the same series (a trigger still in its time limit when the data
    end is pending, not missed)."""
    copy = tmp_path / "data"
    shutil.copytree(directory, copy)
    shutil.rmtree(copy / "cache", ignore_errors=True)
    audits: list[object] = []
    original = _series_bedside.audit  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> Any:
        audits.append(kwargs.get("as_of"))
        return original(*args, **kwargs)

    monkeypatch.setattr(_series_bedside, "audit", counted)
    monkeypatch.setattr(_series_bedside, "_KEPT", OrderedDict())
    first = scan(Dataset(copy), BEDSIDE, as_of=AS_OF, clock=CLOCK)
    assert len(audits) == 1  # one audit for every bedside indicator of the scan
    assert list((copy / _series_bedside.FOLDER).glob("*.parquet"))
    monkeypatch.setattr(_series_bedside, "_KEPT", OrderedDict())  # as a new process would
    later = AS_OF + dt.timedelta(days=62)
    again = scan(Dataset(copy), BEDSIDE, as_of=later, clock=CLOCK)
    assert len(audits) == 1  # read from the data directory
    assert again.findings == first.findings
    series = [
        build_series(Dataset(copy), BEDSIDE, ident, as_of=day, clock=CLOCK).frame
        for day in (AS_OF, later)
        for ident in ("bedside_triggers_in_time",)
    ]
    assert series[0].equals(series[1])
