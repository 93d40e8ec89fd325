"""Synthetic data, part 13: the ``staffing`` table, planned and actual hours per unit and month.

Planned hours are care hours per patient day (CHPPD) times patient days, split 55 % day and 45 %
night; actual hours are planned hours times a fill rate. Maternity units roster midwives and care
assistants, wards registered nurses and care assistants. The failing paediatric ward's
registered-nurse fill rate follows its ``registered_nurse_fill_rate`` change; the paediatric wards'
patient days are the bed days of their ``counts`` rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data._synth_births import ANNUAL_DECLINE
from caresignal.data._synth_plan import Plan
from caresignal.data._synth_scales import stream
from caresignal.data._synth_wards import Grid, grid, paediatric_months
from caresignal.data.schema import STAFFING

__all__ = ["CHPPD", "staffing_table"]

FloatArray = NDArray[np.float64]

#: Planned care hours per patient day, by unit type and staff group.
CHPPD = {
    "paediatric_ward": {"registered_nurse": 7.0, "care_assistant": 2.0},
    "maternity": {"midwife": 10.0, "care_assistant": 3.0},
    "adult_ward": {"registered_nurse": 4.8, "care_assistant": 3.2},
}
_SHIFTS = {"day": 0.55, "night": 0.45}
_BIRTH_STAY_DAYS = 2.2
_WARD_STAY_DAYS = 5.0


def _rows(
    rng: np.random.Generator,
    codes: tuple[str, ...],
    g: Grid,
    patient_days: FloatArray,
    fills: dict[str, tuple[float, FloatArray]],
) -> pl.DataFrame:
    frames = []
    unit = pl.Series(codes, dtype=pl.String).gather(g.unit)
    month = pl.Series(g.day).cast(pl.Int32).cast(pl.Date)
    for group, (chppd, fill) in fills.items():
        for shift, share in _SHIFTS.items():
            noise = np.exp(rng.normal(0.0, 0.03, g.unit.size))
            planned = np.round(patient_days * chppd * share * noise, 1)
            night = 0.98 if shift == "night" else 1.0
            actual = planned * fill * night * np.exp(rng.normal(0.0, 0.02, g.unit.size))
            frame = pl.DataFrame(
                {
                    "unit_code": unit,
                    "month": month,
                    "shift": pl.repeat(shift, g.unit.size, eager=True, dtype=pl.String),
                    "staff_group": pl.repeat(group, g.unit.size, eager=True, dtype=pl.String),
                    "planned_hours": planned,
                    "actual_hours": np.round(actual, 1),
                    "patient_days": patient_days,
                }
            )
            frames.append(frame)
    return pl.concat(frames)


def _fill(rng: np.random.Generator, g: Grid, level: float | FloatArray, sd: float) -> FloatArray:
    units = int(g.unit.max()) + 1 if g.unit.size else 0
    ward = rng.normal(0.0, sd, units)[g.unit]
    return np.asarray(level + ward + rng.normal(0.0, 0.02, g.unit.size), dtype=np.float64)


def _paediatric(plan: Plan, rng: np.random.Generator) -> pl.DataFrame:
    months = paediatric_months(plan)
    g = months.grid
    failing = g.unit == plan.paediatric.code.index(plan.problem("ward_decline").unit_code)
    nurses = _fill(rng, g, months.levels["registered_nurse_fill_rate"], 0.015)
    nurses = np.where(failing, months.levels["registered_nurse_fill_rate"], nurses)
    chppd = CHPPD["paediatric_ward"]
    fills = {
        "registered_nurse": (chppd["registered_nurse"], nurses),
        "care_assistant": (chppd["care_assistant"], _fill(rng, g, 1.02, 0.03)),
    }
    return _rows(rng, plan.paediatric.code, g, months.bed_days, fills)


def _maternity(plan: Plan, rng: np.random.Generator) -> pl.DataFrame:
    g = grid(plan, len(plan.sites.code))
    births = plan.sites.births[g.unit] * (1 - ANNUAL_DECLINE) ** (g.year - plan.start.year)
    noise = np.exp(rng.normal(0.0, 0.04, g.unit.size))
    patient_days = np.round(births * _BIRTH_STAY_DAYS / 12 * g.length / 30.4 * noise)
    chppd = CHPPD["maternity"]
    fills = {
        "midwife": (chppd["midwife"], _fill(rng, g, 0.95, 0.03)),
        "care_assistant": (chppd["care_assistant"], _fill(rng, g, 1.0, 0.03)),
    }
    return _rows(rng, plan.sites.unit, g, patient_days, fills)


def _adult(plan: Plan, rng: np.random.Generator) -> pl.DataFrame:
    g = grid(plan, len(plan.adult.code))
    noise = np.exp(rng.normal(0.0, 0.03, g.unit.size)) * (1 + 0.08 * g.winter)
    patient_days = np.round(
        plan.adult.size[g.unit] * _WARD_STAY_DAYS / 12 * g.length / 30.4 * noise
    )
    chppd = CHPPD["adult_ward"]
    fills = {
        "registered_nurse": (chppd["registered_nurse"], _fill(rng, g, 0.95, 0.03)),
        "care_assistant": (chppd["care_assistant"], _fill(rng, g, 1.05, 0.04)),
    }
    return _rows(rng, plan.adult.code, g, patient_days, fills)


def staffing_table(plan: Plan) -> pl.DataFrame:
    """Planned and actual hours of maternity units, paediatric wards and adult wards."""
    frames = [
        _maternity(plan, stream(plan.seed, "staffing", "maternity")),
        _paediatric(plan, stream(plan.seed, "staffing", "paediatric")),
        _adult(plan, stream(plan.seed, "staffing", "adult")),
    ]
    frame = pl.concat(frames).select(STAFFING.names)
    return frame.sort("unit_code", "month", "shift", "staff_group")
