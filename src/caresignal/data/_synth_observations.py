"""Synthetic data, part 18: stays, bedside observations and responses on children's and adult wards.

**Stays** (``encounters``). Children arrive on each paediatric ward at the rate its bed days
(the ``counts`` and ``staffing`` tables' patient days) and a mean stay of
:data:`CHILD_STAY_DAYS` imply; adult stays are the ``admissions`` table's own stays on the
adult wards (same ward, dates, age band, sex and death). Bedside observations are many rows, so
only a share of the stays is kept, in a window of months around the failing ward's decline
(:func:`bounds`); at ``small`` scale the window is every month.

**Observations.** Most patients stay well; some deteriorate over hours (and recover on
their own, or once treated), some have sepsis (which lasts until antibiotics), and adults who die
deteriorate before death. Each set's early warning score sets when the next is taken
(:mod:`caresignal.data._synth_vitals`), later on a short-staffed ward; the simulation, set by
set, is :mod:`caresignal.data._synth_bedside`.

**Responses.** A set that triggers (NEWS2 5 or more or a single 3, the paediatric score 8 or
more, or a carer's "worse") is answered (reviews; for sepsis a screen, antibiotics and a senior
review) or missed, with delays and a chance of missing that grow as the ward's registered-nurse
fill rate falls; a missed trigger may be caught at a later set. On the failing paediatric ward
the fill rate falls from 98 % to 80 % (``ward_decline``), so its responses slow, more triggers are
missed and more carers' "worse" go unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data import _synth_vitals as model
from caresignal.data._synth_admissions import admissions_year
from caresignal.data._synth_bedside import ILLNESS, Stays, simulate
from caresignal.data._synth_bedside_frames import datetimes, encounter_ids
from caresignal.data._synth_plan import Plan
from caresignal.data._synth_scales import add_months, epoch_days, month_starts, stream
from caresignal.data._synth_staffing import staffing_table
from caresignal.data._synth_wards import paediatric_months
from caresignal.data.schema import ENCOUNTERS, OBSERVATIONS, RESPONSES

__all__ = [
    "BEDSIDE_SHARES",
    "CHILD_STAY_DAYS",
    "bedside_truth",
    "bounds",
    "encounters_table",
    "observations_table",
    "responses_table",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Mean stay of a child on a paediatric ward, in days.
CHILD_STAY_DAYS = 1.6
#: Share of the stays kept with their observations, by scale: (paediatric wards, adult wards).
BEDSIDE_SHARES = {
    "small": (0.35, 0.05),
    "medium": (0.05, 0.01),
    "national": (0.2, 0.01),
    "huge": (0.2, 0.002),
}
_MONTHS_AROUND = 12  # months kept before the failing ward's decline starts and after it ends
_DAY = 1440
# Age bands of the admissions table, in years (first, last).
_ADULT_AGES = {"16-44": (16, 44), "45-64": (45, 64), "65-74": (65, 74), "75-84": (75, 84)}
_CHILD_AGES = ((0, 12, 0.30), (12, 60, 0.35), (60, 156, 0.22), (156, 192, 0.13))


@dataclass(frozen=True, slots=True, eq=False)
class WardCare:
    """The three ward-care tables of one plan."""

    encounters: pl.DataFrame
    observations: pl.DataFrame
    responses: pl.DataFrame


def bounds(plan: Plan) -> tuple[date, date]:
    """First and last day whose admissions have bedside observations."""
    t = plan.spec.timeline
    first = add_months(plan.start, max(0, t.ward_start - _MONTHS_AROUND))
    after = add_months(plan.start, t.ward_start + t.ward_months + _MONTHS_AROUND)
    last = min(plan.end, date.fromordinal(after.toordinal() - 1))
    return first, last


def bedside_truth(plan: Plan) -> dict[str, Any]:
    """How the ward-care tables were made, for ``truth.json`` (see docs/synthetic-data.md)."""
    first, last = bounds(plan)
    paediatric, adult = BEDSIDE_SHARES[plan.spec.name]
    return {
        "tables": ["encounters", "observations", "responses"],
        "admissions_from": first.isoformat(),
        "admissions_to": last.isoformat(),
        "share_of_stays": {"paediatric_ward": paediatric, "adult_ward": adult},
        "child_stay_days": CHILD_STAY_DAYS,
        "illness": ILLNESS,
        "observation_interval_minutes": {
            "adult_ward": model.ADULT_INTERVALS,
            "paediatric_ward": model.CHILD_INTERVALS,
        },
        "paediatric_score": "the default paediatric table of caresignal.stats.ews, with the "
        "work of breathing (not recorded) taken as 'none'",
        "responses": {
            "median_minutes_at_full_fill": model.RESPONSE_MEDIANS,
            "full_fill": model.FULL_FILL,
            "delay_per_fill": model.DELAY_PER_FILL,
            "delay_log_sd": model.DELAY_SD,
            "missed_at_full_fill": model.MISSED_AT_FULL_FILL,
            "missed_per_fill": model.MISSED_PER_FILL,
            "carer_missed_at_full_fill": model.CARER_MISSED_AT_FULL_FILL,
            "carer_missed_per_fill": model.CARER_MISSED_PER_FILL,
        },
    }


def _fill_rates(plan: Plan, units: tuple[str, ...]) -> FloatArray:
    """Registered-nurse fill rate of each unit (rows) in each month of the data (columns)."""
    months = month_starts(plan.start, plan.end)
    rates = (
        staffing_table(plan)
        .filter(pl.col("staff_group") == "registered_nurse", pl.col("unit_code").is_in(units))
        .group_by("unit_code", "month")
        .agg(fill=pl.col("actual_hours").sum() / pl.col("planned_hours").sum())
    )
    grid = np.full((len(units), len(months)), 0.95)
    row = rates.get_column("unit_code").replace_strict(units, range(len(units))).to_numpy()
    col = epoch_days(months).searchsorted(rates.get_column("month").cast(pl.Int32).to_numpy())
    grid[row, col] = rates.get_column("fill").to_numpy()
    return grid


def _children(plan: Plan, rng: np.random.Generator, share: float) -> Stays:
    months = paediatric_months(plan)
    g = months.grid
    first, last = (int(epoch_days(day)[0]) for day in bounds(plan))
    lengths = g.length.astype(np.int64)
    inside = (g.day >= first) & (g.day <= last)
    count = rng.poisson(np.where(inside, months.bed_days / CHILD_STAY_DAYS * share, 0.0))
    cell = np.repeat(np.arange(g.unit.size), count)
    admitted = g.day[cell] * _DAY + rng.integers(0, lengths[cell] * _DAY)
    stay = rng.lognormal(np.log(CHILD_STAY_DAYS * _DAY / np.exp(0.32)), 0.8, cell.size)
    band = rng.choice(len(_CHILD_AGES), cell.size, p=[b[2] for b in _CHILD_AGES])
    low, high = (np.array([b[k] for b in _CHILD_AGES])[band] for k in (0, 1))
    sex = np.where(rng.random(cell.size) < 0.53, "male", "female")
    return Stays(
        unit=g.unit[cell],
        admitted=admitted,
        discharged=admitted + np.maximum(np.round(stay), 60).astype(np.int64),
        age_months=rng.integers(low, high),
        sex=sex,
        child=np.ones(cell.size, dtype=np.bool_),
        died=np.zeros(cell.size, dtype=np.bool_),
    )


def _adults(plan: Plan, rng: np.random.Generator, share: float, offset: int) -> Stays:
    first, last = bounds(plan)
    frames = [admissions_year(plan, year) for year in range(first.year, last.year + 1)]
    stays = pl.concat(frames).filter(pl.col("admission_date").is_between(first, last))
    stays = stays.filter(pl.Series(rng.random(stays.height) < share))
    n = stays.height
    day_in = stays.get_column("admission_date").cast(pl.Int32).to_numpy().astype(np.int64)
    day_out = stays.get_column("discharge_date").cast(pl.Int32).to_numpy().astype(np.int64)
    admitted = day_in * _DAY + rng.integers(0, int(0.7 * _DAY), n)
    discharged = np.maximum(day_out * _DAY + rng.integers(0, _DAY, n), admitted + 60)
    end = (int(epoch_days(plan.end)[0]) + 1) * _DAY - 1
    ages = stays.get_column("age_band").to_numpy()
    low = np.array([_ADULT_AGES.get(a, (85, 99))[0] for a in ages], dtype=np.int64)
    high = np.array([_ADULT_AGES.get(a, (85, 99))[1] for a in ages], dtype=np.int64)
    codes = plan.adult.code
    return Stays(
        unit=offset
        + stays.get_column("unit_code").replace_strict(codes, range(len(codes))).to_numpy(),
        admitted=admitted,
        discharged=np.minimum(discharged, end),
        age_months=rng.integers(low * 12, (high + 1) * 12),
        sex=stays.get_column("sex").to_numpy().astype(np.str_),
        child=np.zeros(n, dtype=np.bool_),
        died=stays.get_column("died").to_numpy(),
    )


@lru_cache(maxsize=1)
def ward_care(plan: Plan) -> WardCare:
    """The stays, observations and responses of a plan, kept until :func:`responses_table`."""
    shares = BEDSIDE_SHARES[plan.spec.name]
    units = plan.paediatric.code + plan.adult.code
    rng = stream(plan.seed, "wardcare", "stays")
    children = _children(plan, rng, shares[0])
    end = (int(epoch_days(plan.end)[0]) + 1) * _DAY - 1
    children = children.keep(children.discharged <= end)
    stays = children.join(_adults(plan, rng, shares[1], len(plan.paediatric.code)))
    stays = stays.keep(np.argsort(stays.admitted, kind="stable"))
    pregnant = _pregnancies(plan, stays)
    observations, responses = simulate(plan, stays, units, _fill_rates(plan, units), pregnant)
    return WardCare(
        encounters=_encounters(plan, stays, units, pregnant),
        observations=observations.select(OBSERVATIONS.names),
        responses=responses.select(RESPONSES.names),
    )


#: The share of women aged 16 to 49 on the adult wards who are pregnant (the generator's own
#: choice: pregnant women are mostly cared for on maternity units, which have no bedside tables).
PREGNANT_SHARE = 0.02


def _pregnancies(plan: Plan, stays: Stays) -> NDArray[np.bool_]:
    """Which stays are of a pregnant woman, from a stream of their own (so that no other draw
    changes); children's stays are never flagged."""
    draw = stream(plan.seed, "wardcare", "pregnancy").random(stays.unit.size)
    years = stays.age_months // 12
    could = ~stays.child & (stays.sex == "female") & (years >= 16) & (years <= 49)
    flagged: NDArray[np.bool_] = could & (draw < PREGNANT_SHARE)
    return flagged


