"""Synthetic data, part 10: the ``births`` table, one calendar year at a time.

Order of the draws in a year: the pregnancies of each site (Poisson around its size, with a gentle
national decline and a late-summer peak), their case mix, their babies; then stillbirth (baby),
onset of labour and mode of birth (pregnancy, given any stillbirth), haemorrhage and tear
(pregnancy), birthweight, HIE, neonatal death and Apgar (baby). Each year has its own stream.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data._synth_casemix import draw_labour, draw_mothers
from caresignal.data._synth_coefficients import BIRTH_MODELS, INTRAPARTUM_SHARE
from caresignal.data._synth_model import BIRTH_MODES, ETHNIC_GROUPS, LABOUR_ONSETS
from caresignal.data._synth_model import STILLBIRTH_TIMING as TIMING
from caresignal.data._synth_outcomes import odds_ratios, risk
from caresignal.data._synth_plan import Plan
from caresignal.data._synth_scales import epoch_days, stream
from caresignal.data.schema import BIRTHS

__all__ = ["ANNUAL_DECLINE", "births_table", "births_year"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Births fall by this share each year (England: about 665,000 in 2016, 590,000 in 2023).
ANNUAL_DECLINE = 0.015
_SEASON = 0.04  # amplitude of the late-summer peak in births
_PEAK_DAY = 258  # mid-September, counting 1 January as 0
_WEIGHT_WEEKS = (22, 24, 26, 28, 30, 32, 34, 36, 37, 38, 39, 40, 41, 42, 44)
_WEIGHT_GRAMS = (
    480,
    650,
    850,
    1100,
    1450,
    1850,
    2300,
    2750,
    2950,
    3150,
    3350,
    3480,
    3580,
    3650,
    3700,
)
_MINUTE = 60_000_000  # microseconds


def _days(rng: np.random.Generator, first: int, last: int, n: int) -> IntArray:
    days = np.arange(first, last + 1)
    dates = days.astype("datetime64[D]")
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    weight = 1.0 + _SEASON * np.cos(2 * np.pi * (day_of_year - _PEAK_DAY) / 365.25)
    return np.asarray(rng.choice(days, size=n, p=weight / weight.sum()), dtype=np.int64)


def _offset(plan: Plan, outcome: str, site: IntArray, days: IntArray) -> FloatArray:
    positions = {code: k for k, code in enumerate(plan.sites.code)}
    ratio = odds_ratios(outcome, plan.problems, site, positions, days)
    return np.asarray(plan.sites.effects[outcome][site] + np.log(ratio), dtype=np.float64)


def _draw(rng: np.random.Generator, plan: Plan, outcome: str, c: dict[str, Any]) -> NDArray[Any]:
    probability = risk(BIRTH_MODELS[outcome], c, _offset(plan, outcome, c["site"], c["day"]))
    return rng.random(probability.size) < probability


def _birthweight(rng: np.random.Generator, c: dict[str, Any]) -> IntArray:
    weeks = c["gestation_weeks"] + c["gestation_days"] / 7.0
    median = np.interp(weeks, _WEIGHT_WEEKS, _WEIGHT_GRAMS)
    median *= np.where((c["plurality"] > 1) & (weeks >= 30), 0.88, 1.0)
    sd = np.where(weeks < 37, 0.18, 0.14)
    grams = np.round(median * np.exp(rng.normal(0.0, sd)))
    return np.asarray(np.clip(grams, 200, 7000), dtype=np.int64)


def _babies(mothers: dict[str, Any]) -> tuple[IntArray, IntArray, dict[str, Any]]:
    """Each baby's pregnancy, its order in the pregnancy, and the pregnancy's columns per baby."""
    plurality = mothers["plurality"]
    mother = np.repeat(np.arange(plurality.size), plurality)
    first = np.cumsum(plurality) - plurality
    order = np.arange(mother.size) - first[mother]
    return mother, order, {name: value[mother] for name, value in mothers.items()}


def _stillbirths(rng: np.random.Generator, plan: Plan, babies: dict[str, Any]) -> IntArray:
    dead = _draw(rng, plan, "stillbirth", babies)
    during = dead & (rng.random(dead.size) < INTRAPARTUM_SHARE)
    timing = np.where(during, TIMING.index("intrapartum"), TIMING.index("antepartum"))
    return np.where(dead, timing, TIMING.index("no")).astype(np.int64)


def _any(mother: IntArray, flags: NDArray[np.bool_], count: int) -> NDArray[np.bool_]:
    return np.bincount(mother, weights=flags, minlength=count) > 0


def _times(
    rng: np.random.Generator, mothers: dict[str, Any], order: IntArray, mother: IntArray
) -> IntArray:
    """Birth date-times in microseconds: planned caesareans in the morning, babies minutes apart."""
    n = mothers["day"].size
    planned = mothers["birth_mode"] == BIRTH_MODES.index("planned_caesarean")
    minute = np.where(planned, 510 + rng.integers(0, 300, n), rng.integers(0, 1440 - 61, n))
    gap = rng.integers(5, 31, n)
    minutes = mothers["day"][mother] * 1440 + minute[mother] + order * gap[mother]
    return np.asarray(minutes * _MINUTE, dtype=np.int64)


def _neonatal_dates(rng: np.random.Generator, c: dict[str, Any], last: int) -> FloatArray:
    age = np.minimum(np.floor(rng.exponential(4.0, c["day"].size)), 27)
    return np.where(c["neonatal_death"], np.minimum(c["day"] + age, last), np.nan)


def _labels(values: tuple[str, ...], codes: IntArray) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(codes)


def _frame(plan: Plan, c: dict[str, Any]) -> pl.DataFrame:
    whole = ("gestation_weeks", "gestation_days", "birthweight_g", "plurality", "mother_age")
    flags = ("hie_grade_2_3", "haemorrhage_1500ml", "tear_3rd_4th", "apgar5_below_7")
    columns: dict[str, pl.Series] = {
        "site_code": _labels(plan.sites.code, c["site"]),
        "birth_datetime": pl.Series(c["birth_datetime"]).cast(pl.Datetime("us")),
        **{name: pl.Series(c[name], dtype=pl.Int64) for name in (*whole, "parity")},
        "imd_decile": pl.Series(c["imd_decile"], nan_to_null=True).cast(pl.Int64),
        "ethnic_group": _labels(ETHNIC_GROUPS, c["ethnic_group"]),
        "previous_caesarean": pl.Series(c["previous_caesarean"], dtype=pl.Boolean),
        "labour_onset": _labels(LABOUR_ONSETS, c["labour_onset"]),
        "birth_mode": _labels(BIRTH_MODES, c["birth_mode"]),
        "stillbirth": _labels(TIMING, c["stillbirth"]),
        "neonatal_death": pl.Series(c["neonatal_death"], dtype=pl.Boolean),
        "neonatal_death_date": pl.Series(c["neonatal_death_date"], nan_to_null=True)
        .cast(pl.Int32)
        .cast(pl.Date),
        **{name: pl.Series(c[name], dtype=pl.Boolean) for name in flags},
    }
    return pl.DataFrame(columns).sort("birth_datetime", "site_code", maintain_order=True)


def births_year(plan: Plan, year: int) -> pl.DataFrame:
    """The births of one calendar year (every column but ``record_id``), in order of birth."""
    rng = stream(plan.seed, "births", year)
    first = int(epoch_days(max(date(year, 1, 1), plan.start))[0])
    last = int(epoch_days(min(date(year, 12, 31), plan.end))[0])
    sites = plan.sites
    size = sites.births * (1 - ANNUAL_DECLINE) ** (year - plan.start.year)
    site = np.repeat(np.arange(len(sites.code)), rng.poisson(size * (last - first + 1) / 365.25))
    mothers = draw_mothers(
        rng, site, sites.age_mean, sites.deprivation_tilt, sites.ethnic_shares, sites.preterm_odds
    )
    mothers.update(site=site, day=_days(rng, first, last, site.size))
    mother, order, babies = _babies(mothers)
    babies["stillbirth"] = _stillbirths(rng, plan, babies)
    ante = _any(mother, babies["stillbirth"] == TIMING.index("antepartum"), site.size)
    intra = _any(mother, babies["stillbirth"] == TIMING.index("intrapartum"), site.size)
    mothers["labour_onset"], mothers["birth_mode"] = draw_labour(rng, mothers, ante, intra)
    for outcome in ("haemorrhage_1500ml", "tear_3rd_4th"):
        mothers[outcome] = _draw(rng, plan, outcome, mothers)
    for name in ("labour_onset", "birth_mode", "haemorrhage_1500ml", "tear_3rd_4th"):
        babies[name] = mothers[name][mother]
    babies["birthweight_g"] = _birthweight(rng, babies)
    for outcome in ("hie_grade_2_3", "neonatal_death", "apgar5_below_7"):
        babies[outcome] = _draw(rng, plan, outcome, babies)
    babies["neonatal_death_date"] = _neonatal_dates(rng, babies, last)
    babies["birth_datetime"] = _times(rng, mothers, order, mother)
    return _frame(plan, babies)


def births_table(plan: Plan) -> pl.DataFrame:
    """Every birth of the plan, numbered ``B00000000`` onwards in order of birth."""
    years = range(plan.start.year, plan.end.year + 1)
    frame = pl.concat([births_year(plan, year) for year in years])
    number = pl.int_range(pl.len(), dtype=pl.Int64).cast(pl.String).str.zfill(8)
    return frame.with_columns(record_id=pl.format("B{}", number)).select(BIRTHS.names)
