"""Reading a FHIR file: a Bundle (JSON) or NDJSON, each resource validated by ``fhir.resources``.

Resources are validated with the models of ``fhir.resources.R4B`` (FHIR 4.3, the release closest
to R4 that the package ships: Patient, Encounter, Observation, Procedure and
MedicationAdministration have the same elements in R4 and R4B). Every problem names the file,
the place (``line 3`` of NDJSON, ``Bundle.entry[2]`` of a Bundle), the resource's type and id,
the field and what was expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource

from caresignal.data._load_problems import Problem

__all__ = ["Entry", "fhir_problem", "read_entries"]

_SHOWN = 80
_MISSING = ("missing", "model_field_validation.missing")


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource of the file: where it is, its full URL in a Bundle, and the model."""

    place: str
    resource: Resource
    full_url: str | None = None

    @property
    def record(self) -> str:
        """Where it is and what it is: ``line 3 (Observation obs-17)``."""
        return f"{self.place} ({self.resource.get_resource_type()} {self.resource.id or 'no id'})"


def fhir_problem(
    source: str, record: str, field: str | None, value: Any, expected: str, check: str = "fhir"
) -> Problem:
    """A problem with one resource (or one line) of a FHIR file."""
    shown = None if value is None else _short(value)
    return Problem(source, check, expected, column=field, value=shown, record=record)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def read_entries(path: Path, source: str) -> tuple[list[Entry], list[Problem]]:
    """The resources of ``path``, validated; and the problems of those that are not valid."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        why = f"the file cannot be read: {error}"
        return [], [fhir_problem(source, "the file", None, why, "a FHIR Bundle or NDJSON file")]
    whole = _whole_json(text)
    if isinstance(whole, dict) and whole.get("resourceType") == "Bundle":
        return _bundle(whole, source)
    if isinstance(whole, dict):
        return _validated([("the resource", whole, None)], source)
    return _ndjson(text, source)


def _whole_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _bundle(bundle: dict[str, Any], source: str) -> tuple[list[Entry], list[Problem]]:
    items = bundle.get("entry", [])
    if not isinstance(items, list):
        expected = "a list of entries"
        return [], [fhir_problem(source, "Bundle", "Bundle.entry", items, expected)]
    found: list[tuple[str, Any, str | None]] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        place = f"Bundle.entry[{index}]"
        resource = item.get("resource") if isinstance(item, dict) else None
        if resource is None:
            expected = "an entry holding a resource"
            problems.append(fhir_problem(source, place, "resource", item, expected))
            continue
        full_url = item.get("fullUrl")
        found.append((place, resource, full_url if isinstance(full_url, str) else None))
    entries, invalid = _validated(found, source)
    return entries, problems + invalid


def _ndjson(text: str, source: str) -> tuple[list[Entry], list[Problem]]:
    entries: list[Entry] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        place = f"line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            expected = "one JSON resource per line (NDJSON), or a Bundle"
            why = f"not JSON ({error.msg} at column {error.colno})"
            problems.append(fhir_problem(source, place, None, why, expected))
            continue
        found, invalid = _validated([(place, data, None)], source)
        entries += found
        problems += invalid
    if not entries and not problems:
        expected = "a FHIR Bundle or NDJSON file"
        problems.append(fhir_problem(source, "the file", None, "it is empty", expected))
    return entries, problems


def _validated(
    found: list[tuple[str, Any, str | None]], source: str
) -> tuple[list[Entry], list[Problem]]:
    entries: list[Entry] = []
    problems: list[Problem] = []
    for place, data, full_url in found:
        model, why = _model(data, source, place)
        if model is not None:
            entries.append(Entry(place, model, full_url))
        else:
            problems += why
    return entries, problems


def _model(data: Any, source: str, place: str) -> tuple[Resource | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [fhir_problem(source, place, None, data, "a JSON object (a FHIR resource)")]
    kind = data.get("resourceType")
    record = f"{place} ({kind} {data.get('id', 'no id')})"
    try:
        model_class = get_fhir_model_class(str(kind))
    except (KeyError, ValueError):
        expected = "the name of a FHIR R4 resource type"
        return None, [fhir_problem(source, place, "resourceType", kind, expected)]
    try:
        model = model_class.model_validate(data)
    except pydantic.ValidationError as error:
        return None, [
            _validation_problem(source, record, str(kind), item) for item in error.errors()
        ]
    if not isinstance(model, Resource):  # a data type's name, such as "Quantity"
        expected = "the name of a FHIR R4 resource type"
        return None, [fhir_problem(source, place, "resourceType", kind, expected)]
    return model, []


def _validation_problem(source: str, record: str, kind: str, item: Any) -> Problem:
    path = ".".join(str(part) for part in item["loc"])
    field = f"{kind}.{path}" if path else kind
    if item["type"] in _MISSING:
        return fhir_problem(source, record, field, None, "a value (it is required)")
    message = str(item["msg"]).removeprefix("Value error, ")
    expected = f"a valid FHIR R4 value ({message.rstrip('.')})"
    return fhir_problem(source, record, field, item.get("input"), expected)
