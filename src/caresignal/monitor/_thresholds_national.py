"""The national false-alarm rate a set of designs implies (private; see
:mod:`caresignal.monitor.thresholds`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NationalRate:
    """Expected false signals a year across all units, at each level, for one indicator.

    Attributes
    ----------
    units : int
        How many units (sites) the rate adds up.
    amber_per_year, red_per_year : float
        Expected false amber and red signals a year across all units: the sum over units of
        steps a year / achieved ARL₀ (about ``units / years`` for exact designs).
    sentence : str
        In plain words, e.g. "with 190 sites, expect about 19 false amber signals a year and
        about 4 false red signals a year in England".
    """

    units: int
    amber_per_year: float
    red_per_year: float
    sentence: str


def count_words(rate: float, level: str) -> str:
    """'about 4 false red signals a year', 'about one false red signal every 2 years'."""
    if rate <= 0.0:
        return f"no false {level} signals"
    if rate >= 1.5:
        return f"about {_whole(rate)} false {level} signals a year"
    if rate >= 0.95:
        return f"about one false {level} signal a year"
    return f"about one false {level} signal every {_whole(1.0 / rate)} years"


def _whole(value: float) -> str:
    """Whole numbers below 100, two significant figures above (with a thousands separator)."""
    if value >= 100.0:
        return f"{float(f'{value:.2g}'):,.0f}"
    return f"{round(value)}"


def national_sentence(
    units: int, amber: float, red: float, unit_noun: str, area: str | None
) -> str:
    where = f" in {area}" if area else ""
    return (
        f"with {units} {unit_noun}, expect {count_words(amber, 'amber')} and "
        f"{count_words(red, 'red')}{where}"
    )
