"""Synthetic data, part 15: the ``admissions`` table: stays on adult wards, one year at a time.

Each ward's stays arrive as a Poisson number a year on uniformly random days. The patient's age
band, sex, diagnosis group and comorbidity score are drawn from fixed distributions (comorbidity
rises with age); elective groups are mostly planned admissions. Death in hospital follows
:data:`ADMISSION_MODEL` with each ward's random effect; the stay lasts a geometric number of days
(longer for older patients). Stays still in hospital at the end of the data are left out, as an
extract would leave them out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data._synth_coefficients import ADMISSION_MODEL
from caresignal.data._synth_model import AGE_BANDS, DIAGNOSIS_GROUPS
from caresignal.data._synth_outcomes import risk
from caresignal.data._synth_plan import Plan
from caresignal.data._synth_scales import epoch_days, stream
from caresignal.data.schema import ADMISSIONS

__all__ = ["ADMISSION_CASE_MIX", "admissions_table", "admissions_year"]

IntArray = NDArray[np.int64]

_ADULT = AGE_BANDS.index("16-44")
_SEXES = ADMISSIONS.column("sex").allowed or ()
_DIAGNOSES = (0.08, 0.12, 0.05, 0.06, 0.05, 0.06, 0.04, 0.04, 0.04, 0.14, 0.05, 0.09, 0.06, 0.08)
_ELECTIVE = ("elective_joint_replacement", "elective_other_surgery")

#: The case mix of stays, as ``truth.json`` records it (age bands from 16-44 up).
ADMISSION_CASE_MIX: dict[str, Any] = {
    "age_band": dict(zip(AGE_BANDS[_ADULT:], (0.18, 0.24, 0.19, 0.22, 0.17), strict=True)),
    "sex": dict(zip(_SEXES, (0.52, 0.479, 0.0, 0.001), strict=True)),
    "diagnosis_group": dict(
        zip(DIAGNOSIS_GROUPS, np.round(np.array(_DIAGNOSES) / sum(_DIAGNOSES), 4), strict=True)
    ),
    "comorbidity_mean_by_age_band": (0.3, 0.9, 1.6, 2.2, 2.6),
    "stay_mean_days_by_age_band": (2.5, 3.5, 4.5, 6.0, 8.0),
    "emergency_share": {"elective groups": 0.03, "other groups": 0.98},
}


def _patients(rng: np.random.Generator, n: int) -> dict[str, Any]:
    mix = ADMISSION_CASE_MIX
    age = _ADULT + rng.choice(len(mix["age_band"]), n, p=list(mix["age_band"].values()))
    shares = np.array(_DIAGNOSES) / sum(_DIAGNOSES)
    diagnosis = rng.choice(len(DIAGNOSIS_GROUPS), n, p=shares)
    elective = np.isin(diagnosis, [DIAGNOSIS_GROUPS.index(group) for group in _ELECTIVE])
    comorbidity = rng.poisson(np.array(mix["comorbidity_mean_by_age_band"])[age - _ADULT])
    return {
        "age_band": age,
        "sex": rng.choice(len(_SEXES), n, p=list(mix["sex"].values())),
        "diagnosis_group": diagnosis,
        "comorbidity_score": np.minimum(comorbidity, 40),
        "emergency": rng.random(n) < np.where(elective, 0.03, 0.98),
    }


def admissions_year(plan: Plan, year: int) -> pl.DataFrame:
    """The stays admitted in one calendar year (every column but ``record_id``)."""
    rng = stream(plan.seed, "admissions", year)
    first = int(epoch_days(max(date(year, 1, 1), plan.start))[0])
    last_day = int(epoch_days(plan.end)[0])
    last = min(int(epoch_days(date(year, 12, 31))[0]), last_day)
    expected = plan.adult.size * (last - first + 1) / 365.25
    ward = np.repeat(np.arange(len(plan.adult.code)), rng.poisson(expected))
    c = _patients(rng, ward.size)
    died = rng.random(ward.size) < risk(ADMISSION_MODEL, c, plan.adult.effect[ward])
    mean = np.array(ADMISSION_CASE_MIX["stay_mean_days_by_age_band"])[c["age_band"] - _ADULT]
    admitted = rng.integers(first, last + 1, ward.size)
    discharged = admitted + rng.geometric(1.0 / (mean + 1.0)) - 1
    keep = discharged <= last_day
    frame = pl.DataFrame(
        {
            "unit_code": pl.Series(plan.adult.code, dtype=pl.String).gather(ward),
            "admission_date": pl.Series(admitted).cast(pl.Int32).cast(pl.Date),
            "discharge_date": pl.Series(discharged).cast(pl.Int32).cast(pl.Date),
            "age_band": pl.Series(AGE_BANDS, dtype=pl.String).gather(c["age_band"]),
            "sex": pl.Series(_SEXES, dtype=pl.String).gather(c["sex"]),
            "diagnosis_group": pl.Series(DIAGNOSIS_GROUPS, dtype=pl.String).gather(
                c["diagnosis_group"]
            ),
            "comorbidity_score": pl.Series(c["comorbidity_score"], dtype=pl.Int64),
            "emergency": pl.Series(c["emergency"], dtype=pl.Boolean),
            "died": pl.Series(died, dtype=pl.Boolean),
        }
    )
    return frame.filter(pl.Series(keep)).sort("admission_date", "unit_code", maintain_order=True)


def admissions_table(plan: Plan) -> pl.DataFrame:
    """Every stay of the plan, numbered ``A000000000`` onwards in order of admission."""
    years = range(plan.start.year, plan.end.year + 1)
    frame = pl.concat([admissions_year(plan, year) for year in years])
    number = pl.int_range(pl.len(), dtype=pl.Int64).cast(pl.String).str.zfill(9)
    return frame.with_columns(record_id=pl.format("A{}", number)).select(ADMISSIONS.names)
