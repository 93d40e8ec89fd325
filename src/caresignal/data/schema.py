"""The input tables caresignal reads: one declared schema per table.

Each :class:`TableSchema` lists its columns (name, type, allowed values or range, required or
optional, whether a value may be empty), the columns that identify a record (``key``), and the
column that must name a known organisation (``organisation_column``). The loader
(:mod:`caresignal.data.load`) checks files against these declarations; the synthetic generator
(:mod:`caresignal.data.synth`) writes tables that satisfy them; ``docs/data.md`` documents them with
an example file each. Changing a column here changes all three.

Rules that involve more than one column (a stillbirth that is also a neonatal death, a numerator
above its denominator, …) are listed in each schema's ``rules`` in words and enforced by the loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

__all__ = [
    "DTYPES",
    "SCHEMAS",
    "Column",
    "Kind",
    "TableSchema",
    "schema",
]

Kind = Literal["string", "integer", "float", "boolean", "date", "datetime"]

#: The polars type each column kind is checked into, stored as and generated with.
DTYPES: dict[Kind, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "float": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an input table.

    ``required`` columns must be present in every file; optional ones may be left out.
    ``nullable`` columns may hold empty values. ``allowed`` lists the only values a string column
    may take; ``minimum``/``maximum`` bound numbers (inclusive). ``example`` is a value as a file
    would hold it.
    """

    name: str
    kind: Kind
    description: str
    example: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class TableSchema:
    """An input table: its columns, the columns that identify a record, and its rules."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    organisation_column: str | None
    rules: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        """The column names in their documented order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name`` (``KeyError`` if there is none)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


YES_NO = ("true", "false")
UNIT_TYPES = ("maternity", "neonatal", "paediatric_ward", "emergency_department", "adult_ward")
ETHNIC_GROUPS = ("white", "mixed", "asian", "black", "other", "not_stated")

ORGANISATIONS = TableSchema(
    name="organisations",
    description="The trust → site → unit hierarchy, with ODS-style codes.",
    columns=(
        Column("code", "string", "ODS-style code, unique across all levels.", "RVV01-MAT"),
        Column("name", "string", "Name as the organisation uses it.", "William Harvey maternity"),
        Column(
            "level", "string", "Place in the hierarchy.", "unit", allowed=("trust", "site", "unit")
        ),
        Column(
            "parent_code",
            "string",
            "Code of the trust (for a site) or site (for a unit); empty for a trust.",
            "RVV01",
            nullable=True,
        ),
        Column(
            "unit_type",
            "string",
            "Kind of unit; empty for trusts and sites.",
            "maternity",
            nullable=True,
            allowed=UNIT_TYPES,
        ),
        Column(
            "comparator_group",
            "string",
            "Peer group for comparisons, e.g. a neonatal care level or a size band.",
            "level_3",
            required=False,
            nullable=True,
        ),
        Column(
            "region",
            "string",
            "NHS region of a trust.",
            "South East",
            required=False,
            nullable=True,
        ),
    ),
    key=("code",),
    organisation_column=None,
    rules=(
        "a trust has no parent; a site's parent is a trust; a unit's parent is a site",
        "a unit has a unit type; a trust or a site has none",
        "every parent code names an organisation in this file or already loaded",
    ),
)

