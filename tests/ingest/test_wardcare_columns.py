"""The optional ward-care columns encounters.pregnant and observations.work_of_breathing: files
with them import typed, files without them import as before with the column empty, and a bad
value refuses the whole file naming file, row, column, value and what was expected."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.data.load import format_problems, validate
from caresignal.data.schema import WORK_OF_BREATHING, schema
from caresignal.errors import ImportRejectedError
from caresignal.stats.ews import default_pews_table

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TODAY = date(2025, 1, 1)
CLOCK = FixedClock(datetime(2025, 1, 1, 9, 0, tzinfo=UTC))
ORGANISATIONS = pl.read_csv(EXAMPLES / "organisations.csv", infer_schema=False)


def example(table: str) -> pl.DataFrame:
    return pl.read_csv(EXAMPLES / f"{table}.csv", infer_schema=False)


def stays() -> pl.DataFrame:
    return checked(example("encounters"), "encounters")


def checked(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    encounters = None if table == "encounters" else stays()
    return validate(
        frame, table, today=TODAY, known_organisations=ORGANISATIONS, encounters=encounters
    ).frame


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    data = Dataset(tmp_path / "data")
    import_files(
        data, "organisations", [EXAMPLES / "organisations.csv"], clock=CLOCK, imported_by="t"
    )
    return data


def test_the_labels_are_those_of_the_shipped_paediatric_table() -> None:
    labels = default_pews_table().parameters["work_of_breathing"].labels
    assert WORK_OF_BREATHING == labels == ("none", "mild", "moderate", "severe")
    assert schema("observations").column("work_of_breathing").allowed == labels


def test_both_columns_are_optional_and_may_be_empty() -> None:
    for table, name in (("encounters", "pregnant"), ("observations", "work_of_breathing")):
        column = schema(table).column(name)
        assert (column.required, column.nullable) == (False, True)


def test_the_example_files_import_with_the_values_typed() -> None:
    encounters = checked(example("encounters"), "encounters")
    assert encounters.schema["pregnant"] == pl.Boolean
    assert encounters.get_column("pregnant").to_list() == [None, None, False, None, True]
    observations = checked(example("observations"), "observations")
    assert observations.get_column("work_of_breathing").to_list() == [
        "mild",
        "moderate",
        "none",  # normal effort: a value, not a missing one
        None,
        None,
    ]


def test_files_without_the_columns_import_with_them_empty() -> None:
    encounters = checked(example("encounters").drop("pregnant"), "encounters")
    assert encounters.columns == list(schema("encounters").names)
    assert encounters.schema["pregnant"] == pl.Boolean
    assert encounters.get_column("pregnant").null_count() == encounters.height
    observations = checked(example("observations").drop("work_of_breathing"), "observations")
    assert observations.columns == list(schema("observations").names)
    assert observations.get_column("work_of_breathing").null_count() == observations.height


def test_true_false_forms_and_the_labels_in_any_case_are_read() -> None:
    encounters = example("encounters").with_columns(
        pregnant=pl.Series(["yes", "N", "1", "", "TRUE"])
    )
    assert checked(encounters, "encounters").get_column("pregnant").to_list() == [
        True,
        False,
        True,
        None,
        True,
    ]
    observations = example("observations").with_columns(
        work_of_breathing=pl.Series(["Severe", "MILD", "None", "moderate", ""])
    )
    assert checked(observations, "observations").get_column("work_of_breathing").to_list() == [
        "severe",
        "mild",
        "none",
        "moderate",
        None,
    ]


def test_a_set_holding_only_work_of_breathing_has_a_value() -> None:
    # The last example set (row 6) holds only a respiratory rate.
    last = example("observations").tail(1).with_columns(respiration_rate=pl.lit(None))
    breathing = last.with_columns(work_of_breathing=pl.lit("mild"))
    assert checked(breathing, "observations").get_column("work_of_breathing").to_list() == ["mild"]
    with pytest.raises(ImportRejectedError) as caught:
        checked(last, "observations")
    assert [(p.row, p.check) for p in caught.value.problems] == [(2, "no_values")]


def test_a_pregnancy_that_is_not_true_or_false_refuses_the_file_and_loads_nothing(
    dataset: Dataset, tmp_path: Path
) -> None:
    path = tmp_path / "encounters.csv"
    at_row_4 = pl.int_range(pl.len()) == 2
    example("encounters").with_columns(
        pregnant=pl.when(at_row_4).then(pl.lit("probably")).otherwise(pl.col("pregnant"))
    ).write_csv(path)
    before = dataset.history()
    with pytest.raises(ImportRejectedError) as caught:
        import_files(dataset, "encounters", [path], clock=CLOCK, imported_by="t")
    assert format_problems(caught.value)[0] == (
        'encounters.csv, row 4: pregnant is "probably"; expected true or false (or yes/no, 1/0), '
        "or empty"
    )
    assert [(p.row, p.check, p.column) for p in caught.value.problems] == [(4, "type", "pregnant")]
    assert dataset.history() == before
    assert dataset.table("encounters").collect().height == 0


def test_work_of_breathing_not_on_the_chart_refuses_the_file_and_loads_nothing(
    dataset: Dataset, tmp_path: Path
) -> None:
    import_files(dataset, "encounters", [EXAMPLES / "encounters.csv"], clock=CLOCK, imported_by="t")
    path = tmp_path / "observations.csv"
    at_row_3 = pl.int_range(pl.len()) == 1
    example("observations").with_columns(
        work_of_breathing=pl.when(at_row_3)
        .then(pl.lit("laboured"))
        .otherwise(pl.col("work_of_breathing"))
    ).write_csv(path)
    before = dataset.history()
    with pytest.raises(ImportRejectedError) as caught:
        import_files(dataset, "observations", [path], clock=CLOCK, imported_by="t")
    assert format_problems(caught.value)[0] == (
        'observations.csv, row 3: work_of_breathing is "laboured"; expected one of none, mild, '
        "moderate, severe, or empty"
    )
    assert [(p.row, p.check, p.column) for p in caught.value.problems] == [
        (3, "allowed", "work_of_breathing")
    ]
    assert dataset.history() == before
    assert dataset.table("observations").collect().height == 0


def test_the_columns_round_trip_through_the_data_directory(
    dataset: Dataset, tmp_path: Path
) -> None:
    import_files(dataset, "encounters", [EXAMPLES / "encounters.csv"], clock=CLOCK, imported_by="t")
    parquet = tmp_path / "observations.parquet"
    example("observations").write_parquet(parquet)
    import_files(dataset, "observations", [parquet], clock=CLOCK, imported_by="t")
    loaded = dataset.table("encounters").collect()
    assert loaded.schema["pregnant"] == pl.Boolean
    assert loaded.filter(pl.col("pregnant")).get_column("encounter_id").to_list() == ["E000735"]
    breathing = dataset.table("observations").collect().get_column("work_of_breathing")
    assert breathing.to_list() == ["mild", "moderate", "none", None, None]
