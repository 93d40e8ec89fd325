"""The codes a FHIR import understands, and the column of the ward-care tables each one fills.

Vital signs are read by their LOINC codes from the FHIR R4 vital-signs profile, with their values
in UCUM units. Consciousness (ACVPU) is read from LOINC 80288-4 with its SNOMED CT value codes
(alert, voice, pain, unresponsive), and pregnancy from LOINC 82810-3 "Pregnancy status" with the
answers of the International Patient Summary's value set (LOINC answers, or the SNOMED CT concepts
its concept map makes equivalent). "New confusion", the NEWS2 SpO₂ scale, work of breathing as the
paediatric chart grades it, the carer's answer and the kinds of review have no code in either that
caresignal relies on, so they use caresignal's own code systems, named below. docs/fhir.md lists
every code.
"""

from __future__ import annotations

from dataclasses import dataclass

from caresignal.data.schema import WORK_OF_BREATHING

__all__ = [
    "ANTIBIOTIC_ATC_PREFIX",
    "ATC",
    "CARESIGNAL",
    "INTRAVENOUS",
    "LOINC",
    "OBSERVATIONS",
    "PREGNANCY_STATUS",
    "PREGNANCY_VALUES",
    "PROCEDURES",
    "SNOMED",
    "UCUM",
    "UNIT_SYSTEM",
    "VALUE_CODES",
    "Measure",
]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
#: caresignal's own code systems, for what LOINC and SNOMED CT give no code caresignal relies on.
CARESIGNAL = "urn:caresignal:fhir"
#: The identifier system of a ward's (unit's) code, as in the organisations table.
UNIT_SYSTEM = f"{CARESIGNAL}:unit-code"
OBSERVATION_SYSTEM = f"{CARESIGNAL}:observation"
RESPONSE_SYSTEM = f"{CARESIGNAL}:response"
ACVPU_SYSTEM = f"{CARESIGNAL}:acvpu"
CARER_SYSTEM = f"{CARESIGNAL}:carer-answer"
OXYGEN_SYSTEM = f"{CARESIGNAL}:air-or-oxygen"
BREATHING_SYSTEM = f"{CARESIGNAL}:work-of-breathing"
#: SNOMED CT 47625008 |Intravenous route|: a medication given by this route is intravenous.
INTRAVENOUS = (SNOMED, "47625008")
#: WHO ATC group J01, antibacterials for systemic use.
ANTIBIOTIC_ATC_PREFIX = "J01"


@dataclass(frozen=True, slots=True)
class Measure:
    """A quantity observation: the column it fills and the UCUM units it may come in.

    ``units`` maps each accepted UCUM code to a function turning a value in that unit into the
    column's unit.
    """

    column: str
    name: str
    units: tuple[str, ...]


def convert(unit: str, value: float) -> float:
    """``value`` in UCUM ``unit`` in the unit of its column (°C, kg; others as they are)."""
    if unit == "[degF]":
        return round((value - 32) * 5 / 9, 2)
    if unit == "g":
        return value / 1000
    if unit == "[lb_av]":
        return round(value * 0.45359237, 3)
    return value


