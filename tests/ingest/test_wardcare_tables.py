"""The ward-care tables (encounters, observations, responses): their own rules, the checks of
observations and responses against the stays, and imports into the data directory."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.data.load import validate
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


def stays() -> pl.DataFrame:
    return validate(
        example("encounters"), "encounters", today=TODAY, known_organisations=ORGANISATIONS
    ).frame


def problems(frame: pl.DataFrame, table: str) -> list[tuple[int | None, str, str | None, str]]:
    with pytest.raises(ImportRejectedError) as caught:
        validate(frame, table, today=TODAY, known_organisations=ORGANISATIONS, encounters=stays())
    return [(p.row, p.check, p.column, p.expected) for p in caught.value.problems]


def test_the_examples_pass_against_their_stays() -> None:
    for table in ("observations", "responses"):
        checked = validate(
            example(table),
            table,
            today=TODAY,
            known_organisations=ORGANISATIONS,
            encounters=stays(),
        )
        assert checked.rows == 5


def test_an_encounter_on_a_site_rather_than_a_unit_is_refused() -> None:
    found = problems(edit("encounters", 3, unit_code="RZZ01"), "encounters")
    assert found == [
        (3, "not_a_unit", "unit_code", "the code of a unit (a ward), not of a trust or a site")
    ]


def test_a_discharge_before_admission_is_refused() -> None:
    found = problems(edit("encounters", 2, discharge_datetime="2024-03-07T14:00"), "encounters")
    assert [(row, check) for row, check, _, _ in found] == [(2, "discharge_before_admission")]


def test_an_observation_of_an_unknown_encounter_is_refused() -> None:
    found = problems(edit("observations", 4, encounter_id="E999"), "observations")
    assert [(row, check, column) for row, check, column, _ in found] == [
        (4, "unknown_encounter", "encounter_id")
    ]


def test_an_observation_before_admission_names_the_stay() -> None:
    found = problems(
        edit("observations", 2, observation_datetime="2024-03-07T14:00"), "observations"
    )
    assert found == [
        (
            2,
            "observation_outside_stay",
            "encounter_id, observation_datetime",
            "a time within the stay, from 2024-03-07 14:25 to 2024-03-09 11:00",
        )
    ]


def test_a_stay_still_open_accepts_any_later_time_and_a_closed_one_does_not() -> None:
    late = "2024-06-01T10:00"
    open_stay = edit("responses", 6, response_datetime=late)  # E000733 has no discharge
    assert (
        validate(
            open_stay,
            "responses",
            today=TODAY,
            known_organisations=ORGANISATIONS,
            encounters=stays(),
        ).rows
        == 5
    )
    found = problems(edit("responses", 2, response_datetime=late), "responses")
    assert [(row, check) for row, check, _, _ in found] == [(2, "response_outside_stay")]


def test_a_set_with_no_value_is_refused_but_one_bad_value_is_reported_once() -> None:
    found = problems(edit("observations", 6, respiration_rate=None), "observations")
    assert [(row, check) for row, check, _, _ in found] == [(6, "no_values")]
    found = problems(edit("observations", 6, respiration_rate="fast"), "observations")
    assert [(row, check, column) for row, check, column, _ in found] == [
        (6, "type", "respiration_rate")
    ]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("respiration_rate", "200", "a whole number of breaths per minute from 1 to 150, or empty"),
        ("spo2", "101", "a whole number of percent from 40 to 100, or empty"),
        ("spo2_scale", "3", "a whole number from 1 to 2, or empty"),
        ("pulse", "400", "a whole number of beats per minute from 20 to 300, or empty"),
        ("temperature", "98.6", "a number of degrees Celsius from 25 to 45, or empty"),
        ("consciousness", "drowsy", "one of A, C, V, P, U, or empty"),
        ("carer_answer", "upset", "one of worse, same, better, asleep, unavailable, or empty"),
    ],
)
def test_implausible_vital_signs_are_refused(column: str, value: str, expected: str) -> None:
    found = problems(edit("observations", 3, **{column: value}), "observations")
    assert [(row, col, exp) for row, _, col, exp in found] == [(3, column, expected)]


def test_observations_import_only_once_their_encounters_are_loaded(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2025, 1, 1, 9, 0, tzinfo=UTC))
    dataset = Dataset(tmp_path)
    import_files(
        dataset, "organisations", [EXAMPLES / "organisations.csv"], clock=clock, imported_by="t"
    )
    with pytest.raises(ImportRejectedError) as caught:
        import_files(
            dataset, "observations", [EXAMPLES / "observations.csv"], clock=clock, imported_by="t"
        )
    assert {problem.check for problem in caught.value.problems} == {"unknown_encounter"}
    assert dataset.table("observations").collect().height == 0
    import_files(dataset, "encounters", [EXAMPLES / "encounters.csv"], clock=clock, imported_by="t")
    result = import_files(
        dataset, "observations", [EXAMPLES / "observations.csv"], clock=clock, imported_by="t"
    )
    assert result.added
    assert dataset.table("observations").collect().height == 5