BIRTHS = TableSchema(
    name="births",
    description="One row per baby born (MSDS-like), with outcomes.",
    columns=(
        Column("record_id", "string", "The provider's identifier of the birth record.", "B000123"),
        Column("site_code", "string", "Code of the site (or maternity unit) of birth.", "RVV01"),
        Column("birth_datetime", "datetime", "Date and time of birth.", "2024-03-07T14:25"),
        Column(
            "gestation_weeks",
            "integer",
            "Completed weeks of gestation.",
            "39",
            minimum=22,
            maximum=44,
        ),
        Column(
            "gestation_days",
            "integer",
            "Days beyond the completed weeks.",
            "3",
            minimum=0,
            maximum=6,
        ),
        Column(
            "birthweight_g", "integer", "Birthweight.", "3420", minimum=200, maximum=7000, unit="g"
        ),
        Column(
            "plurality",
            "integer",
            "Babies born in this pregnancy (1 singleton).",
            "1",
            minimum=1,
            maximum=6,
        ),
        Column(
            "mother_age",
            "integer",
            "Mother's age at the birth.",
            "31",
            minimum=11,
            maximum=65,
            unit="years",
        ),
        Column(
            "imd_decile",
            "integer",
            "Index of Multiple Deprivation decile of the mother's address (1 most deprived).",
            "4",
            minimum=1,
            maximum=10,
            nullable=True,
        ),
        Column(
            "ethnic_group",
            "string",
            "Mother's ethnic group (ONS high-level groups).",
            "white",
            allowed=ETHNIC_GROUPS,
        ),
        Column(
            "parity", "integer", "Previous births of 24 weeks or more.", "1", minimum=0, maximum=20
        ),
        Column("previous_caesarean", "boolean", "Any previous caesarean birth.", "false"),
        Column(
            "labour_onset",
            "string",
            "How labour began.",
            "spontaneous",
            allowed=("spontaneous", "induced", "no_labour"),
        ),
        Column(
            "birth_mode",
            "string",
            "Mode of birth.",
            "spontaneous_vaginal",
            allowed=(
                "spontaneous_vaginal",
                "instrumental",
                "planned_caesarean",
                "emergency_caesarean",
            ),
        ),
        Column(
            "stillbirth",
            "string",
            "Whether the baby was stillborn, and when death occurred.",
            "no",
            allowed=("no", "antepartum", "intrapartum"),
        ),
        Column(
            "neonatal_death", "boolean", "Born alive and died within 28 completed days.", "false"
        ),
        Column(
            "neonatal_death_date",
            "date",
            "Date of a neonatal death; empty otherwise.",
            "",
            nullable=True,
        ),
        Column(
            "hie_grade_2_3", "boolean", "Hypoxic-ischaemic encephalopathy grade 2 or 3.", "false"
        ),
        Column(
            "haemorrhage_1500ml", "boolean", "Obstetric haemorrhage of 1,500 ml or more.", "false"
        ),
        Column("tear_3rd_4th", "boolean", "Third- or fourth-degree perineal tear.", "false"),
        Column(
            "apgar5_below_7", "boolean", "Apgar score below 7 at 5 minutes (live births).", "false"
        ),
    ),
    key=("record_id",),
    organisation_column="site_code",
    rules=(
        "a stillborn baby is not also a neonatal death",
        "a stillbirth is at 24 weeks or more (an earlier loss is not a stillbirth)",
        "a neonatal death has a death date, no earlier than the birth and within 28 days of it; "
        "a baby who did not die as a neonate has none",
        "a stillborn baby has no 5-minute Apgar below 7 recorded (Apgar applies to live births)",
        "a caesarean birth has no 3rd/4th-degree tear; a planned caesarean has no labour",
        "the birth is not in the future",
    ),
)

ADMISSIONS = TableSchema(
    name="admissions",
    description="One row per hospital stay.",
    columns=(
        Column("record_id", "string", "The provider's identifier of the stay.", "A0004567"),
        Column("unit_code", "string", "Code of the admitting unit.", "RVV01-ADW"),
        Column("admission_date", "date", "Date of admission.", "2024-03-07"),
        Column("discharge_date", "date", "Date of discharge or death.", "2024-03-12"),
        Column(
            "age_band",
            "string",
            "Age at admission.",
            "65-74",
            allowed=("0", "1-4", "5-15", "16-44", "45-64", "65-74", "75-84", "85+"),
        ),
        Column("sex", "string", "Sex.", "female", allowed=("female", "male", "other", "not_known")),
        Column(
            "diagnosis_group", "string", "Primary diagnosis group (e.g. a SHMI group).", "pneumonia"
        ),
        Column(
            "comorbidity_score",
            "integer",
            "Charlson comorbidity score.",
            "2",
            minimum=0,
            maximum=40,
        ),
        Column("emergency", "boolean", "Emergency (not elective) admission.", "true"),
        Column("died", "boolean", "Died in hospital.", "false"),
    ),
    key=("record_id",),
    organisation_column="unit_code",
    rules=(
        "discharge is on or after admission",
        "neither date is in the future",
    ),
)

