"""Synthetic data, part 1: the scales, the calendar and the random streams.

Every random draw comes from a stream named after what it draws (``stream(seed, "births", 2019)``),
so that one table's draws never depend on another's: adding a table, or a year, leaves every other
stream as it was.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "END_DATE",
    "SCALES",
    "Scale",
    "ScaleSpec",
    "Timeline",
    "add_months",
    "epoch_days",
    "month_starts",
    "stream",
]

Scale = Literal["small", "medium", "national", "huge"]

#: The last day of every synthetic dataset (fixed, so the output is the same on every day).
END_DATE = date(2025, 12, 31)

IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Timeline:
    """When the injected problems start and how long their changes take, in months.

    Each ``*_start`` counts months from the first month of the data (0 is January of the first
    year); each ``*_months`` is how long the change takes to reach its full size.
    """

    decline_start: int
    decline_months: int
    failure_start: int
    recovery_start: int
    recovery_months: int
    ward_start: int
    ward_months: int


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    """What one scale generates.

    Attributes
    ----------
    name : str
        The scale's name.
    years : int
        Calendar years of data, ending on :data:`END_DATE`.
    trusts_by_sites : tuple of int
        How many trusts have one, two and three maternity sites.
    site_births : tuple of int or None
        Births a year at each site in order (small scales, so that every problem is found), or
        None to draw realistic sizes adding up to about ``annual_births``.
    annual_births : int
        Births a year in the whole dataset, in its first year.
    paediatric_share, emergency_share : float
        Share of trusts with a paediatric ward, and with an emergency department.
    adult_wards : int
        Adult wards per trust (their stays make the ``admissions`` table).
    ward_stays : int
        Stays a year on each adult ward.
    timeline : Timeline
        When the injected problems happen.
    """

    name: str
    years: int
    trusts_by_sites: tuple[int, int, int]
    site_births: tuple[int, ...] | None
    annual_births: int
    paediatric_share: float
    emergency_share: float
    adult_wards: int
    ward_stays: int
    timeline: Timeline

    @property
    def start(self) -> date:
        """The first day of the data."""
        return date(END_DATE.year - self.years + 1, 1, 1)


_SHORT = Timeline(
    decline_start=3,
    decline_months=12,
    failure_start=24,
    recovery_start=12,
    recovery_months=6,
    ward_start=12,
    ward_months=12,
)
_LONG = Timeline(
    decline_start=36,
    decline_months=36,
    failure_start=87,
    recovery_start=54,
    recovery_months=12,
    ward_start=72,
    ward_months=12,
)

SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec(
        name="small",
        years=3,
        trusts_by_sites=(0, 3, 0),
        site_births=(6_000, 4_000, 6_000, 7_000, 6_000, 4_000),
        annual_births=33_000,
        paediatric_share=1.0,
        emergency_share=0.67,
        adult_wards=1,
        ward_stays=2_500,
        timeline=_SHORT,
    ),
    "medium": ScaleSpec(
        name="medium",
        years=3,
        trusts_by_sites=(25, 15, 3),
        site_births=None,
        annual_births=200_000,
        paediatric_share=0.7,
        emergency_share=0.75,
        adult_wards=1,
        ward_stays=2_500,
        timeline=_SHORT,
    ),
    "national": ScaleSpec(
        name="national",
        years=10,
        trusts_by_sites=(75, 50, 5),
        site_births=None,
        annual_births=640_000,
        paediatric_share=0.65,
        emergency_share=0.75,
        adult_wards=1,
        ward_stays=2_500,
        timeline=_LONG,
    ),
    "huge": ScaleSpec(
        name="huge",
        years=10,
        trusts_by_sites=(75, 50, 5),
        site_births=None,
        annual_births=640_000,
        paediatric_share=1.0,
        emergency_share=1.0,
        adult_wards=6,
        ward_stays=2_500,
        timeline=_LONG,
    ),
}


def stream(seed: int, *names: str | int) -> np.random.Generator:
    """An independent random generator for ``seed`` and a path of names.

    >>> a = stream(1, "births", 2020).random()
    >>> a == stream(1, "births", 2020).random(), a == stream(1, "births", 2021).random()
    (True, False)
    """
    keys = [zlib.crc32(name.encode()) if isinstance(name, str) else name for name in names]
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_starts(start: date, end: date) -> list[date]:
    """The first day of every month from the month of ``start`` to the month of ``end``."""
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return [add_months(start, k) for k in range(count)]


def epoch_days(days: date | list[date]) -> IntArray:
    """Days since 1970-01-01 of one date or a list of dates, as an int64 array."""
    values = [days] if isinstance(days, date) else days
    return np.array(values, dtype="datetime64[D]").astype(np.int64)
