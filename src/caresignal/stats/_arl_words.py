"""A chart's false-alarm rate in plain words (private; see :mod:`caresignal.stats.arl`)."""

from __future__ import annotations

import math

from caresignal.stats._checks import check_positive

DAYS_PER_YEAR = 365.25
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7.0


def describe_false_alarm_rate(arl0_cases: float, cases_per_year: float) -> str:
    """Say how often a chart is expected to raise a false alarm at a unit's volume, in words.

    Parameters
    ----------
    arl0_cases : float
        In-control average run length, in cases (> 0; ``math.inf`` for a chart that never
        signals), e.g. ``bernoulli_cusum_arl(...).arl``.
    cases_per_year : float
        The unit's number of cases (or periods) a year (> 0).

    Returns
    -------
    str
        A sentence such as ``"about one false alarm every 38 years at this unit's volume"``.
        The interval ``arl0_cases / cases_per_year`` is given in years when it is at least a year
        (whole years from 2 years, to two significant figures from 100 years), otherwise in
        months, weeks or days, or as alarms a day when more than one is expected each day.

    Notes
    -----
    The ARL₀ is a mean: the gaps between false alarms vary widely around it (roughly
    geometrically), so a false alarm sooner than the stated interval is not in itself a sign
    that anything is wrong. Summed over many units and indicators, false alarms add up: a chart
    with one false alarm every 38 years raises about three a year across 120 trusts.

    Examples
    --------
    >>> describe_false_alarm_rate(19_000, 500)
    "about one false alarm every 38 years at this unit's volume"
    >>> describe_false_alarm_rate(1_000, 3_000)
    "about one false alarm every 4 months at this unit's volume"
    >>> describe_false_alarm_rate(float("inf"), 500)
    'no false alarms: the chart never signals at this threshold'
    """
    arl0 = check_positive("arl0_cases", arl0_cases, allow_inf=True)
    volume = check_positive("cases_per_year", cases_per_year)
    if math.isinf(arl0):
        return "no false alarms: the chart never signals at this threshold"
    return f"{_interval(arl0 / volume)} at this unit's volume"


def _interval(years: float) -> str:
    if round(years, 1) >= 1.0:
        return _every(_years(years), "year")
    for count, unit in ((years * 12.0, "month"), (years * WEEKS_PER_YEAR, "week")):
        if round(count) >= 1:
            return _every(f"{round(count)}", unit)
    days = years * DAYS_PER_YEAR
    if round(days, 1) >= 1.0:
        return _every(_number(days), "day")
    per_day = 1.0 / days
    return f"about {_number(per_day)} false alarms a day"


def _years(years: float) -> str:
    if years >= 100:
        return f"{float(f'{years:.2g}'):,.0f}"
    return _number(years)


def _number(value: float) -> str:
    """Whole numbers from 2, one decimal below (1.4), no trailing ".0"."""
    return f"{round(value)}" if value >= 2 else f"{round(value, 1):g}"


def _every(count: str, unit: str) -> str:
    if count == "1":
        return f"about one false alarm every {unit}"
    return f"about one false alarm every {count} {unit}s"
