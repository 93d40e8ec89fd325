"""FHIR pregnancy status (LOINC 82810-3) into encounters.pregnant, and caresignal's
work-of-breathing code into observations.work_of_breathing: the hand-written fixtures
tests/data/fhir/pregnancy.ndjson and broken-pregnancy.ndjson."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.fhir import import_fhir, read_fhir
from caresignal.data.imports import import_files
from caresignal.errors import ImportRejectedError

ROOT = Path(__file__).resolve().parents[2]
FHIR = ROOT / "tests" / "data" / "fhir"
CLOCK = FixedClock(datetime(2025, 1, 1, 9, 0, tzinfo=UTC))


def test_each_stay_takes_its_earliest_known_pregnancy_status() -> None:
    tables = read_fhir(FHIR / "pregnancy.ndjson")
    pregnant = dict(tables.frames["encounters"].select("encounter_id", "pregnant").iter_rows())
    assert pregnant == {
        # "Unknown" (LOINC LA4489-6) at 08:20, then SNOMED CT 77386006 Pregnant at 09:00, then
        # LOINC LA26683-5 Not pregnant the next day: the first known answer is kept.
        "E000735": True,
        "E000736": False,  # SNOMED CT 60001007 Not pregnant
        "E000737": None,  # no pregnancy status in the file
    }
    # The pregnancy status at 09:00 is not part of the observation set taken then.
    assert tables.frames["observations"].rows() == [
        ("E000735", datetime(2024, 3, 10, 9, 0), 22, *[None] * 11)
    ]
    assert tables.rows["encounters"].record(0, "pregnant") == "line 5 (Observation preg-yes)"


def test_what_the_pregnancy_statuses_did_not_fill_is_reported() -> None:
    report = read_fhir(FHIR / "pregnancy.ndjson").report.to_dict()
    assert report["unknown_codes"] == {}
    assert report["not_used"] == {
        "Observation with status preliminary": 1,
        "later pregnancy statuses of an encounter (the earliest is kept)": 1,
        "pregnancy statuses of encounters not in the file (a loaded stay is not changed)": 1,
        "pregnancy statuses that say it is not known (pregnant is left empty)": 1,
    }
    assert report["rows"] == {"encounters": 3, "observations": 1, "responses": 0}


def test_pregnancy_statuses_load_with_their_stays(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path / "data")
    organisations = ROOT / "docs" / "examples" / "organisations.csv"
    import_files(dataset, "organisations", [organisations], clock=CLOCK, imported_by="test")
    import_fhir(dataset, FHIR / "pregnancy.ndjson", clock=CLOCK, imported_by="test")
    loaded = dataset.table("encounters").collect().sort("encounter_id")
    assert loaded.get_column("pregnant").to_list() == [True, False, None]


def test_answers_and_times_that_cannot_be_read_are_refused_naming_the_resource() -> None:
    with pytest.raises(ImportRejectedError) as caught:
        read_fhir(FHIR / "broken-pregnancy.ndjson")
    found = [(p.record, p.column, p.value) for p in caught.value.problems]
    assert found == [
        (
            "line 4 (Observation preg-local)",
            "Observation.valueCodeableConcept",
            "urn:example:ward-codes|PREG-Y",
        ),
        ("line 7 (Observation preg-day)", "Observation.effective[x]", "2024-03-12"),
        (
            "line 8 (Observation wob-8)",
            "Observation.valueCodeableConcept",
            "urn:caresignal:fhir:work-of-breathing|laboured",
        ),
        ("line 6 (Observation preg-b)", "Observation.valueCodeableConcept", "not pregnant"),
    ]
    expected = [problem.expected for problem in caught.value.problems]
    assert expected[0].startswith("one of http://snomed.info/sct|77386006, ")
    assert "http://loinc.org|LA15173-0" in expected[0]
    assert expected[2] == (
        "one of urn:caresignal:fhir:work-of-breathing|none, "
        "urn:caresignal:fhir:work-of-breathing|mild, "
        "urn:caresignal:fhir:work-of-breathing|moderate, "
        "urn:caresignal:fhir:work-of-breathing|severe"
    )
    assert expected[3] == (
        "one pregnancy status at the earliest time for encounter E000738 (2024-03-12 08:30:00); "
        "line 5 (Observation preg-a) gives pregnant"
    )
