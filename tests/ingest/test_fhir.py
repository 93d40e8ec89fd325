"""FHIR imports: hand-written R4 vital-signs fixtures in tests/data/fhir/ become the ward-care
tables; unknown resources and codes are reported; invalid resources, wrong units and rows the
loader refuses are rejected naming the line or entry, the resource and the field, with nothing
changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.fhir import import_fhir, read_fhir
from caresignal.data.imports import import_files
from caresignal.data.load import format_problems
from caresignal.errors import ImportRejectedError

ROOT = Path(__file__).resolve().parents[2]
FHIR = ROOT / "tests" / "data" / "fhir"
CLOCK = FixedClock(datetime(2025, 1, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    data = Dataset(tmp_path / "data")
    organisations = ROOT / "docs" / "examples" / "organisations.csv"
    import_files(data, "organisations", [organisations], clock=CLOCK, imported_by="test")
    return data


def lines(error: ImportRejectedError) -> list[str]:
    return format_problems(error)


def test_a_bundle_becomes_one_stay_one_observation_set_and_its_responses() -> None:
    tables = read_fhir(FHIR / "ward-bundle.json")
    encounter = tables.frames["encounters"].row(0, named=True)
    assert encounter == {
        "encounter_id": "E000731",
        "patient_id": "P5f2c91",
        "unit_code": "RZZ01-PAE",  # from the Location's identifier
        "admission_datetime": datetime(2024, 3, 7, 14, 25),
        "discharge_datetime": datetime(2024, 3, 9, 11, 0),
        "age_months": 26,  # born 2021-12-20, admitted 2024-03-07: 2 years and 2 months
        "sex": "female",
        "pregnant": None,  # the bundle holds no pregnancy status
    }
    observed = tables.frames["observations"].row(0, named=True)
    assert observed == {
        "encounter_id": "E000731",
        # The temperature taken at 19:40+01:00 is 18:40 in England (GMT in March): one set.
        "observation_datetime": datetime(2024, 3, 7, 18, 40),
        "respiration_rate": 44,
        "spo2": 91,
        "spo2_scale": None,
        "on_oxygen": True,  # inhaled oxygen flow 2 L/min on the pulse oximetry reading
        "systolic_bp": 90,
        "pulse": 162,
        "consciousness": "V",
        # 102.2 °F is (102.2 − 32) × 5/9 = 39.0 °C; 12,600 g is 12.6 kg.
        "temperature": pytest.approx(39.0),
        "weight_kg": pytest.approx(12.6),
        "capillary_refill_s": 4.0,
        "work_of_breathing": "moderate",  # caresignal's own code, as the chart grades it
        "carer_answer": "worse",
    }
    assert tables.frames["responses"].rows() == [
        ("E000731", datetime(2024, 3, 7, 19, 30), "sepsis_screen"),
        ("E000731", datetime(2024, 3, 7, 19, 30), "doctor_review"),
        # The earlier of the two ceftriaxone doses, though the file lists it second.
        ("E000731", datetime(2024, 3, 7, 20, 10), "first_iv_antibiotic"),
    ]


def test_what_is_not_used_is_reported_by_type_and_code() -> None:
    report = read_fhir(FHIR / "ward-bundle.json").report.to_dict()
    assert report["unknown_resources"] == {"AllergyIntolerance": 1}
    assert report["unknown_codes"] == {
        "MedicationAdministration http://www.whocc.no/atc|N02BE01": 1,
        "Observation http://loinc.org|8302-2": 1,
    }
    assert report["not_used"] == {
        "Observation with status preliminary": 1,
        "later intravenous antibiotic doses (the first is kept)": 1,
        "vital signs panels (members read on their own)": 1,
    }
    assert report["resources"]["Observation"] == 13
    assert report["rows"] == {"encounters": 1, "observations": 1, "responses": 3}


def test_an_ndjson_file_reads_caresignal_codes_and_an_open_stay() -> None:
    tables = read_fhir(FHIR / "ward.ndjson")
    encounter = tables.frames["encounters"].row(0, named=True)
    assert encounter["unit_code"] == "RZZ01-ADW"  # from the serviceProvider Organization
    assert encounter["discharge_datetime"] is None
    assert encounter["age_months"] == 873  # born June 1951 (month only), admitted March 2024
    observed = tables.frames["observations"].row(0, named=True)
    assert (observed["spo2"], observed["spo2_scale"], observed["on_oxygen"]) == (88, 2, True)
    assert observed["consciousness"] == "C"
    assert tables.report.to_dict()["unknown_codes"] == {
        "Procedure http://snomed.info/sct|399208008": 1
    }


def test_the_tables_round_trip_into_the_data_directory_once(dataset: Dataset) -> None:
    first = import_fhir(dataset, FHIR / "ward-bundle.json", clock=CLOCK, imported_by="test")
    assert [(r.added, r.batch.table, r.batch.rows) for r in first.results] == [
        (True, "encounters", 1),
        (True, "observations", 1),
        (True, "responses", 3),
    ]
    expected = read_fhir(FHIR / "ward-bundle.json").frames
    for table in ("encounters", "observations", "responses"):
        loaded = dataset.table(table).collect()
        assert loaded.height == expected[table].height
    assert dataset.table("observations").collect().get_column("pulse").to_list() == [162]
    again = import_fhir(dataset, FHIR / "ward-bundle.json", clock=CLOCK, imported_by="test")
    assert [result.added for result in again.results] == [False, False, False]
    assert len(dataset.history()) == 4  # the organisations and the three tables, once


def test_invalid_resources_are_refused_naming_line_resource_and_field(dataset: Dataset) -> None:
    before = dataset.history()
    with pytest.raises(ImportRejectedError) as caught:
        import_fhir(dataset, FHIR / "broken-invalid.ndjson", clock=CLOCK, imported_by="test")
    assert lines(caught.value) == [
        "broken-invalid.ndjson, line 1 (Observation rr-9): Observation.valueQuantity.value is "
        '"fast"; expected a valid FHIR R4 value (Decimal value string does not match spec regex)',
        "broken-invalid.ndjson, line 2: not JSON (Expecting ',' delimiter at column 317); "
        "expected one JSON resource per line (NDJSON), or a Bundle",
        'broken-invalid.ndjson, line 3: resourceType is "Observaton"; expected the name of a '
        "FHIR R4 resource type",
        "broken-invalid.ndjson, line 4 (Procedure screen-9): Procedure.status is empty; "
        "expected a value (it is required)",
    ]
    assert dataset.history() == before


def test_wrong_units_codes_and_conflicting_values_are_refused() -> None:
    with pytest.raises(ImportRejectedError) as caught:
        read_fhir(FHIR / "broken-units.ndjson")
    found = [(p.record, p.column, p.value) for p in caught.value.problems]
    assert found == [
        ("line 1 (Observation temp-8)", "Observation.valueQuantity.code", "K"),
        (
            "line 2 (Observation acvpu-8)",
            "Observation.valueCodeableConcept",
            "http://snomed.info/sct|271594007",
        ),
        ("line 4 (Observation rr-8b)", "Observation.valueQuantity", "26"),
    ]
    assert caught.value.problems[0].expected == (
        "the body temperature in Cel, [degF] (UCUM code, system http://unitsofmeasure.org)"
    )
    assert "line 3 (Observation rr-8) gives 22" in caught.value.problems[2].expected


def test_rows_the_loader_refuses_name_the_resource_and_nothing_is_loaded(
    dataset: Dataset,
) -> None:
    import_fhir(dataset, FHIR / "ward.ndjson", clock=CLOCK, imported_by="test")
    before = dataset.history()
    with pytest.raises(ImportRejectedError) as caught:
        import_fhir(dataset, FHIR / "broken-range.ndjson", clock=CLOCK, imported_by="test")
    assert [(p.record, p.check) for p in caught.value.problems] == [
        ("line 1 (Observation rr-7)", "range"),
        ("line 2 (Observation hr-7)", "observation_outside_stay"),
        ("line 3 (Procedure screen-7)", "unknown_encounter"),
    ]
    assert lines(caught.value)[0] == (
        'broken-range.ndjson, line 1 (Observation rr-7): observations.respiration_rate is "240"; '
        "expected a whole number of breaths per minute from 1 to 150, or empty"
    )
    assert dataset.history() == before
    assert dataset.table("observations").collect().height == 1


def test_a_file_of_nothing_caresignal_reads_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "allergies.ndjson"
    path.write_text(
        json.dumps({"resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/1"}})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejectedError) as caught:
        read_fhir(path)
    assert "resource type not read: AllergyIntolerance (1)" in caught.value.message


def test_the_command_line_imports_a_bundle_and_reports_what_it_left_out(
    dataset: Dataset,
) -> None:
    runner = CliRunner()
    directory = str(dataset.directory)
    out = runner.invoke(
        app, ["import", "fhir", str(FHIR / "ward-bundle.json"), "--data-dir", directory]
    )
    assert out.exit_code == 0, out.output
    assert "Observations: loaded 1 record as batch 000003." in out.stdout
    assert "resource type not read: AllergyIntolerance (1)" in out.stdout
    assert "code not mapped: Observation http://loinc.org|8302-2 (1)" in out.stdout
    refused = runner.invoke(
        app,
        ["import", "fhir", str(FHIR / "broken-range.ndjson"), "--data-dir", directory, "--json"],
    )
    assert refused.exit_code == 2
    payload = json.loads(refused.stdout)
    assert payload["status"] == "rejected"
    assert payload["problems"][2]["record"] == "line 3 (Procedure screen-7)"
    loaded = runner.invoke(
        app, ["import", "fhir", str(FHIR / "ward.ndjson"), "--data-dir", directory, "--json"]
    )
    assert json.loads(loaded.stdout)["report"]["rows"]["responses"] == 1
    assert pl.read_parquet(dataset.directory / "batches" / "responses" / "000007.parquet").height
