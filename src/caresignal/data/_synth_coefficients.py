"""Synthetic data, part 6: the numbers: true outcome models and case-mix distributions.

The coefficients are log odds ratios chosen to be of the size the literature reports (MBRRACE-UK
perinatal surveillance reports; NMPA clinical reports; SHMI technical specification). Each
intercept was calibrated so that the national case mix, with the sites' random effects and no
injected problem, gives England's rate (``target``); ``benchmarks/bench_synth.py`` prints the rates
observed at national scale. ``docs/synthetic-data.md`` sets out the same numbers as tables.
"""

from __future__ import annotations

from types import MappingProxyType

from caresignal.data._synth_model import LogisticModel

__all__ = [
    "ADMISSION_MODEL",
    "BIRTH_MODELS",
    "INTRAPARTUM_SHARE",
]

#: Share of stillbirths in which the baby died during labour (the rest died before labour).
INTRAPARTUM_SHARE = 0.10

_GESTATION_STILLBIRTH = {
    "gestation_24_27": 4.3,
    "gestation_28_31": 3.3,
    "gestation_32_33": 2.5,
    "gestation_34_36": 1.5,
    "gestation_42_plus": 0.4,
}
_GESTATION_NEONATAL = {
    "gestation_22_23": 6.6,
    "gestation_24_27": 4.9,
    "gestation_28_31": 3.1,
    "gestation_32_33": 2.1,
    "gestation_34_36": 1.3,
}


def _model(
    outcome: str,
    population: str,
    intercept: float,
    coefficients: dict[str, float],
    sd: float,
    target: float,
) -> LogisticModel:
    return LogisticModel(outcome, population, intercept, MappingProxyType(coefficients), sd, target)


#: The true model of each outcome in ``births``, by column name.
BIRTH_MODELS: MappingProxyType[str, LogisticModel] = MappingProxyType(
    {
        "stillbirth": _model(
            "stillbirth",
            "births at 24 weeks or more (none at 22-23 weeks: those are not stillbirths)",
            -6.956,
            {
                "age_under_20": 0.15,
                "age_35_39": 0.2,
                "age_40_plus": 0.45,
                "deprivation": 0.5,
                "ethnic_black": 0.65,
                "ethnic_asian": 0.4,
                "ethnic_mixed": 0.2,
                "ethnic_other": 0.25,
                "ethnic_not_stated": 0.15,
                "nulliparous": 0.1,
                "parity_3_plus": 0.2,
                "multiple": 0.5,
                **_GESTATION_STILLBIRTH,
            },
            0.12,
            0.0033,
        ),
        "hie_grade_2_3": _model(
            "hie_grade_2_3",
            "live births at 37 weeks or more",
            -7.351,
            {
                "nulliparous": 0.3,
                "age_40_plus": 0.3,
                "deprivation": 0.3,
                "induced": 0.2,
                "multiple": 0.3,
                "gestation_42_plus": 0.5,
            },
            0.25,
            0.001,
        ),
        "neonatal_death": _model(
            "neonatal_death",
            "live births",
            -7.707,
            {
                "age_under_20": 0.25,
                "age_40_plus": 0.2,
                "deprivation": 0.35,
                "ethnic_black": 0.4,
                "ethnic_asian": 0.35,
                "multiple": 0.3,
                "hie": 2.5,
                **_GESTATION_NEONATAL,
            },
            0.15,
            0.0015,
        ),
        "haemorrhage_1500ml": _model(
            "haemorrhage_1500ml",
            "all births (a mother's haemorrhage is recorded on each of her babies)",
            -4.145,
            {
                "emergency_caesarean": 0.9,
                "planned_caesarean": 0.4,
                "instrumental": 0.5,
                "multiple": 0.8,
                "age_35_39": 0.2,
                "age_40_plus": 0.35,
                "previous_caesarean": 0.3,
                "induced": 0.2,
                "ethnic_asian": 0.2,
                "ethnic_black": 0.25,
            },
            0.25,
            0.03,
        ),
        "tear_3rd_4th": _model(
            "tear_3rd_4th",
            "vaginal births (spontaneous or instrumental)",
            -4.484,
            {
                "nulliparous": 1.0,
                "instrumental": 0.9,
                "ethnic_asian": 0.5,
                "age_35_39": 0.1,
                "age_40_plus": 0.15,
                "multiple": -0.3,
                "gestation_41": 0.2,
                "gestation_42_plus": 0.3,
            },
            0.3,
            0.03,
        ),
        "apgar5_below_7": _model(
            "apgar5_below_7",
            "live births",
            -5.275,
            {
                "gestation_22_23": 4.0,
                "gestation_24_27": 3.5,
                "gestation_28_31": 2.2,
                "gestation_32_33": 1.3,
                "gestation_34_36": 0.7,
                "emergency_caesarean": 0.8,
                "instrumental": 0.6,
                "multiple": 0.2,
                "deprivation": 0.2,
                "hie": 3.0,
            },
            0.25,
            0.01,
        ),
    }
)

#: The true model of death in hospital (``admissions.died``).
ADMISSION_MODEL = _model(
    "died",
    "all stays on adult wards",
    -7.305,
    {
        "age_45_64": 0.9,
        "age_65_74": 1.6,
        "age_75_84": 2.2,
        "age_85_plus": 2.8,
        "comorbidity": 0.18,
        "emergency": 1.0,
        "male": 0.1,
        "diagnosis_pneumonia": 1.6,
        "diagnosis_sepsis": 2.0,
        "diagnosis_heart_failure": 1.2,
        "diagnosis_stroke": 1.5,
        "diagnosis_copd": 0.6,
        "diagnosis_acute_kidney_injury": 1.0,
        "diagnosis_hip_fracture": 0.8,
        "diagnosis_gi_bleed": 0.6,
        "diagnosis_chest_pain": -1.5,
        "diagnosis_cellulitis": -0.8,
        "diagnosis_falls_injury": 0.2,
        "diagnosis_elective_joint_replacement": -1.0,
        "diagnosis_elective_other_surgery": -0.5,
    },
    0.15,
    0.035,
)
