"""Synthetic data, part 12: monthly series of paediatric wards and emergency departments.

Every paediatric ward has a month-by-month series of bed days, sepsis screens, antibiotics, a
cleanliness audit and complaints; the failing ward's levels follow the changes of the
``ward_decline`` problem, the others stay at their own level with noise. :func:`paediatric_months`
is drawn from its own stream so that ``counts``, ``staffing`` and ``concerns`` all see the same
months (the ``complaints`` count is exactly the number of ``concerns`` rows with channel
``complaint``).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data._synth_model import expit
from caresignal.data._synth_plan import Plan, Wards
from caresignal.data._synth_problems import WARD_CHANGES
from caresignal.data._synth_scales import epoch_days, month_starts, stream
from caresignal.data.schema import COUNTS

__all__ = ["INDICATORS", "Grid", "WardMonths", "counts_table", "grid", "paediatric_months"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The indicators of the ``counts`` table: what the numerator and denominator count.
INDICATORS: dict[str, dict[str, str]] = {
    "sepsis_screen_1h": {
        "unit_type": "paediatric_ward",
        "kind": "proportion",
        "numerator": "children with a sepsis trigger screened within 1 hour of the trigger",
        "denominator": "children with a sepsis trigger",
        "better": "higher",
    },
    "antibiotics_1h": {
        "unit_type": "paediatric_ward",
        "kind": "proportion",
        "numerator": "children with suspected sepsis and a high-risk criterion given IV "
        "antibiotics within 1 hour",
        "denominator": "children with suspected sepsis and a high-risk criterion",
        "better": "higher",
    },
    "cleanliness_score": {
        "unit_type": "paediatric_ward",
        "kind": "proportion",
        "numerator": "items met in the month's cleanliness audit",
        "denominator": "items checked in the month's cleanliness audit",
        "better": "higher",
    },
    "complaints": {
        "unit_type": "paediatric_ward",
        "kind": "rate",
        "numerator": "complaints received (the concerns rows with channel 'complaint')",
        "denominator": "occupied bed days (patient days)",
        "better": "lower",
    },
    "ed_4h": {
        "unit_type": "emergency_department",
        "kind": "proportion",
        "numerator": "attendances admitted, transferred or discharged within 4 hours of arrival",
        "denominator": "attendances",
        "better": "higher",
    },
    "registered_nurse_fill_rate": {
        "unit_type": "any ward in staffing",
        "kind": "ratio (from the staffing table, not a counts row)",
        "numerator": "actual registered-nurse hours",
        "denominator": "planned registered-nurse hours",
        "better": "higher",
    },
}
_TRIGGERS_PER_BED_DAY = 0.09
_HIGH_RISK_SHARE = 0.3
_AUDIT_ITEMS = 50
_COMPLAINTS_PER_1000_BED_DAYS = 2.0


@dataclass(frozen=True, slots=True, eq=False)
class Grid:
    """Every (unit, month) cell of a set of units, flattened unit by unit.

    Each array has one value per cell: the unit's position, the month's position, its first day
    (days since 1970-01-01), its length in days, its calendar month and its year.
    """

    unit: IntArray
    month: IntArray
    day: IntArray
    length: FloatArray
    calendar_month: IntArray
    year: IntArray

    @property
    def winter(self) -> FloatArray:
        """1 in January, −1 in July, following a cosine."""
        return np.asarray(np.cos(2 * np.pi * (self.calendar_month - 1) / 12), dtype=np.float64)


def grid(plan: Plan, units: int) -> Grid:
    """The (unit, month) grid of ``units`` units over the plan's months."""
    months = month_starts(plan.start, plan.end)
    month = np.tile(np.arange(len(months)), units)
    lengths = np.array([monthrange(m.year, m.month)[1] for m in months], dtype=np.float64)
    return Grid(
        unit=np.repeat(np.arange(units), len(months)),
        month=month,
        day=epoch_days(months)[month],
        length=lengths[month],
        calendar_month=np.array([m.month for m in months])[month],
        year=np.array([m.year for m in months])[month],
    )


def _logit(p: float | FloatArray) -> FloatArray:
    return np.asarray(np.log(p) - np.log1p(-np.asarray(p)), dtype=np.float64)


def _levels(plan: Plan, g: Grid) -> dict[str, FloatArray]:
    """Each ward's level of each ward indicator in each month, before monthly noise."""
    wards = plan.paediatric
    problem = plan.problem("ward_decline")
    failing = g.unit == wards.code.index(problem.unit_code)
    levels: dict[str, FloatArray] = {}
    for name, (before, _, scale) in WARD_CHANGES.items():
        usual = np.full(g.unit.size, before)
        if scale == "proportion" and name != "concerns_listening_share":
            weight = 0.5 if name == "cleanliness_score" else 1.0
            usual = expit(_logit(before) + weight * wards.effect[g.unit])
        levels[name] = np.where(failing, problem.changes[name].at(g.day), usual)
    return levels


