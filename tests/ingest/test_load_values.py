"""Validation of cells and columns: each kind of bad value gives its exact problem, and problems are
grouped, capped and described as documented (docs/data.md)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from caresignal.data.load import Problem, format_problems, validate
from caresignal.errors import ImportRejectedError

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TODAY = date(2025, 1, 1)
ORGANISATIONS = pl.read_csv(EXAMPLES / "organisations.csv", infer_schema=False)
BIRTHWEIGHT = "a whole number of grams from 200 to 7,000"


def example(table: str) -> pl.DataFrame:
    return pl.read_csv(EXAMPLES / f"{table}.csv", infer_schema=False)


def births(rows: int) -> pl.DataFrame:
    """The example births (all valid) repeated to ``rows`` rows with unique record ids."""
    base = example("births")
    return base.select(pl.all().gather(pl.int_range(rows) % base.height)).with_columns(
        pl.format("B{}", pl.int_range(pl.len())).alias("record_id")
    )


def with_cells(frame: pl.DataFrame, column: str, values: dict[int, str | None]) -> pl.DataFrame:
    """``frame`` with ``column`` set to each value at its spreadsheet row (header = row 1)."""
    index = pl.int_range(pl.len()) + 2
    value = pl.col(column)
    for row, new in values.items():
        value = pl.when(index == row).then(pl.lit(new, dtype=pl.String)).otherwise(value)
    return frame.with_columns(value.alias(column))


def rejected(frame: pl.DataFrame, table: str = "births", **options: object) -> ImportRejectedError:
    with pytest.raises(ImportRejectedError) as caught:
        validate(
            frame,
            table,
            today=TODAY,
            known_organisations=ORGANISATIONS,
            source=f"{table}.csv",
            **options,
        )
    return caught.value


def accepted(frame: pl.DataFrame, table: str = "births") -> pl.DataFrame:
    return validate(frame, table, today=TODAY, known_organisations=ORGANISATIONS).frame


def test_a_good_file_passes_typed_as_the_schema_says() -> None:
    frame = accepted(example("births"))
    assert frame.columns[:3] == ["record_id", "site_code", "birth_datetime"]
    assert frame.schema["birth_datetime"] == pl.Datetime("us")
    assert frame.schema["birthweight_g"] == pl.Int64
    assert frame.schema["neonatal_death"] == pl.Boolean
    assert frame["birth_datetime"][2] == datetime(2024, 3, 8, 3, 5)  # written 08/03/2024 03:05
    assert frame["neonatal_death_date"].drop_nulls().to_list() == [date(2024, 3, 12)]
    assert frame["imd_decile"][2] is None


@pytest.mark.parametrize(
    ("column", "value", "check", "expected"),
    [
        ("birthweight_g", "8000", "range", BIRTHWEIGHT),
        ("birthweight_g", "150", "range", BIRTHWEIGHT),
        ("birthweight_g", "3420.5", "type", BIRTHWEIGHT),
        ("birthweight_g", "3,420", "type", BIRTHWEIGHT),
        ("gestation_weeks", "forty", "type", "a whole number from 22 to 44"),
        ("gestation_weeks", "45", "range", "a whole number from 22 to 44"),
        ("mother_age", "-3", "range", "a whole number of years from 11 to 65"),
        ("imd_decile", "0", "range", "a whole number from 1 to 10, or empty"),
        ("imd_decile", "NA", "type", "a whole number from 1 to 10, or empty"),
        ("plurality", "inf", "type", "a whole number from 1 to 6"),
        (
            "ethnic_group",
            "purple",
            "allowed",
            "one of white, mixed, asian, black, other, not_stated",
        ),
        ("previous_caesarean", "maybe", "type", "true or false (or yes/no, 1/0)"),
        (
            "birth_datetime",
            "03/27/2024 10:00",  # US order: there is no month 27
            "type",
            "a date and time such as 2024-03-07T14:25 or 07/03/2024 14:25",
        ),
        (
            "birth_datetime",
            "2024-03-07",
            "type",
            "a date and time such as 2024-03-07T14:25 or 07/03/2024 14:25",
        ),
        (
            "neonatal_death_date",
            "03/27/2024",
            "type",
            "a date such as 2024-03-07 or 07/03/2024 (day/month/year), or empty",
        ),
        (
            "neonatal_death_date",
            "07/03/24",
            "type",
            "a date such as 2024-03-07 or 07/03/2024 (day/month/year), or empty",
        ),
        (
            "neonatal_death_date",
            "2024-02-30",
            "type",
            "a date such as 2024-03-07 or 07/03/2024 (day/month/year), or empty",
        ),
    ],
)
def test_each_bad_value_gives_its_exact_problem(
    column: str, value: str, check: str, expected: str
) -> None:
    error = rejected(with_cells(example("births"), column, {3: value}))
    assert error.problems == (
        Problem("births.csv", check, expected, column=column, value=value, row=3, last_row=3),
    )
    assert error.total == 1
    assert error.rows == 1


@pytest.mark.parametrize("value", ["", "   ", None])
def test_an_empty_required_cell_is_reported_as_empty(value: str | None) -> None:
    error = rejected(with_cells(example("births"), "birthweight_g", {4: value}))
    assert error.problems == (
        Problem("births.csv", "empty", BIRTHWEIGHT, column="birthweight_g", row=4, last_row=4),
    )
    assert error.problems[0].describe() == (
        f"births.csv, row 4: birthweight_g is empty; expected {BIRTHWEIGHT}"
    )


@pytest.mark.parametrize(
    ("column", "written", "stored"),
    [
        ("previous_caesarean", "TRUE", True),
        ("previous_caesarean", " Yes ", True),
        ("previous_caesarean", "y", True),
        ("previous_caesarean", "1", True),
        ("previous_caesarean", "No", False),
        ("previous_caesarean", "0", False),
        ("ethnic_group", "White", "white"),
        ("ethnic_group", " NOT_STATED ", "not_stated"),
        ("birthweight_g", "3420.0", 3420),
        ("birthweight_g", " 3420 ", 3420),
        ("birthweight_g", "3.42e3", 3420),
        ("neonatal_death_date", "2024-03-07", date(2024, 3, 7)),
        ("neonatal_death_date", "2024-3-7", date(2024, 3, 7)),
        ("neonatal_death_date", "07/03/2024", date(2024, 3, 7)),
        ("neonatal_death_date", "7/3/2024", date(2024, 3, 7)),
        ("neonatal_death_date", "2024-03-07 00:00:00", date(2024, 3, 7)),
        ("birth_datetime", "2024-03-07T14:25", datetime(2024, 3, 7, 14, 25)),
        ("birth_datetime", "2024-03-07 14:25", datetime(2024, 3, 7, 14, 25)),
        ("birth_datetime", "2024-03-07T14:25:30", datetime(2024, 3, 7, 14, 25, 30)),
        ("birth_datetime", "2024-03-07 14:25:30.250", datetime(2024, 3, 7, 14, 25, 30)),
        ("birth_datetime", "07/03/2024 14:25", datetime(2024, 3, 7, 14, 25)),
        ("birth_datetime", "7/3/2024 9:05:30", datetime(2024, 3, 7, 9, 5, 30)),
    ],
)
def test_friendly_forms_are_accepted_and_stored_as_the_schema_spells_them(
    column: str, written: str, stored: object
) -> None:
    frame = example("births").filter(pl.col("record_id") == "B000128")  # a stillbirth, no death
    if column == "neonatal_death_date":  # a date of death needs a neonatal death after the birth
        frame = frame.with_columns(
            pl.lit("2024-03-06T10:00").alias("birth_datetime"),
            pl.lit("no").alias("stillbirth"),
            pl.lit("true").alias("neonatal_death"),
        )
    assert accepted(with_cells(frame, column, {2: written}))[column][0] == stored


@pytest.mark.parametrize(
    "written", ["2024-03-07T14:25Z", "14:25 07/03/2024", "2024-03-07T25:00", "2024-03-07T14"]
)
def test_other_date_time_forms_are_refused(written: str) -> None:
    error = rejected(with_cells(example("births"), "birth_datetime", {2: written}))
    assert [(p.check, p.value) for p in error.problems] == [("type", written)]


def test_missing_and_unknown_columns_name_the_nearest_schema_column() -> None:
    frame = (
        example("births")
        .rename({"birthweight_g": "birthweight", "plurality": "Plurality"})
        .drop("parity")
        .with_columns(pl.lit("red").alias("colour"))
    )
    error = rejected(frame)
    missing = "in every births file"
    assert error.problems[:5] == (
        Problem("births.csv", "missing_column", missing, column="birthweight_g"),
        Problem("births.csv", "missing_column", missing, column="plurality"),
        Problem("births.csv", "missing_column", missing, column="parity"),
        Problem(
            "births.csv",
            "unknown_column",
            "one of the births columns; did you mean birthweight_g?",
            column="birthweight",
        ),
        Problem(
            "births.csv",
            "unknown_column",
            "one of the births columns; did you mean plurality?",
            column="Plurality",
        ),
    )
    assert error.problems[5].column == "colour"
    assert error.problems[5].expected.startswith("one of the births columns: record_id, ")
    assert error.total == 6
    assert error.problems[3].describe() == (
        "births.csv: column birthweight is not a column of this table; "
        "expected one of the births columns; did you mean birthweight_g?"
    )


def test_optional_columns_left_out_are_added_empty_and_typed() -> None:
    counts = accepted(example("counts").drop("expected"), "counts")
    assert counts.columns[-1] == "expected"
    assert counts.schema["expected"] == pl.Float64
    assert counts["expected"].null_count() == counts.height


def test_repeats_of_a_problem_over_consecutive_rows_are_one_problem_with_a_count() -> None:
    frame = with_cells(births(40), "birthweight_g", dict.fromkeys(range(5, 21), ""))
    frame = with_cells(frame, "birthweight_g", {22: "8000", 23: "9000", 24: "8000"})
    frame = with_cells(frame, "birthweight_g", {26: "", 27: "abc", 29: "abc"})
    error = rejected(frame)
    found = [(p.check, p.row, p.last_row, p.count, p.value, p.other_values) for p in error.problems]
    assert found == [
        ("empty", 5, 20, 16, None, 0),
        ("range", 22, 24, 3, "8000", 1),
        ("empty", 26, 26, 1, None, 0),
        ("type", 27, 27, 1, "abc", 0),
        ("type", 29, 29, 1, "abc", 0),
    ]
    assert error.total == 5
    assert error.rows == 16 + 3 + 3
    assert error.problems[0].describe() == (
        f"births.csv, rows 5–20: birthweight_g is empty; expected {BIRTHWEIGHT} (16 rows)"
    )
    assert error.problems[1].describe() == (
        f'births.csv, rows 22–24: birthweight_g is "8000" (and 1 other value); '
        f"expected {BIRTHWEIGHT} (3 rows)"
    )


def test_a_long_run_is_counted_with_thousands_separators() -> None:
    error = rejected(births(4_300).with_columns(pl.lit(None, dtype=pl.String).alias("parity")))
    assert error.problems[0].describe() == (
        "births.csv, rows 2–4,301: parity is empty; expected a whole number from 0 to 20 "
        "(4,300 rows)"
    )


def test_every_problem_is_counted_but_only_the_first_are_kept() -> None:
    frame = with_cells(births(1_000), "mother_age", dict.fromkeys(range(2, 1_002, 2), "99"))
    error = rejected(frame)
    assert error.total == 500
    assert error.rows == 500
    assert len(error.problems) == 200
    assert [p.row for p in error.problems[:3]] == [2, 4, 6]
    lines = format_problems(error)
    assert len(lines) == 201
    assert lines[-1] == "… and 300 more problems"
    assert error.message == "births.csv was not imported: 500 problems in 500 rows"
    assert error.hint == "Nothing was loaded. Correct the file and import it again."
    assert format_problems(error, limit=2)[-1] == "… and 498 more problems"
    assert len(rejected(frame, limit=5).problems) == 5


def test_problems_are_kept_in_file_order_across_checks() -> None:
    frame = with_cells(births(30), "mother_age", {20: "99"})
    frame = with_cells(frame, "site_code", {10: "XYZ"})
    frame = with_cells(frame, "stillbirth", {3: "antepartum"})
    frame = with_cells(frame, "neonatal_death", {3: "true"})
    frame = with_cells(frame, "neonatal_death_date", {3: "2024-03-08"})
    rows = [(p.row, p.check) for p in rejected(frame).problems]
    assert rows == [
        (3, "stillbirth_and_neonatal_death"),
        (10, "unknown_organisation"),
        (20, "range"),
    ]


def test_a_single_problem_is_the_message() -> None:
    error = rejected(with_cells(example("births"), "gestation_weeks", {5: "forty"}))
    assert error.message == (
        'births.csv was not imported: row 5: gestation_weeks is "forty"; '
        "expected a whole number from 22 to 44"
    )


def test_problems_convert_to_json_objects() -> None:
    error = rejected(with_cells(example("births"), "gestation_weeks", {5: "forty"}))
    payload = json.loads(json.dumps([problem.to_dict() for problem in error.problems]))
    assert payload == [
        {
            "file": "births.csv",
            "row": 5,
            "last_row": 5,
            "column": "gestation_weeks",
            "value": "forty",
            "expected": "a whole number from 22 to 44",
            "count": 1,
            "other_values": 0,
            "check": "type",
        }
    ]


def test_the_stages_are_reported_in_order() -> None:
    stages: list[str] = []
    validate(
        EXAMPLES / "births.csv",
        "births",
        today=TODAY,
        known_organisations=ORGANISATIONS,
        on_stage=stages.append,
    )
    assert stages == ["reading", "checking values", "checking rules"]


def test_wrong_arguments_are_programming_errors() -> None:
    births_frame = example("births")
    with pytest.raises(KeyError, match="no table called 'birth'"):
        validate(births_frame, "birth", today=TODAY, known_organisations=ORGANISATIONS)
    with pytest.raises(ValueError, match="existing_keys has no column record_id"):
        validate(
            births_frame,
            "births",
            today=TODAY,
            known_organisations=ORGANISATIONS,
            existing_keys=pl.DataFrame({"id": ["B1"]}),
        )
    with pytest.raises(ValueError, match="without a code column"):
        validate(births_frame, "births", today=TODAY, known_organisations=pl.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="limit is 0"):
        validate(births_frame, "births", today=TODAY, known_organisations=ORGANISATIONS, limit=0)
