"""Observation resources into observation sets: one row per encounter and effective time.

Each Observation gives one value (a respiratory rate, a consciousness level…), or two for a
blood pressure panel or a pulse oximetry reading with inhaled oxygen; the values of every
Observation of one encounter at one effective time fill one row. Two different values for the
same column of one set are a problem, as is a quantity in a unit that is not accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir.resources.R4B.observation import Observation

from caresignal.data._fhir_codes import (
    BP_PANEL,
    CODED,
    OBSERVATIONS,
    OXYGEN_CONCENTRATION,
    OXYGEN_FLOW,
    UCUM,
    VALUE_CODES,
    VITALS_PANEL,
    Measure,
    convert,
)
from caresignal.data._fhir_map import Converter, Rows, local_time
from caresignal.data._fhir_read import Entry

__all__ = ["ObservationSets"]

COLUMNS = (
    "encounter_id",
    "observation_datetime",
    "respiration_rate",
    "spo2",
    "spo2_scale",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
    "weight_kg",
    "capillary_refill_s",
    "work_of_breathing",
    "carer_answer",
)
_SYSTOLIC = ("http://loinc.org", "8480-6")
#: Room air is 21 % oxygen: a higher inhaled concentration, or any flow, is supplemental oxygen.
_AIR_PERCENT = 21
Value = tuple[str, Any, str]  # column, value, field it came from


class ObservationSets:
    """The observation sets of one file, built one Observation at a time."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter
        self.rows = Rows(COLUMNS)
        self._index: dict[tuple[str, datetime], int] = {}

    def add(self, entry: Entry) -> None:
        """Add the values of one Observation to its set (or count it as not used)."""
        resource = entry.resource
        assert isinstance(resource, Observation)
        codes = [(str(c.system), str(c.code)) for c in resource.code.coding or []]
        if VITALS_PANEL in codes:
            self.converter.report.not_used["vital signs panels (members read on their own)"] += 1
            return
        reader = self._reader(codes)
        if reader is None:
            self.converter.report.unknown_codes[f"Observation {_first(codes)}"] += 1
            return
        if not self.converter.done(entry, resource.status):
            return
        values = reader(entry, resource)
        encounter = self.converter.encounter_id(entry, resource.encounter, "Observation.encounter")
        time = local_time(resource.effectiveDateTime or resource.effectiveInstant)
        if time is None:
            expected = "effectiveDateTime: the date and time it was taken, with a time zone"
            self.converter.problem(
                entry, "Observation.effective[x]", resource.effectiveDateTime, expected
            )
        if encounter is None or time is None or values is None:
            return
        self._fill(entry, encounter, time, values)

    def _reader(self, codes: list[tuple[str, str]]) -> Any:
        if BP_PANEL in codes:
            return self._blood_pressure
        for code in codes:
            if code in OBSERVATIONS:
                measure = OBSERVATIONS[code]
                return lambda entry, resource: self._measure(entry, resource, measure)
            if code in CODED:
                column = CODED[code]
                return lambda entry, resource: self._coded(entry, resource, column)
            if code in (OXYGEN_FLOW, OXYGEN_CONCENTRATION):
                return lambda entry, resource: self._oxygen(entry, resource, code)
        return None

    def _measure(self, entry: Entry, resource: Observation, measure: Measure) -> list[Value] | None:
        value = self._quantity(entry, resource.valueQuantity, measure, "Observation.valueQuantity")
        if value is None:
            return None
        values: list[Value] = [(measure.column, value, "Observation.valueQuantity")]
        for component in resource.component or []:
            codes = [(str(c.system), str(c.code)) for c in component.code.coding or []]
            for code in codes:
                if code in (OXYGEN_FLOW, OXYGEN_CONCENTRATION):
                    oxygen = _on_oxygen(code, component.valueQuantity)
                    if oxygen is not None:
                        values.append(("on_oxygen", oxygen, "Observation.component"))
        return values

    def _quantity(self, entry: Entry, quantity: Any, measure: Measure, field: str) -> float | None:
        units = ", ".join(measure.units)
        if quantity is None or quantity.value is None:
            expected = f"the {measure.name} as a quantity in {units} (UCUM)"
            self.converter.problem(entry, field, None, expected)
            return None
        unit = quantity.code
        if quantity.system != UCUM or unit not in measure.units:
            expected = f"the {measure.name} in {units} (UCUM code, system {UCUM})"
            self.converter.problem(entry, f"{field}.code", unit or quantity.unit, expected)
            return None
        return convert(str(unit), float(quantity.value))

    def _blood_pressure(self, entry: Entry, resource: Observation) -> list[Value] | None:
        measure = OBSERVATIONS[_SYSTOLIC]
        for component in resource.component or []:
            codes = [(str(c.system), str(c.code)) for c in component.code.coding or []]
            if _SYSTOLIC in codes:
                field = "Observation.component(8480-6).valueQuantity"
                value = self._quantity(entry, component.valueQuantity, measure, field)
                return None if value is None else [("systolic_bp", value, field)]
        expected = "a systolic component (LOINC 8480-6) in the blood pressure panel"
        self.converter.problem(entry, "Observation.component", None, expected)
        return None

    def _coded(self, entry: Entry, resource: Observation, column: str) -> list[Value] | None:
        if column == "spo2_scale":
            scale = resource.valueInteger
            if scale not in (1, 2):
                expected = "valueInteger 1 or 2 (the NEWS2 SpO₂ scale)"
                self.converter.problem(entry, "Observation.valueInteger", scale, expected)
                return None
            return [(column, scale, "Observation.valueInteger")]
        concept = resource.valueCodeableConcept
        codings = [] if concept is None else concept.coding or []
        meanings = VALUE_CODES[column]
        for coding in codings:
            found = meanings.get((str(coding.system), str(coding.code)))
            if found is not None:
                return [(column, found, "Observation.valueCodeableConcept")]
        allowed = ", ".join(f"{system}|{code}" for system, code in meanings)
        given = [f"{c.system}|{c.code}" for c in codings]
        field = "Observation.valueCodeableConcept"
        self.converter.problem(entry, field, ", ".join(given) or None, f"one of {allowed}")
        return None

    def _oxygen(
        self, entry: Entry, resource: Observation, code: tuple[str, str]
    ) -> list[Value] | None:
        oxygen = _on_oxygen(code, resource.valueQuantity)
        if oxygen is None:
            unit = "L/min" if code == OXYGEN_FLOW else "%"
            expected = f"a quantity in {unit} (UCUM)"
            self.converter.problem(entry, "Observation.valueQuantity", None, expected)
            return None
        return [("on_oxygen", oxygen, "Observation.valueQuantity")]

    def _fill(self, entry: Entry, encounter: str, time: datetime, values: list[Value]) -> None:
        key = (encounter, time)
        index = self._index.get(key)
        if index is None:
            row = dict.fromkeys(COLUMNS)
            row.update(encounter_id=encounter, observation_datetime=time)
            index = self._index[key] = self.rows.add(row, entry.record)
        row = self.rows.values[index]
        for column, value, field in values:
            if row[column] is not None and row[column] != value:
                other = self.rows.cells.get((index, column), self.rows.records[index])
                expected = (
                    f"one {column} per observation set (encounter {encounter} at "
                    f"{time:%Y-%m-%d %H:%M:%S}); {other} gives {_shown(row[column])}"
                )
                self.converter.problem(entry, field, _shown(value), expected)
                continue
            row[column] = value
            self.rows.cells[index, column] = entry.record


def _on_oxygen(code: tuple[str, str], quantity: Any) -> bool | None:
    """Whether an inhaled oxygen flow (L/min) or concentration (%) means supplemental oxygen."""
    if quantity is None or quantity.value is None:
        return None
    unit = "L/min" if code == OXYGEN_FLOW else "%"
    if quantity.system != UCUM or quantity.code != unit:
        return None
    limit = 0 if code == OXYGEN_FLOW else _AIR_PERCENT
    return float(quantity.value) > limit


def _first(codes: list[tuple[str, str]]) -> str:
    return f"{codes[0][0]}|{codes[0][1]}" if codes else "no code"


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