def _noisy(rng: np.random.Generator, p: FloatArray, sd: float) -> FloatArray:
    return expit(_logit(np.clip(p, 1e-6, 1 - 1e-6)) + rng.normal(0.0, sd, p.size))


@dataclass(frozen=True, slots=True, eq=False)
class WardMonths:
    """The paediatric wards' months: bed days, each indicator's counts, and the levels behind them.

    ``counts`` maps each paediatric indicator to its (numerator, denominator) per cell;
    ``levels`` maps each ward indicator (those of ``WARD_CHANGES``) to its level before noise;
    ``complaints_rate`` is each cell's expected number of complaints.
    """

    grid: Grid
    bed_days: FloatArray
    counts: dict[str, tuple[NDArray[Any], NDArray[Any]]]
    levels: dict[str, FloatArray]
    complaints_rate: FloatArray


def paediatric_months(plan: Plan) -> WardMonths:
    """Each paediatric ward's months, from the ``paediatric`` stream (the same for every table)."""
    rng = stream(plan.seed, "paediatric")
    g = grid(plan, len(plan.paediatric.code))
    levels = _levels(plan, g)
    occupancy = np.clip(0.72 + 0.1 * g.winter + rng.normal(0.0, 0.03, g.unit.size), 0.3, 1.0)
    bed_days = np.round(plan.paediatric.size[g.unit] * g.length * occupancy)
    triggers = rng.poisson(_TRIGGERS_PER_BED_DAY * bed_days)
    high_risk = rng.binomial(triggers, _HIGH_RISK_SHARE)
    rate = _COMPLAINTS_PER_1000_BED_DAYS * np.exp(-0.5 * plan.paediatric.effect[g.unit])
    complaints = rate * levels["complaints"] * bed_days / 1000
    audited = np.full(g.unit.size, _AUDIT_ITEMS)
    screened = rng.binomial(triggers, _noisy(rng, levels["sepsis_screen_1h"], 0.15))
    treated = rng.binomial(high_risk, _noisy(rng, levels["antibiotics_1h"], 0.15))
    clean = rng.binomial(audited, _noisy(rng, levels["cleanliness_score"], 0.2))
    counts = {
        "sepsis_screen_1h": (screened, triggers),
        "antibiotics_1h": (treated, high_risk),
        "cleanliness_score": (clean, audited),
        "complaints": (rng.poisson(complaints), bed_days),
    }
    return WardMonths(g, bed_days, counts, levels, complaints)


def _rows(units: Wards, g: Grid, indicator: str, numerator: Any, denominator: Any) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit_code": pl.Series(units.code, dtype=pl.String).gather(g.unit),
            "period_start": pl.Series(g.day).cast(pl.Int32).cast(pl.Date),
            "period_type": pl.repeat("month", g.unit.size, eager=True, dtype=pl.String),
            "indicator": pl.repeat(indicator, g.unit.size, eager=True, dtype=pl.String),
            "numerator": pl.Series(numerator, dtype=pl.Float64),
            "denominator": pl.Series(denominator, dtype=pl.Float64),
            "expected": pl.repeat(None, g.unit.size, eager=True, dtype=pl.Float64),
        }
    )


def _emergency(plan: Plan) -> pl.DataFrame:
    rng = stream(plan.seed, "emergency")
    ed = plan.emergency
    g = grid(plan, len(ed.code))
    growth = 1.01 ** (g.year - 2016)
    expected = ed.size[g.unit] * (1 + 0.05 * g.winter) * growth * g.length / 30.4
    attendances = rng.poisson(expected)
    logit = 2.0 - 0.115 * (g.year - 2016 + g.calendar_month / 12) - 0.25 * (g.winter > 0.4)
    p = expit(logit + ed.effect[g.unit] + rng.normal(0.0, 0.1, g.unit.size))
    return _rows(ed, g, "ed_4h", rng.binomial(attendances, p), attendances)


def counts_table(plan: Plan) -> pl.DataFrame:
    """Monthly counts: the paediatric ward indicators and emergency department 4-hour waits."""
    months = paediatric_months(plan)
    frames = [
        _rows(plan.paediatric, months.grid, name, numerator, denominator)
        for name, (numerator, denominator) in months.counts.items()
    ]
    frame = pl.concat([*frames, _emergency(plan)])
    return frame.select(COUNTS.names).sort("unit_code", "indicator", "period_start")
