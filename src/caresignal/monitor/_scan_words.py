"""Plain sentences and exact intervals for a scan's findings (private; see
:mod:`caresignal.monitor.scan`)."""

from __future__ import annotations

import datetime as dt
import functools
import math

from scipy import special

from caresignal.monitor._catalogue_types import Indicator

__all__ = [
    "count",
    "cusum_sentence",
    "funnel_sentence",
    "month",
    "ratio_interval",
    "spc_sentence",
]

#: Where the expected count came from, in words ("… where 6.2 were expected …").
EXPECTED_FROM = {
    "risk_model": "for these patients' risks",
    "reference": "at the reference rate",
    "provided": "as the data expected",
}


def ratio_interval(
    observed: float, expected: float, level: float = 0.95
) -> tuple[float | None, float | None]:
    """The exact (Garwood) interval of O/E, treating O as Poisson and E as known.

    ``low = χ²(α/2; 2O)/2 ÷ E`` and ``high = χ²(1 − α/2; 2O + 2)/2 ÷ E`` (low is 0 when O = 0);
    both None when E is not positive.

    Examples
    --------
    >>> low, high = ratio_interval(14, 1.0)
    >>> round(low, 4), round(high, 4)
    (7.6539, 23.4896)
    """
    if not expected > 0.0:
        return None, None
    low, high = _poisson_limits(observed, level)
    return low / expected, high / expected


@functools.lru_cache(maxsize=4096)
def _poisson_limits(observed: float, level: float) -> tuple[float, float]:
    """The Garwood limits of a Poisson mean for ``observed`` events (kept: findings of a scan
    share their counts, and each quantile costs a root search)."""
    # χ²(q; 2k)/2 is the gamma quantile of shape k, which scipy.stats.chi2.ppf itself computes
    # (as 2·gammaincinv(df/2, q)); calling it directly gives the same numbers without the
    # distribution's argument handling, which costs a hundred times more.
    alpha = 1.0 - level
    low = 0.0 if observed <= 0 else float(special.gammaincinv(observed, alpha / 2))
    high = float(special.gammaincinv(observed + 1, 1 - alpha / 2))
    return low, high


def month(day: dt.date) -> str:
    """``"March 2021"``."""
    return day.strftime("%B %Y")


def count(value: float) -> str:
    """A count as people read it: whole numbers whole, others to one decimal place."""
    if math.isclose(value, round(value), abs_tol=1e-9):
        return f"{round(value):,}"
    return f"{value:,.1f}"


def _events(indicator: Indicator, value: float) -> str:
    noun = indicator.event if math.isclose(value, 1.0) else indicator.events
    return f"{count(value)} {noun}"


def _interval(ratio: float | None, low: float | None, high: float | None) -> str:
    if ratio is None or low is None or high is None:
        return ""
    return f" (observed ÷ expected {ratio:.2f}, 95 % interval {low:.2f} to {high:.2f})"


def cusum_sentence(
    indicator: Indicator,
    *,
    began: dt.date,
    observed: float,
    expected: float,
    expected_from: str,
    direction: str,
    years_between: float,
    ratio: tuple[float | None, float | None, float | None],
) -> str:
    """E.g. "Since March 2021, 14 deaths where 6.2 were expected for these patients' risks
    (…). A rise this large happens by chance about once every 50 years at a unit of this size."
    """
    change = "rise" if direction == "concern" else "fall"
    if indicator.worse == "lower":
        change = "fall" if direction == "concern" else "rise"
    return (
        f"Since {month(began)}, {_events(indicator, observed)} where {count(expected)} "
        f"{'was' if math.isclose(expected, 1.0) else 'were'} expected "
        f"{EXPECTED_FROM[expected_from]}{_interval(*ratio)}. A {change} this large happens by "
        f"chance {_every(years_between)} at a unit of this size."
    )


def _every(years: float) -> str:
    if years >= 1.5:
        return f"about once every {round(years):,} years"
    if years >= 0.75:
        return "about once a year"
    return f"about {round(1.0 / years):,} times a year"


def funnel_sentence(
    indicator: Indicator,
    *,
    start: dt.date,
    end: dt.date,
    observed: float,
    expected: float,
    level: float,
    direction: str,
    ratio: tuple[float | None, float | None, float | None],
    proportion: bool,
) -> str:
    """E.g. "In the 12 months April 2024 to March 2025, 14 deaths where 6.2 were expected (…):
    higher than 99.8 % of units of this size would show by chance."
    """
    side = "higher" if (direction == "concern") == (indicator.worse == "higher") else "lower"
    what = "the national proportion gives" if proportion else "expected"
    return (
        f"From {month(start)} to {month(end)}, {_events(indicator, observed)} where "
        f"{count(expected)} {'was' if math.isclose(expected, 1.0) else 'were'} {what}"
        f"{_interval(*ratio)}: {side} than {level * 100:g} % of units of this size "
        "would show by chance."
    )


def spc_sentence(
    indicator: Indicator,
    *,
    rule: str,
    began: dt.date,
    latest_day: dt.date,
    points: int,
    latest: float,
    centre: float,
    unit: str,
    direction: str,
) -> str:
    """One or two sentences for a Making Data Count rule that flags the latest month.

    ``points`` is how many months in a row, ending with the latest, are special causes of the
    same kind, the first of them in the month of ``began``.
    """
    high = (direction == "concern") == (indicator.worse == "higher")
    side = "above" if high else "below"
    value = f"{latest:,.4g}{unit}"
    usual = f"{centre:,.4g}{unit}"
    run = (
        f" Every month since {month(began)} ({points} months) has been {side} the usual level "
        "by more than chance explains."
        if points > 1
        else ""
    )
    opening = f"{indicator.title} in {month(latest_day)} was {value} against the usual {usual}"
    if rule == "outside_limits":
        return f"{opening}, {side} the process limits: chance alone would very rarely give it.{run}"
    if rule == "shift":
        return f"{opening}, one of {points} months in a row {side} the usual level."
    if rule == "trend":
        moved = "risen" if high else "fallen"
        return f"{opening}; it has {moved} month on month since {month(began)}.{run}"
    limit = "upper" if high else "lower"
    return f"{opening}: two of the last three months were close to the {limit} process limit.{run}"
