"""The rules over several columns, record keys, organisation codes and dates in the future: each
broken rule gives its exact problem, and a bad cell is reported once, not again by the rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from caresignal.data.load import Problem, validate
from caresignal.data.schema import SCHEMAS
from caresignal.errors import ImportRejectedError

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TODAY = date(2025, 1, 1)
ORGANISATIONS = pl.read_csv(EXAMPLES / "organisations.csv", infer_schema=False)


def example(table: str) -> pl.DataFrame:
    return pl.read_csv(EXAMPLES / f"{table}.csv", infer_schema=False)


def edit(table: str, row: int, **cells: str | None) -> pl.DataFrame:
    """The example ``table`` with ``cells`` changed in spreadsheet row ``row``."""
    at_row = pl.int_range(pl.len()) + 2 == row
    return example(table).with_columns(
        pl.when(at_row).then(pl.lit(value, dtype=pl.String)).otherwise(pl.col(name)).alias(name)
        for name, value in cells.items()
    )


def problems(
    frame: pl.DataFrame, table: str, known: object = ORGANISATIONS, **options: object
) -> list[tuple[int | None, str, str | None, str | None]]:
    with pytest.raises(ImportRejectedError) as caught:
        validate(frame, table, today=TODAY, known_organisations=known, **options)
    return [(p.row, p.check, p.column, p.value) for p in caught.value.problems]


def passes(
    frame: pl.DataFrame, table: str, known: object = ORGANISATIONS, **options: object
) -> None:
    assert validate(frame, table, today=TODAY, known_organisations=known, **options).rows > 0


@pytest.mark.parametrize(
    ("row", "cells", "check", "column", "value"),
    [
        (
            3,
            {
                "stillbirth": "antepartum",
                "neonatal_death": "true",
                "neonatal_death_date": "8/3/2024",
            },
            "stillbirth_and_neonatal_death",
            "stillbirth, neonatal_death",
            "stillbirth = antepartum, neonatal_death = true",
        ),
        (
            7,
            {"gestation_weeks": "23"},
            "stillbirth_before_24_weeks",
            "stillbirth, gestation_weeks",
            "stillbirth = intrapartum, gestation_weeks = 23",
        ),
        (
            3,
            {"neonatal_death": "true"},
            "neonatal_death_without_date",
            "neonatal_death, neonatal_death_date",
            "neonatal_death = true, neonatal_death_date = empty",
        ),
        (
            3,
            {"neonatal_death_date": "2024-03-10"},
            "death_date_without_neonatal_death",
            "neonatal_death, neonatal_death_date",
            "neonatal_death = false, neonatal_death_date = 2024-03-10",
        ),
        (
            6,
            {"neonatal_death_date": "08/03/2024"},
            "neonatal_death_before_birth",
            "birth_datetime, neonatal_death_date",
            "birth_datetime = 2024-03-09 09:52, neonatal_death_date = 2024-03-08",
        ),
        (
            6,
            {"neonatal_death_date": "2024-04-07"},
            "neonatal_death_after_28_days",
            "birth_datetime, neonatal_death_date",
            "birth_datetime = 2024-03-09 09:52, neonatal_death_date = 2024-04-07",
        ),
        (
            7,
            {"apgar5_below_7": "true"},
            "stillbirth_with_apgar",
            "stillbirth, apgar5_below_7",
            "stillbirth = intrapartum, apgar5_below_7 = true",
        ),
        (
            4,
            {"tear_3rd_4th": "yes"},
            "caesarean_with_tear",
            "birth_mode, tear_3rd_4th",
            "birth_mode = planned_caesarean, tear_3rd_4th = true",
        ),
        (
            4,
            {"labour_onset": "induced"},
            "planned_caesarean_in_labour",
            "birth_mode, labour_onset",
            "birth_mode = planned_caesarean, labour_onset = induced",
        ),
        (
            2,
            {"birth_datetime": "2025-01-02T00:05"},
            "future_date",
            "birth_datetime",
            "2025-01-02T00:05",
        ),
    ],
)
def test_each_births_rule(
    row: int, cells: dict[str, str], check: str, column: str, value: str
) -> None:
    assert problems(edit("births", row, **cells), "births") == [(row, check, column, value)]


def test_a_neonatal_death_28_days_after_the_birth_date_is_accepted() -> None:
    passes(edit("births", 6, neonatal_death_date="2024-04-06"), "births")


def test_a_birth_today_is_accepted_and_tomorrow_refused() -> None:
    passes(edit("births", 2, birth_datetime="2025-01-01T23:59"), "births")
    found = problems(edit("births", 2, birth_datetime="02/01/2025 00:00"), "births")
    assert found == [(2, "future_date", "birth_datetime", "02/01/2025 00:00")]


def test_a_bad_cell_is_reported_once_and_not_again_by_the_rules_that_read_it() -> None:
    frame = edit("births", 3, neonatal_death="perhaps", neonatal_death_date="2024-03-10")
    assert problems(frame, "births") == [(3, "type", "neonatal_death", "perhaps")]
    frame = edit("births", 6, neonatal_death_date="31/02/2024")
    assert problems(frame, "births") == [(6, "type", "neonatal_death_date", "31/02/2024")]


@pytest.mark.parametrize(
    ("table", "row", "cells", "found"),
    [
        (
            "admissions",
            2,
            {"discharge_date": "2024-03-06"},
            (
                "discharge_before_admission",
                "admission_date, discharge_date",
                "admission_date = 2024-03-07, discharge_date = 2024-03-06",
            ),
        ),
        (
            "admissions",
            3,
            {"discharge_date": "2025-06-01"},
            ("future_date", "discharge_date", "2025-06-01"),
        ),
        (
            "counts",
            2,
            {"period_start": "2024-03-02"},
            (
                "period_start",
                "period_start, period_type",
                "period_start = 2024-03-02, period_type = month",
            ),
        ),
        (
            "counts",
            4,
            {"period_start": "2024-03-05"},
            (
                "period_start",
                "period_start, period_type",
                "period_start = 2024-03-05, period_type = week",
            ),
        ),
        (
            "counts",
            2,
            {"numerator": "48"},
            (
                "numerator_above_denominator",
                "indicator, numerator, denominator",
                "indicator = sepsis_screen_1h, numerator = 48.0, denominator = 47.0",
            ),
        ),
        ("counts", 2, {"numerator": "-1"}, ("range", "numerator", "-1")),
        (
            "counts",
            3,
            {"period_start": "2025-02-01"},
            ("future_date", "period_start", "2025-02-01"),
        ),
        (
            "staffing",
            3,
            {"planned_hours": "0"},
            (
                "actual_without_planned",
                "planned_hours, actual_hours",
                "planned_hours = 0.0, actual_hours = 3310.0",
            ),
        ),
        ("staffing", 2, {"month": "2024-03-15"}, ("month_start", "month", "month = 2024-03-15")),
        ("staffing", 2, {"month": "2025-02-01"}, ("future_date", "month", "2025-02-01")),
        (
            "recommendations",
            2,
            {"due_date": "2023-02-13"},
            ("due_before_made", "date, due_date", "date = 2023-02-14, due_date = 2023-02-13"),
        ),
        (
            "recommendations",
            2,
            {"date": "2025-01-02", "due_date": "2025-06-30"},
            ("future_date", "date", "2025-01-02"),
        ),
        (
            "concerns",
            2,
            {"acknowledged_date": "2022-11-02"},
            (
                "acknowledged_before_received",
                "received_date, acknowledged_date",
                "received_date = 2022-11-03, acknowledged_date = 2022-11-02",
            ),
        ),
        (
            "concerns",
            4,
            {"answered_date": "13/01/2023"},
            (
                "answered_before_received",
                "received_date, answered_date",
                "received_date = 2023-01-14, answered_date = 2023-01-13",
            ),
        ),
        (
            "concerns",
            5,
            {"acknowledged_date": "2025-03-01"},
            ("future_date", "acknowledged_date", "2025-03-01"),
        ),
    ],
)
def test_the_rules_of_the_other_tables(
    table: str, row: int, cells: dict[str, str], found: tuple[str, str, str]
) -> None:
    assert problems(edit(table, row, **cells), table) == [(row, *found)]


def test_a_count_may_exceed_an_exposure_denominator_or_stand_without_one() -> None:
    frame = edit("counts", 7, numerator="300")  # inpatient deaths over 240 admissions
    assert [check for _, check, _, _ in problems(frame, "counts")] == [
        "numerator_above_denominator"
    ]
    passes(frame, "counts", exposure_indicators=["inpatient_deaths"])
    passes(edit("counts", 6, numerator="4000"), "counts")  # falls: no denominator


@pytest.mark.parametrize(
    ("row", "cells", "found"),
    [
        (2, {"parent_code": "RZZ01"}, ("trust_with_parent", "level, parent_code")),
        (3, {"parent_code": None}, ("missing_parent", "level, parent_code")),
        (5, {"parent_code": "RZZ"}, ("parent_level", "code, level, parent_code")),
        (3, {"parent_code": "RZZ01"}, ("parent_level", "code, level, parent_code")),
        (5, {"parent_code": "XYZ01"}, ("unknown_parent", "parent_code")),
        (5, {"unit_type": None}, ("unit_without_type", "level, unit_type")),
        (3, {"unit_type": "maternity"}, ("type_without_unit", "level, unit_type")),
    ],
)
def test_the_organisation_hierarchy(
    row: int, cells: dict[str, str | None], found: tuple[str, str]
) -> None:
    result = problems(edit("organisations", row, **cells), "organisations", known=())
    assert [(r, check, column) for r, check, column, _ in result] == [(row, *found)]


def test_parents_may_be_organisations_already_loaded_and_their_level_is_checked() -> None:
    units = example("organisations").filter(pl.col("level") == "unit")
    passes(units, "organisations", known=ORGANISATIONS.filter(pl.col("level") != "unit"))
    passes(units, "organisations", known={"RZZ01", "RZZ02"})  # codes only: levels unknown
    trusts_only = ORGANISATIONS.filter(pl.col("level") == "trust")
    wrong = units.with_columns(pl.lit("RZZ").alias("parent_code"))
    with pytest.raises(ImportRejectedError) as caught:
        validate(wrong, "organisations", today=TODAY, known_organisations=trusts_only)
    [problem] = caught.value.problems
    assert (problem.check, problem.row, problem.count) == ("parent_level", 2, units.height)
    assert problem.value == "code = RZZ01-MAT, level = unit, parent_code = RZZ"
    assert problem.expected == "a site's parent to be a trust and a unit's parent to be a site"
    assert problems(units, "organisations", known={"RZZ"})[0][1] == "unknown_parent"


def test_unknown_organisation_codes_are_refused_and_codes_are_exact() -> None:
    frame = edit("births", 3, site_code="rzz01")
    assert problems(frame, "births") == [(3, "unknown_organisation", "site_code", "rzz01")]
    with pytest.raises(ImportRejectedError) as caught:
        validate(example("births"), "births", today=TODAY, known_organisations=())
    [problem] = caught.value.problems
    assert (problem.check, problem.row, problem.last_row, problem.count) == (
        "unknown_organisation",
        2,
        8,
        7,
    )
    assert (problem.value, problem.other_values) == ("RZZ01", 1)


def test_a_record_twice_in_the_file_names_its_first_row() -> None:
    frame = edit("births", 5, record_id="B000123")
    with pytest.raises(ImportRejectedError) as caught:
        validate(frame, "births", today=TODAY, known_organisations=ORGANISATIONS)
    assert caught.value.problems == (
        Problem(
            "the births data",
            "duplicate_record",
            "each record once in the file; this one is already in row 2",
            column="record_id",
            value="B000123",
            row=5,
            last_row=5,
        ),
    )


def test_a_count_twice_in_the_file_by_its_four_key_columns() -> None:
    twice = pl.concat([example("counts"), example("counts").slice(2, 1)])
    assert problems(twice, "counts") == [
        (
            8,
            "duplicate_record",
            "unit_code, period_start, period_type, indicator",
            "unit_code = RZZ01-ED, period_start = 2024-03-04, period_type = week, "
            "indicator = sepsis_antibiotics_1h",
        )
    ]


def test_records_already_loaded_are_refused() -> None:
    loaded = pl.DataFrame({"record_id": ["B000125", "B999999"]})
    found = problems(example("births"), "births", existing_keys=loaded)
    assert found == [(4, "already_loaded", "record_id", "B000125")]
    passes(example("births"), "births", existing_keys=loaded.clear())


def test_counts_already_loaded_are_matched_on_typed_keys() -> None:
    loaded = pl.DataFrame(
        {
            "unit_code": ["RZZ01-PAE"],
            "period_start": [date(2024, 4, 1)],
            "period_type": ["month"],
            "indicator": ["sepsis_screen_1h"],
            "numerator": [1.0],
        }
    )
    found = problems(example("counts"), "counts", existing_keys=loaded)
    assert [(row, check) for row, check, _, _ in found] == [(3, "already_loaded")]


@pytest.mark.parametrize(
    ("table", "dropped"),
    [(table, column.name) for table, schema in SCHEMAS.items() for column in schema.columns],
)
def test_a_column_left_out_is_reported_and_the_rules_that_need_it_are_skipped(
    table: str, dropped: str
) -> None:
    frame = example(table).drop(dropped)
    if SCHEMAS[table].column(dropped).required:
        assert problems(frame, table) == [(None, "missing_column", dropped, None)]
    else:
        passes(frame, table)


def test_a_stillbirth_at_24_weeks_exactly_is_accepted() -> None:
    # MBRRACE-UK: a baby born with no signs of life at 24+0 weeks or later is a stillbirth.
    passes(edit("births", 7, gestation_weeks="24", gestation_days="0"), "births")