COUNTS = TableSchema(
    name="counts",
    description="Aggregate counts per unit, period and indicator.",
    columns=(
        Column("unit_code", "string", "Code of the unit.", "RVV01-PAE"),
        Column(
            "period_start", "date", "First day of the month or (Monday of the) week.", "2024-03-01"
        ),
        Column(
            "period_type", "string", "Length of the period.", "month", allowed=("month", "week")
        ),
        Column(
            "indicator", "string", "Indicator identifier from the catalogue.", "sepsis_screen_1h"
        ),
        Column("numerator", "float", "Events, or the count being monitored.", "41", minimum=0),
        Column(
            "denominator",
            "float",
            "Cases or exposure (e.g. bed days); empty for pure counts.",
            "47",
            nullable=True,
            minimum=0,
        ),
        Column(
            "expected",
            "float",
            "Expected count from a risk model, if the provider has one.",
            "",
            required=False,
            nullable=True,
            minimum=0,
        ),
    ),
    key=("unit_code", "period_start", "period_type", "indicator"),
    organisation_column="unit_code",
    rules=(
        "a month starts on its first day; a week on a Monday",
        "for a proportion the numerator is at most the denominator",
        "the period is not in the future",
    ),
)

STAFFING = TableSchema(
    name="staffing",
    description="Planned and actual staff hours per unit, month, shift and staff group.",
    columns=(
        Column("unit_code", "string", "Code of the unit or ward.", "RVV01-PAE"),
        Column("month", "date", "First day of the month.", "2024-03-01"),
        Column("shift", "string", "Day or night shifts.", "day", allowed=("day", "night")),
        Column(
            "staff_group",
            "string",
            "Staff group.",
            "registered_nurse",
            allowed=("registered_nurse", "midwife", "care_assistant", "doctor"),
        ),
        Column(
            "planned_hours",
            "float",
            "Hours planned on the roster.",
            "4650",
            minimum=0,
            unit="hours",
        ),
        Column("actual_hours", "float", "Hours worked.", "4420", minimum=0, unit="hours"),
        Column(
            "patient_days",
            "float",
            "Patient days in the month (for care hours per patient day).",
            "620",
            minimum=0,
        ),
    ),
    key=("unit_code", "month", "shift", "staff_group"),
    organisation_column="unit_code",
    rules=(
        "actual hours need planned hours: planned is not 0 where actual is above 0",
        "the month starts on its first day and is not in the future",
    ),
)

RECOMMENDATIONS = TableSchema(
    name="recommendations",
    description="Recommendations made to an organisation, to be tracked to closure.",
    columns=(
        Column("record_id", "string", "Identifier of the recommendation.", "CQC-2023-014"),
        Column(
            "source",
            "string",
            "Where the recommendation came from.",
            "inspection",
            allowed=("inspection", "review", "coroners_report", "investigation", "signal_check"),
        ),
        Column("date", "date", "Date it was made.", "2023-02-14"),
        Column("organisation_code", "string", "The organisation it was made to.", "RVV"),
        Column(
            "text", "string", "The recommendation as written.", "Ensure every child is screened…"
        ),
        Column("owner_role", "string", "Role that owns it.", "executive_safety_champion"),
        Column("due_date", "date", "When it must be done.", "2023-06-30"),
    ),
    key=("record_id",),
    organisation_column="organisation_code",
    rules=(
        "the due date is on or after the date it was made",
        "the date it was made is not in the future",
    ),
)

