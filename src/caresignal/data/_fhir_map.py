"""Turning validated FHIR resources into rows of the encounters, observations and responses tables.

Patients give each encounter its pseudonymous patient id, sex and (with the encounter's start) age
in months; encounters give the stays (and pregnancy statuses their ``pregnant``, in
:mod:`caresignal.data._fhir_pregnancy`); observations with the same encounter and effective time
form one observation set (one row); procedures and intravenous antibiotic administrations give
the responses. Every resource, code or status that is not used is counted in the report, by
type and code, never dropped unseen. Each row and cell remembers the resource it came from, so
that a problem the loader finds later can name that resource.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.reference import Reference

from caresignal.data._fhir_codes import (
    ANTIBIOTIC_ATC_PREFIX,
    ATC,
    DONE,
    INTRAVENOUS,
    PROCEDURES,
    UNIT_SYSTEM,
)
from caresignal.data._fhir_read import Entry, fhir_problem
from caresignal.data._load_problems import Problem

__all__ = ["Converter", "Report", "Rows", "local_time"]

ENGLAND = ZoneInfo("Europe/London")
_SEXES = {"female": "female", "male": "male", "other": "other", "unknown": "not_known"}
_REFERENCE = re.compile(r"(?:^|/)([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/.*)?$")


@dataclass
class Report:
    """What a FHIR file held, and everything in it that was not used, counted by kind.

    ``resources`` counts the resources read by type; ``rows`` the rows made per table;
    ``unknown_resources`` the resources of types caresignal does not read; ``unknown_codes``
    the resources whose code caresignal does not map, by type and ``system|code``; ``not_used``
    the resources read but left out, by reason.
    """

    resources: Counter[str] = field(default_factory=Counter)
    rows: dict[str, int] = field(default_factory=dict)
    unknown_resources: Counter[str] = field(default_factory=Counter)
    unknown_codes: Counter[str] = field(default_factory=Counter)
    not_used: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, dict[str, int]]:
        """The report as plain dictionaries (for ``--json``), each sorted by name."""
        return {
            "resources": dict(sorted(self.resources.items())),
            "rows": dict(self.rows),
            "unknown_resources": dict(sorted(self.unknown_resources.items())),
            "unknown_codes": dict(sorted(self.unknown_codes.items())),
            "not_used": dict(sorted(self.not_used.items())),
        }

    def lines(self) -> list[str]:
        """The report in words, one line per count, for people."""
        read = ", ".join(f"{count:,} {kind}" for kind, count in sorted(self.resources.items()))
        lines = [f"read {read or 'no resources'}"]
        lines += [f"{table}: {count:,} rows" for table, count in self.rows.items()]
        for title, counts in (
            ("resource type not read", self.unknown_resources),
            ("code not mapped", self.unknown_codes),
            ("not used", self.not_used),
        ):
            lines += [f"{title}: {name} ({count:,})" for name, count in sorted(counts.items())]
        return lines


@dataclass
class Rows:
    """The rows of one table, with the resource each row and each cell came from."""

    columns: tuple[str, ...]
    values: list[dict[str, Any]] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    cells: dict[tuple[int, str], str] = field(default_factory=dict)

    def add(self, row: dict[str, Any], record: str) -> int:
        """Add ``row`` (from the resource at ``record``); return its index."""
        self.values.append(row)
        self.records.append(record)
        return len(self.values) - 1

    def record(self, index: int, column: str | None) -> str:
        """The resource a cell (or, without a column, a row) came from."""
        if column is not None and (index, column) in self.cells:
            return self.cells[index, column]
        return self.records[index]


def local_time(moment: Any) -> datetime | None:
    """A FHIR dateTime (aware) as UK wall-clock time; ``None`` if it has no time of day."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            return moment
        return moment.astimezone(ENGLAND).replace(tzinfo=None)
    return None


def _age_months(birth: str | date, admitted: datetime) -> int | None:
    """Completed months from birth to admission; a birth month alone counts from its 1st."""
    if isinstance(birth, date):
        year, month, day = birth.year, birth.month, birth.day
    else:
        match = re.fullmatch(r"(\d{4})-(\d{2})", str(birth))
        if match is None:
            return None
        year, month, day = int(match[1]), int(match[2]), 1
    months = (admitted.year - year) * 12 + admitted.month - month
    return months - 1 if admitted.day < day else months


