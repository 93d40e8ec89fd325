"""Synthetic data, part 11: ``truth.json``, and each record's true risk recomputed from it.

The truth holds everything a reader needs to check a monitoring method against the generator: the
true models and their coefficients, the case-mix distributions, every site's and ward's random
effect and profile, and every injected problem. :func:`true_risk` recomputes any record's true
probability of an outcome from a table and the truth alone (JSON in, numbers out), with or without
the site effects and the injected problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data._synth_casemix import CASE_MIX
from caresignal.data._synth_changes import Problem
from caresignal.data._synth_coefficients import ADMISSION_MODEL, BIRTH_MODELS, INTRAPARTUM_SHARE
from caresignal.data._synth_model import (
    AGE_BANDS,
    BIRTH_MODES,
    DIAGNOSIS_GROUPS,
    ETHNIC_GROUPS,
    LABOUR_ONSETS,
    STILLBIRTH_TIMING,
    LogisticModel,
)
from caresignal.data._synth_observations import bedside_truth
from caresignal.data._synth_outcomes import odds_ratios, risk
from caresignal.data._synth_plan import Plan, Wards
from caresignal.data._synth_vitals import BEDSIDE_INDICATORS
from caresignal.data._synth_wards import INDICATORS

__all__ = ["build_truth", "true_risk"]

FloatArray = NDArray[np.float64]
_CODES = {
    "ethnic_group": ETHNIC_GROUPS,
    "labour_onset": LABOUR_ONSETS,
    "birth_mode": BIRTH_MODES,
    "stillbirth": STILLBIRTH_TIMING,
    "age_band": AGE_BANDS,
    "diagnosis_group": DIAGNOSIS_GROUPS,
    "sex": ("female", "male", "other", "not_known"),
}


def _sites(plan: Plan) -> dict[str, Any]:
    s = plan.sites
    return {
        code: {
            "trust_code": s.trust[k],
            "unit_code": s.unit[k],
            "name": s.name[k],
            "region": s.region[k],
            "comparator_group": s.level[k],
            "births_per_year": int(s.births[k]),
            "case_mix": {
                "mother_age_mean": round(float(s.age_mean[k]), 4),
                "deprivation_tilt": round(float(s.deprivation_tilt[k]), 4),
                "preterm_odds_ratio": float(s.preterm_odds[k]),
                "ethnic_shares": dict(
                    zip(ETHNIC_GROUPS, np.round(s.ethnic_shares[k], 4).tolist(), strict=True)
                ),
            },
            "effects": {name: float(values[k]) for name, values in s.effects.items()},
        }
        for k, code in enumerate(s.code)
    }


def _wards(wards: Wards, size: str) -> dict[str, Any]:
    return {
        code: {
            "site_code": wards.site[k],
            size: float(wards.size[k]),
            "effect": float(wards.effect[k]),
        }
        for k, code in enumerate(wards.code)
    }


def build_truth(plan: Plan) -> dict[str, Any]:
    """Everything the generator knows, as JSON-ready values (see docs/synthetic-data.md)."""
    return {
        "generator": {
            "scale": plan.spec.name,
            "seed": plan.seed,
            "start_date": plan.start.isoformat(),
            "end_date": plan.end.isoformat(),
            "organisations": "fictional: every code starts with Z and every place is made up",
        },
        "models": {
            "births": {name: model.to_dict() for name, model in BIRTH_MODELS.items()},
            "admissions": {"died": ADMISSION_MODEL.to_dict()},
        },
        "intrapartum_share": INTRAPARTUM_SHARE,
        "case_mix": CASE_MIX,
        "sites": _sites(plan),
        "wards": {
            "paediatric_ward": _wards(plan.paediatric, "beds"),
            "emergency_department": _wards(plan.emergency, "attendances_per_month"),
            "adult_ward": _wards(plan.adult, "stays_per_year"),
        },
        "indicators": {**INDICATORS, **BEDSIDE_INDICATORS},
        "problems": [problem.to_dict() for problem in plan.problems],
        "bedside": bedside_truth(plan),
    }


def _columns(frame: pl.DataFrame) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name in frame.columns:
        series = frame.get_column(name)
        if name in _CODES:
            series = series.replace_strict(_CODES[name], range(len(_CODES[name])))
        elif series.dtype == pl.Int64 and series.null_count():
            series = series.cast(pl.Float64).fill_null(float("nan"))
        columns[name] = series.to_numpy()
    return columns


def true_risk(
    frame: pl.DataFrame,
    truth: Mapping[str, Any],
    outcome: str,
    *,
    site_effects: bool = True,
    problems: bool = True,
) -> FloatArray:
    """Each record's true probability of ``outcome``, from the table and ``truth.json`` alone.

    ``outcome`` is a births outcome column (``stillbirth`` means any stillbirth) or ``died`` for
    admissions. ``site_effects=False`` leaves out the sites' (or wards') random effects;
    ``problems=False`` leaves out the injected problems.
    """
    table = "admissions" if outcome == "died" else "births"
    model = LogisticModel.from_dict(outcome, truth["models"][table][outcome])
    units = truth["wards"]["adult_ward"] if table == "admissions" else truth["sites"]
    key = "unit_code" if table == "admissions" else "site_code"
    positions = {code: k for k, code in enumerate(units)}
    site = frame.get_column(key).replace_strict(positions, return_dtype=pl.Int64).to_numpy()
    offset = np.zeros(frame.height)
    if site_effects:
        offset += _effects(units, outcome)[site]
    if problems and table == "births":
        days = frame.get_column("birth_datetime").dt.date().cast(pl.Int32).to_numpy()
        injected = [Problem.from_dict(problem) for problem in truth["problems"]]
        offset += np.log(odds_ratios(outcome, injected, site, positions, days.astype(np.int64)))
    return risk(model, _columns(frame), offset)


def _effects(units: Mapping[str, Any], outcome: str) -> FloatArray:
    """Each site's (or ward's) random effect on the outcome, in the order of ``units``."""
    if outcome == "died":
        return np.array([unit["effect"] for unit in units.values()], dtype=np.float64)
    return np.array([unit["effects"][outcome] for unit in units.values()], dtype=np.float64)