CONCERNS = TableSchema(
    name="concerns",
    description="Historical concerns and complaints, for trusts moving from another system.",
    columns=(
        Column("record_id", "string", "The previous system's reference.", "C-2022-0456"),
        Column("received_date", "date", "Date the concern was received.", "2022-11-03"),
        Column("unit_code", "string", "Unit the concern is about.", "RVV01-PAE"),
        Column(
            "channel",
            "string",
            "How it was raised.",
            "complaint",
            allowed=("complaint", "pals", "staff", "marthas_rule", "online", "letter", "phone"),
        ),
        Column("text", "string", "What the person said.", "Nobody listened when we said…"),
        Column(
            "category",
            "string",
            "HCAT category, if coded.",
            "listening",
            nullable=True,
            allowed=(
                "quality",
                "safety",
                "environment",
                "institutional_processes",
                "listening",
                "communication",
                "respect_and_patient_rights",
            ),
        ),
        Column(
            "acknowledged_date", "date", "Date it was acknowledged.", "2022-11-04", nullable=True
        ),
        Column("answered_date", "date", "Date of the final response.", "2022-12-01", nullable=True),
    ),
    key=("record_id",),
    organisation_column="unit_code",
    rules=(
        "acknowledgement and answer are on or after the date received",
        "no date is in the future",
    ),
)

SEXES = ("female", "male", "other", "not_known")
ACVPU = ("A", "C", "V", "P", "U")
CARER_ANSWERS = ("worse", "same", "better", "asleep", "unavailable")
#: The work-of-breathing labels of the shipped paediatric early warning table
#: (caresignal/stats/ews_tables/pews.toml); a test keeps the two the same.
WORK_OF_BREATHING = ("none", "mild", "moderate", "severe")
RESPONSE_KINDS = (
    "nurse_in_charge_review",
    "doctor_review",
    "senior_review",
    "outreach_review",
    "sepsis_screen",
    "first_iv_antibiotic",
)

ENCOUNTERS = TableSchema(
    name="encounters",
    description="One row per stay on a ward whose bedside observations are recorded.",
    columns=(
        Column("encounter_id", "string", "The provider's identifier of the stay.", "E000731"),
        Column(
            "patient_id",
            "string",
            "Pseudonymous identifier of the patient (never an NHS number or a name).",
            "P5f2c91",
        ),
        Column("unit_code", "string", "Code of the ward (a unit).", "RVV01-PAE"),
        Column("admission_datetime", "datetime", "Date and time of admission.", "2024-03-07T14:25"),
        Column(
            "discharge_datetime",
            "datetime",
            "Date and time of discharge or death; empty for a stay still open.",
            "2024-03-09T11:00",
            nullable=True,
        ),
        Column(
            "age_months",
            "integer",
            "Age at admission in completed months.",
            "26",
            minimum=0,
            maximum=1500,
            unit="months",
        ),
        Column("sex", "string", "Sex.", "female", allowed=SEXES),
        Column(
            "pregnant",
            "boolean",
            "Pregnant at admission; empty where pregnancy was not recorded.",
            "false",
            required=False,
            nullable=True,
        ),
    ),
    key=("encounter_id",),
    organisation_column="unit_code",
    rules=(
        "the unit code names a unit, not a trust or a site",
        "discharge is at or after admission",
        "neither time is in the future",
    ),
)

