"""Pregnancy status Observations into the ``pregnant`` column of the stays they name.

A pregnancy status (LOINC 82810-3) is about the patient rather than an observation set: it fills
``pregnant`` in the row of the encounter its ``encounter`` names. ``pregnant`` is the pregnancy at
admission, so a stay takes its earliest status that says pregnant or not pregnant (pregnancy does
not begin during a ward stay, and a later "not pregnant" may follow a pregnancy that ended).
Answers that say the status is not known leave ``pregnant`` empty. Later statuses, unknown ones
and statuses of stays not in the file (a stay already loaded is not changed) are counted in the
report; an answer that is not a pregnancy status, or two different answers at a stay's earliest
time, is a problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.observation import Observation

from caresignal.data._fhir_codes import PREGNANCY_STATUS, PREGNANCY_VALUES
from caresignal.data._fhir_map import Converter, Rows, local_time
from caresignal.data._fhir_read import Entry

__all__ = ["PregnancyStatuses"]

_VALUE = "Observation.valueCodeableConcept"
_LATER = "later pregnancy statuses of an encounter (the earliest is kept)"
_UNKNOWN = "pregnancy statuses that say it is not known (pregnant is left empty)"
_ELSEWHERE = "pregnancy statuses of encounters not in the file (a loaded stay is not changed)"


@dataclass(frozen=True, slots=True)
class _Status:
    time: datetime
    pregnant: bool
    entry: Entry


class PregnancyStatuses:
    """The pregnancy statuses of one file, gathered, then filled into its encounters."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter
        self._found: dict[str, list[_Status]] = {}

    @staticmethod
    def reads(entry: Entry) -> bool:
        """Whether ``entry`` is a pregnancy status Observation."""
        resource = entry.resource
        if not isinstance(resource, Observation):
            return False
        return any(
            (str(c.system), str(c.code)) == PREGNANCY_STATUS for c in resource.code.coding or []
        )

    def add(self, entry: Entry) -> None:
        """Note one pregnancy status (or count it as not used, or note its problem)."""
        resource = entry.resource
        assert isinstance(resource, Observation)
        if not self.converter.done(entry, resource.status):
            return
        known, pregnant = self._answer(entry, resource)
        encounter = self.converter.encounter_id(entry, resource.encounter, "Observation.encounter")
        moment = resource.effectiveDateTime or resource.effectiveInstant
        time = local_time(moment)
        if time is None:
            expected = "effectiveDateTime: the date and time it was recorded, with a time zone"
            shown = None if moment is None else str(moment)
            self.converter.problem(entry, "Observation.effective[x]", shown, expected)
        if not known or encounter is None or time is None:
            return
        if pregnant is None:
            self.converter.report.not_used[_UNKNOWN] += 1
            return
        self._found.setdefault(encounter, []).append(_Status(time, pregnant, entry))

    def _answer(self, entry: Entry, resource: Observation) -> tuple[bool, bool | None]:
        """Whether the answer is a pregnancy status, and what it says (``None``: not known)."""
        concept = resource.valueCodeableConcept
        codings = [] if concept is None else concept.coding or []
        for coding in codings:
            key = (str(coding.system), str(coding.code))
            if key in PREGNANCY_VALUES:
                return True, PREGNANCY_VALUES[key]
        allowed = ", ".join(f"{system}|{code}" for system, code in PREGNANCY_VALUES)
        given = ", ".join(f"{c.system}|{c.code}" for c in codings) or None
        self.converter.problem(entry, _VALUE, given, f"one of {allowed}")
        return False, None

    def fill(self, encounters: Rows) -> None:
        """Set each stay's ``pregnant`` from its earliest known status; count the rest."""
        rows = {row["encounter_id"]: index for index, row in enumerate(encounters.values)}
        for encounter, statuses in self._found.items():
            index = rows.get(encounter)
            if index is None:
                if f"Encounter/{encounter}" not in self.converter.by_reference:
                    self.converter.report.not_used[_ELSEWHERE] += len(statuses)
                continue  # an Encounter of the file that made no row has its own problem
            statuses.sort(key=lambda status: status.time)
            first = statuses[0]
            clash = [s for s in statuses if s.time == first.time and s.pregnant != first.pregnant]
            if clash:
                expected = (
                    f"one pregnancy status at the earliest time for encounter {encounter} "
                    f"({first.time:%Y-%m-%d %H:%M:%S}); {first.entry.record} gives "
                    f"{_said(first.pregnant)}"
                )
                self.converter.problem(clash[0].entry, _VALUE, _said(clash[0].pregnant), expected)
                continue
            encounters.values[index]["pregnant"] = first.pregnant
            encounters.cells[index, "pregnant"] = first.entry.record
            if len(statuses) > 1:
                self.converter.report.not_used[_LATER] += len(statuses) - 1


def _said(pregnant: bool) -> str:
    return "pregnant" if pregnant else "not pregnant"
