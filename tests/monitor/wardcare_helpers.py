"""Small hand-written ward care tables shared by the tests of caresignal.monitor.wardcare (no
tests of its own: pytest collects nothing here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

DAY = dt.datetime(2024, 3, 1)

#: An adult's observations that score NEWS2 0 on every parameter (RCP 2017 chart): respiration
#: 12-20, SpO2 >= 96 on scale 1, air, systolic 111-219, pulse 51-90, alert, 36.1-38.0 °C.
CALM = {
    "respiration_rate": 16,
    "spo2": 97,
    "spo2_scale": None,
    "on_oxygen": False,
    "systolic_bp": 120,
    "pulse": 70,
    "consciousness": "A",
    "temperature": 37.0,
    "weight_kg": None,
    "capillary_refill_s": None,
    "work_of_breathing": None,
    "carer_answer": None,
}
#: A child of 1-4 years whose recorded values score 0 (Parshuram et al. 2009, Table 1:
#: respiration 20-40, heart rate 91-119, systolic 91-109; SpO2 >= 95).
CALM_CHILD = {**CALM, "respiration_rate": 30, "pulse": 100, "systolic_bp": 100}


def at(hours: float) -> dt.datetime:
    """The time ``hours`` after midnight on 1 March 2024."""
    return DAY + dt.timedelta(hours=hours)


def encounters(*stays: dict[str, Any]) -> pl.DataFrame:
    """Stays: each a dict with ``id`` and optional ``unit``, ``age_months``, ``discharge``,
    ``sex``, ``pregnant``."""
    return pl.DataFrame(
        {
            "encounter_id": [s["id"] for s in stays],
            "patient_id": [f"P{s['id']}" for s in stays],
            "unit_code": [s.get("unit", "W1") for s in stays],
            "admission_datetime": [s.get("admission", DAY) for s in stays],
            "discharge_datetime": [s.get("discharge") for s in stays],
            "age_months": [s.get("age_months", 600) for s in stays],
            "sex": [s.get("sex", "female") for s in stays],
            "pregnant": [s.get("pregnant") for s in stays],
        },
        schema_overrides={"discharge_datetime": pl.Datetime("us"), "pregnant": pl.Boolean},
    )


def observations(*rows: tuple[str, dt.datetime, dict[str, Any]]) -> pl.DataFrame:
    """Sets of observations: ``(encounter_id, time, values)`` with values over :data:`CALM`."""
    records = [{"encounter_id": e, "observation_datetime": t, **CALM, **v} for e, t, v in rows]
    return pl.DataFrame(
        records,
        schema={
            "encounter_id": pl.String,
            "observation_datetime": pl.Datetime("us"),
            "respiration_rate": pl.Int64,
            "spo2": pl.Int64,
            "spo2_scale": pl.Int64,
            "on_oxygen": pl.Boolean,
            "systolic_bp": pl.Int64,
            "pulse": pl.Int64,
            "consciousness": pl.String,
            "temperature": pl.Float64,
            "weight_kg": pl.Float64,
            "capillary_refill_s": pl.Float64,
            "work_of_breathing": pl.String,
            "carer_answer": pl.String,
        },
    )


def responses(*rows: tuple[str, dt.datetime, str]) -> pl.DataFrame:
    """Responses: ``(encounter_id, time, kind)``."""
    return pl.DataFrame(
        [{"encounter_id": e, "response_datetime": t, "kind": k} for e, t, k in rows],
        schema={
            "encounter_id": pl.String,
            "response_datetime": pl.Datetime("us"),
            "kind": pl.String,
        },
    )