#: Observation codes whose value is a quantity, by (system, code).
OBSERVATIONS: dict[tuple[str, str], Measure] = {
    (LOINC, "9279-1"): Measure("respiration_rate", "respiratory rate", ("/min",)),
    (LOINC, "8867-4"): Measure("pulse", "heart rate", ("/min",)),
    (LOINC, "2708-6"): Measure("spo2", "oxygen saturation", ("%",)),
    (LOINC, "59408-5"): Measure("spo2", "oxygen saturation by pulse oximetry", ("%",)),
    (LOINC, "8480-6"): Measure("systolic_bp", "systolic blood pressure", ("mm[Hg]",)),
    (LOINC, "8310-5"): Measure("temperature", "body temperature", ("Cel", "[degF]")),
    (LOINC, "29463-7"): Measure("weight_kg", "body weight", ("kg", "g", "[lb_av]")),
    (LOINC, "44963-7"): Measure("capillary_refill_s", "capillary refill time", ("s",)),
}
#: The blood pressure panel: its systolic component (8480-6) is read, the rest is not used.
BP_PANEL = (LOINC, "85354-9")
#: The vital signs panel: a grouper whose members are read from their own resources.
VITALS_PANEL = (LOINC, "85353-1")
#: Inhaled oxygen flow rate (L/min) and concentration (%): more than 0 L/min or 21 % is oxygen.
OXYGEN_FLOW = (LOINC, "3151-8")
OXYGEN_CONCENTRATION = (LOINC, "3150-0")
#: Codes whose value is a code: consciousness, work of breathing, the carer's answer, air or
#: oxygen, SpO₂ scale.
CODED: dict[tuple[str, str], str] = {
    (LOINC, "80288-4"): "consciousness",
    (OBSERVATION_SYSTEM, "acvpu"): "consciousness",
    (OBSERVATION_SYSTEM, "work-of-breathing"): "work_of_breathing",
    (OBSERVATION_SYSTEM, "carer-answer"): "carer_answer",
    (OBSERVATION_SYSTEM, "air-or-oxygen"): "on_oxygen",
    (OBSERVATION_SYSTEM, "spo2-scale"): "spo2_scale",
}
#: The value codes of each coded observation, and the value each stands for in the table.
VALUE_CODES: dict[str, dict[tuple[str, str], str | int | bool]] = {
    "consciousness": {
        (SNOMED, "248234008"): "A",
        (SNOMED, "300202002"): "V",
        (SNOMED, "450847001"): "P",
        (SNOMED, "422768004"): "U",
        **{(ACVPU_SYSTEM, letter): letter for letter in ("A", "C", "V", "P", "U")},
    },
    "work_of_breathing": {(BREATHING_SYSTEM, label): label for label in WORK_OF_BREATHING},
    "carer_answer": {
        (CARER_SYSTEM, answer): answer
        for answer in ("worse", "same", "better", "asleep", "unavailable")
    },
    "on_oxygen": {(OXYGEN_SYSTEM, "air"): False, (OXYGEN_SYSTEM, "oxygen"): True},
}
#: Pregnancy status (LOINC 82810-3): a patient-level Observation that fills the ``pregnant``
#: column of the encounter it names, not a value of an observation set.
PREGNANCY_STATUS = (LOINC, "82810-3")
#: Its answers, from the International Patient Summary's value set "Pregnancy Status - IPS":
#: the SNOMED CT codes of IPS 2.0 (pregnant, not pregnant, pregnancy not yet confirmed,
#: possible pregnancy), the LOINC answers of IPS 1.1 (answer list LL4129-4: pregnant, not
#: pregnant, unknown) and the SNOMED CT possible pregnancy its concept map puts under "unknown";
#: and the HL7 null flavour UNK that the US Core value set adds. ``None`` means not known: the
#: answer leaves ``pregnant`` empty.
PREGNANCY_VALUES: dict[tuple[str, str], bool | None] = {
    (SNOMED, "77386006"): True,
    (SNOMED, "60001007"): False,
    (SNOMED, "152231000119106"): None,
    (SNOMED, "146799005"): None,
    (SNOMED, "102874004"): None,
    (LOINC, "LA15173-0"): True,
    (LOINC, "LA26683-5"): False,
    (LOINC, "LA4489-6"): None,
    (NULL_FLAVOR, "UNK"): None,
}
#: Procedure codes: the kind of response each records.
PROCEDURES: dict[tuple[str, str], str] = {
    (RESPONSE_SYSTEM, "nurse-in-charge-review"): "nurse_in_charge_review",
    (RESPONSE_SYSTEM, "doctor-review"): "doctor_review",
    (RESPONSE_SYSTEM, "senior-review"): "senior_review",
    (RESPONSE_SYSTEM, "outreach-review"): "outreach_review",
    (RESPONSE_SYSTEM, "sepsis-screen"): "sepsis_screen",
}
#: Statuses of a record of something that was done; resources with others are reported, not used.
DONE = {
    "Observation": ("final", "amended", "corrected"),
    "Procedure": ("completed",),
    "MedicationAdministration": ("completed",),
}