def _encounters(
    plan: Plan, stays: Stays, units: tuple[str, ...], pregnant: NDArray[np.bool_]
) -> pl.DataFrame:
    n = stays.unit.size
    key = int(stream(plan.seed, "wardcare", "patients").integers(0, 2**32))
    number = np.arange(n, dtype=np.uint64)
    pseudonym = ((number * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)) ^ np.uint64(key)
    frame = pl.DataFrame(
        {
            "encounter_id": encounter_ids(np.arange(n)),
            "patient_id": pl.Series(np.char.mod("P%08x", pseudonym), dtype=pl.String),
            "unit_code": pl.Series(units, dtype=pl.String).gather(stays.unit),
            "admission_datetime": datetimes(stays.admitted),
            "discharge_datetime": datetimes(stays.discharged),
            "age_months": pl.Series(stays.age_months, dtype=pl.Int64),
            "sex": pl.Series(stays.sex, dtype=pl.String),
            # Recorded for adults; not asked of children.
            "pregnant": pl.Series(pregnant).zip_with(
                pl.Series(~stays.child), pl.repeat(None, n, eager=True, dtype=pl.Boolean)
            ),
        }
    )
    return frame.select(ENCOUNTERS.names)


def encounters_table(plan: Plan) -> pl.DataFrame:
    """Stays on paediatric and adult wards with bedside observations (see :func:`bounds`)."""
    return ward_care(plan).encounters


def observations_table(plan: Plan) -> pl.DataFrame:
    """Every set of bedside observations of the stays of :func:`encounters_table`."""
    return ward_care(plan).observations


def responses_table(plan: Plan) -> pl.DataFrame:
    """Reviews, sepsis screens and first antibiotics for the stays of :func:`encounters_table`.

    The last of the three tables in the schemas' order: the three are no longer kept after it.
    """
    responses = ward_care(plan).responses
    ward_care.cache_clear()
    return responses