class Converter:
    """Converts the resources of one file into rows, collecting problems and the report."""

    def __init__(self, entries: list[Entry], source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.report = Report()
        self.by_reference: dict[str, Entry] = {}
        for entry in entries:
            kind = entry.resource.get_resource_type()
            self.report.resources[kind] += 1
            if entry.resource.id:
                self.by_reference[f"{kind}/{entry.resource.id}"] = entry
            if entry.full_url:
                self.by_reference[entry.full_url] = entry
        self.encounters = Rows(
            (
                "encounter_id",
                "patient_id",
                "unit_code",
                "admission_datetime",
                "discharge_datetime",
                "age_months",
                "sex",
                "pregnant",
            )
        )
        self.responses = Rows(("encounter_id", "response_datetime", "kind"))
        self.first_antibiotic: dict[str, int] = {}

    def problem(self, entry: Entry, field: str | None, value: Any, expected: str) -> None:
        """Note a problem with ``entry``'s ``field``."""
        self.problems.append(fhir_problem(self.source, entry.record, field, value, expected))

    def resolve(self, reference: Reference | None, kind: str) -> Entry | None:
        """The resource of type ``kind`` that ``reference`` points to, if it is in the file."""
        if reference is None or not reference.reference:
            return None
        target = self.by_reference.get(reference.reference)
        if target is None:
            match = _REFERENCE.search(reference.reference)
            if match is not None:
                target = self.by_reference.get(f"{match[1]}/{match[2]}")
        if target is None or target.resource.get_resource_type() != kind:
            return None
        return target

    def encounter_id(self, entry: Entry, reference: Reference | None, field: str) -> str | None:
        """The id of the encounter ``reference`` names (in the file or loaded before)."""
        target = self.resolve(reference, "Encounter")
        if target is not None:
            return target.resource.id
        match = None if reference is None else _REFERENCE.search(reference.reference or "")
        if match is not None and match[1] == "Encounter":
            return match[2]
        expected = "a reference to the Encounter (Encounter/<id>, or a Bundle entry's fullUrl)"
        self.problem(entry, field, None if reference is None else reference.reference, expected)
        return None

    def done(self, entry: Entry, status: str | None) -> bool:
        """Whether ``entry`` records something done; if not, it is counted as not used."""
        kind = entry.resource.get_resource_type()
        if status in DONE[kind]:
            return True
        self.report.not_used[f"{kind} with status {status}"] += 1
        return False

    def add_encounter(self, entry: Entry) -> None:
        """One row of the encounters table from an Encounter and its Patient."""
        resource = entry.resource
        assert isinstance(resource, Encounter)
        patient = self.resolve(resource.subject, "Patient")
        if patient is None:
            expected = "a reference to a Patient in the same file"
            reference = None if resource.subject is None else resource.subject.reference
            self.problem(entry, "Encounter.subject", reference, expected)
            return
        period = resource.period
        admitted = local_time(None if period is None else period.start)
        if admitted is None:
            expected = "the date and time of admission, with a time zone"
            self.problem(
                entry, "Encounter.period.start", None if period is None else period.start, expected
            )
            return
        unit = self._unit(entry, resource)
        person = patient.resource
        assert isinstance(person, Patient)
        age = None if person.birthDate is None else _age_months(person.birthDate, admitted)
        if age is None:
            expected = "the patient's birth date (YYYY-MM-DD, or YYYY-MM)"
            self.problem(patient, "Patient.birthDate", person.birthDate, expected)
        if unit is None or age is None or not resource.id:
            return
        row = {
            "encounter_id": resource.id,
            "patient_id": person.id,
            "unit_code": unit,
            "admission_datetime": admitted,
            "discharge_datetime": local_time(None if period is None else period.end),
            "age_months": age,
            "sex": _SEXES.get(str(person.gender), "not_known"),
            "pregnant": None,  # from a pregnancy status, if the file holds one
        }
        index = self.encounters.add(row, entry.record)
        for column in ("patient_id", "age_months", "sex"):
            self.encounters.cells[index, column] = patient.record

    def _unit(self, entry: Entry, resource: Encounter) -> str | None:
        """The ward's code: from a location, then the service provider, by identifier."""
        references: list[Reference | None] = [item.location for item in resource.location or []]
        references.append(resource.serviceProvider)
        for reference in references:
            code = self._unit_code(reference)
            if code is not None:
                return code
        expected = (
            f"a location (or serviceProvider) with an identifier of system {UNIT_SYSTEM}, or a "
            "reference to a Location or Organization in the file that has one"
        )
        self.problem(entry, "Encounter.location", None, expected)
        return None

    def _unit_code(self, reference: Reference | None) -> str | None:
        if reference is None:
            return None
        identifiers = [reference.identifier] if reference.identifier is not None else []
        for kind in ("Location", "Organization"):
            target = self.resolve(reference, kind)
            if target is not None:
                assert isinstance(target.resource, Location | Organization)
                identifiers += target.resource.identifier or []
        for identifier in identifiers:
            if identifier.system == UNIT_SYSTEM and identifier.value:
                return str(identifier.value)
        return None

    def add_procedure(self, entry: Entry) -> None:
        """A response (a review or a sepsis screen) from a Procedure."""
        resource = entry.resource
        assert isinstance(resource, Procedure)
        codings = [] if resource.code is None else resource.code.coding or []
        kinds = [PROCEDURES.get((str(c.system), str(c.code))) for c in codings]
        kind = next((found for found in kinds if found is not None), None)
        if kind is None:
            self._unknown_code(entry, codings)
            return
        if not self.done(entry, resource.status):
            return
        period = resource.performedPeriod
        moment = resource.performedDateTime or (None if period is None else period.start)
        self._response(entry, resource.encounter, "Procedure", moment, kind)

    def add_medication(self, entry: Entry) -> None:
        """The first intravenous antibiotic of a stay, from a MedicationAdministration."""
        resource = entry.resource
        assert isinstance(resource, MedicationAdministration)
        concept = resource.medicationCodeableConcept
        codings = [] if concept is None else concept.coding or []
        antibiotic = any(
            c.system == ATC and str(c.code or "").startswith(ANTIBIOTIC_ATC_PREFIX) for c in codings
        )
        if not antibiotic:
            self._unknown_code(entry, codings)
            return
        route = None if resource.dosage is None else resource.dosage.route
        routes = [] if route is None else route.coding or []
        if not any((c.system, c.code) == INTRAVENOUS for c in routes):
            self.report.not_used[
                "MedicationAdministration of an antibiotic not given intravenously"
            ] += 1
            return
        if not self.done(entry, resource.status):
            return
        period = resource.effectivePeriod
        moment = resource.effectiveDateTime or (None if period is None else period.start)
        field = "MedicationAdministration.context"
        self._response(entry, resource.context, field, moment, "first_iv_antibiotic")

    def _response(
        self, entry: Entry, reference: Reference | None, kind: str, moment: Any, response: str
    ) -> None:
        field = f"{kind}.encounter" if kind == "Procedure" else kind
        encounter = self.encounter_id(entry, reference, field)
        time = local_time(moment)
        if time is None:
            resource_type = entry.resource.get_resource_type()
            when = "performed" if resource_type == "Procedure" else "effective"
            expected = "the date and time it was done, with a time zone"
            self.problem(entry, f"{resource_type}.{when}[x]", moment, expected)
        if encounter is None or time is None:
            return
        row = {"encounter_id": encounter, "response_datetime": time, "kind": response}
        if response == "first_iv_antibiotic":
            earlier = self.first_antibiotic.get(encounter)
            if earlier is not None:
                self.report.not_used["later intravenous antibiotic doses (the first is kept)"] += 1
                if self.responses.values[earlier]["response_datetime"] <= time:
                    return
                self.responses.values[earlier] = row
                self.responses.records[earlier] = entry.record
                return
            self.first_antibiotic[encounter] = self.responses.add(row, entry.record)
            return
        self.responses.add(row, entry.record)

    def _unknown_code(self, entry: Entry, codings: list[Any]) -> None:
        kind = entry.resource.get_resource_type()
        codes = [f"{c.system}|{c.code}" for c in codings] or ["no code"]
        self.report.unknown_codes[f"{kind} {codes[0]}"] += 1