OBSERVATIONS = TableSchema(
    name="observations",
    description="One row per set of bedside observations; a set need not hold every value.",
    columns=(
        Column("encounter_id", "string", "The stay the observations belong to.", "E000731"),
        Column("observation_datetime", "datetime", "When the set was taken.", "2024-03-07T16:00"),
        Column(
            "respiration_rate",
            "integer",
            "Breaths per minute.",
            "32",
            nullable=True,
            minimum=1,
            maximum=150,
            unit="breaths/min",
        ),
        Column(
            "spo2",
            "integer",
            "Peripheral oxygen saturation (SpO₂).",
            "94",
            nullable=True,
            minimum=40,
            maximum=100,
            unit="%",
        ),
        Column(
            "spo2_scale",
            "integer",
            "NEWS2 SpO₂ scale: 2 only where a clinician has prescribed it for hypercapnic "
            "respiratory failure; empty means scale 1.",
            "1",
            nullable=True,
            minimum=1,
            maximum=2,
        ),
        Column(
            "on_oxygen",
            "boolean",
            "Breathing supplemental oxygen (true) or air (false).",
            "false",
            nullable=True,
        ),
        Column(
            "systolic_bp",
            "integer",
            "Systolic blood pressure.",
            "98",
            nullable=True,
            minimum=30,
            maximum=300,
            unit="mm Hg",
        ),
        Column(
            "pulse",
            "integer",
            "Heart rate.",
            "150",
            nullable=True,
            minimum=20,
            maximum=300,
            unit="beats/min",
        ),
        Column(
            "consciousness",
            "string",
            "ACVPU: alert, new confusion, responds to voice, to pain, unresponsive.",
            "A",
            nullable=True,
            allowed=ACVPU,
        ),
        Column(
            "temperature",
            "float",
            "Body temperature.",
            "38.4",
            nullable=True,
            minimum=25,
            maximum=45,
            unit="°C",
        ),
        Column(
            "weight_kg",
            "float",
            "Body weight.",
            "12.6",
            required=False,
            nullable=True,
            minimum=0.2,
            maximum=400,
            unit="kg",
        ),
        Column(
            "capillary_refill_s",
            "float",
            "Capillary refill time (children).",
            "2",
            required=False,
            nullable=True,
            minimum=0,
            maximum=20,
            unit="s",
        ),
        Column(
            "work_of_breathing",
            "string",
            "Work of breathing (children): none (normal effort), or a mild, moderate or severe "
            "increase, as the paediatric early warning chart grades it.",
            "mild",
            required=False,
            nullable=True,
            allowed=WORK_OF_BREATHING,
        ),
        Column(
            "carer_answer",
            "string",
            "The parent's or carer's answer when asked whether the patient is getting worse, "
            "the same or better.",
            "worse",
            required=False,
            nullable=True,
            allowed=CARER_ANSWERS,
        ),
    ),
    key=("encounter_id", "observation_datetime"),
    organisation_column=None,
    rules=(
        "the encounter is loaded, in this import or before",
        "the set was taken during the stay: at or after admission and, once discharged, at or "
        "before discharge",
        "the set holds at least one value",
        "the set is not in the future",
    ),
)

RESPONSES = TableSchema(
    name="responses",
    description="What was done for a patient and when: reviews, sepsis screens, antibiotics.",
    columns=(
        Column("encounter_id", "string", "The stay the response belongs to.", "E000731"),
        Column("response_datetime", "datetime", "When it was done.", "2024-03-07T16:40"),
        Column("kind", "string", "What was done.", "sepsis_screen", allowed=RESPONSE_KINDS),
    ),
    key=("encounter_id", "response_datetime", "kind"),
    organisation_column=None,
    rules=(
        "the encounter is loaded, in this import or before",
        "the response was made during the stay: at or after admission and, once discharged, at "
        "or before discharge",
        "the response is not in the future",
    ),
)

SCHEMAS: dict[str, TableSchema] = {
    table.name: table
    for table in (
        ORGANISATIONS,
        BIRTHS,
        ADMISSIONS,
        COUNTS,
        STAFFING,
        RECOMMENDATIONS,
        CONCERNS,
        ENCOUNTERS,
        OBSERVATIONS,
        RESPONSES,
    )
}


def schema(table: str) -> TableSchema:
    """The schema of ``table`` (one of :data:`SCHEMAS`); ``KeyError`` naming the choices if none."""
    try:
        return SCHEMAS[table]
    except KeyError:
        raise KeyError(f"no table called {table!r}; expected one of {', '.join(SCHEMAS)}") from None
