"""CUSUM thresholds designed from a false-alarm target in time, not guessed.

Each chart gets two thresholds: **amber**, at one expected false alarm per unit every
``amber_years`` (default 10), and **red**, every ``red_years`` (default 50). A target in years is
turned into an in-control average run length in the chart's own steps, ARL₀ = years × steps a year
(cases for the Bernoulli chart, periods for the Poisson chart), at the unit's own volume and case
mix, and h is the threshold whose Markov-chain ARL₀ (Brook & Evans 1972; Steiner et al. 2000) meets
it. :func:`national_false_alarms` adds up what a set of designs implies across a country.

The case mix is summarised as a histogram on fixed bins (:class:`CaseMix`), so a design depends
only on (chart, histogram, ratio, ARL₀ targets): that is the key of :class:`ThresholdCache`, which
a scan keeps between runs. Both levels come from one search (see ``docs/methods/thresholds.md``).

References
----------
Brook D, Evans DA (1972). An approach to the probability distribution of CUSUM run length.
Biometrika 59(3):539–549.
Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Monitoring surgical performance using
risk-adjusted cumulative sum charts. Biostatistics 1(4):441–452.
Siegmund D (1985). Sequential Analysis: Tests and Confidence Intervals. Springer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from caresignal.errors import CaresignalError
from caresignal.monitor._thresholds_cache import ThresholdCache
from caresignal.monitor._thresholds_national import NationalRate, national_sentence
from caresignal.stats.arl import describe_false_alarm_rate
from caresignal.stats.design import CaseMix, Chart, Solved, case_mix, expected_mix, thresholds

__all__ = [
    "CaseMix",
    "FalseAlarmTargets",
    "LevelDesign",
    "NationalRate",
    "ThresholdCache",
    "ThresholdConfigError",
    "ThresholdDesign",
    "case_mix",
    "design_bernoulli",
    "design_key",
    "design_poisson",
    "national_false_alarms",
]


class ThresholdConfigError(CaresignalError, ValueError):
    """The false-alarm targets configured are not usable (the message names the setting)."""


@dataclass(frozen=True, slots=True)
class FalseAlarmTargets:
    """How rarely each level may raise a false alarm at one unit, in years.

    Attributes
    ----------
    amber_years : float, default 10.0
        Mean years between false amber signals at one unit (> 0).
    red_years : float, default 50.0
        Mean years between false red signals at one unit (> ``amber_years``: red is rarer).
    """

    amber_years: float = 10.0
    red_years: float = 50.0

    def __post_init__(self) -> None:
        for name in ("amber_years", "red_years"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ThresholdConfigError(f"{name} is {value!r}; expected a number of years > 0")
            if not math.isfinite(value):
                raise ThresholdConfigError(f"{name} is {value!r}; expected a finite number")
        if self.red_years <= self.amber_years:
            raise ThresholdConfigError(
                f"red_years ({self.red_years!r}) must be greater than amber_years "
                f"({self.amber_years!r}): red signals are the rarer",
                hint="raise red_years or lower amber_years",
            )


@dataclass(frozen=True, slots=True)
class LevelDesign:
    """One level's threshold and the false-alarm rate it gives.

    Attributes
    ----------
    level : str
        ``"amber"`` or ``"red"``.
    years : float
        The target: mean years between false alarms.
    arl0 : float
        The target in-control ARL in steps (cases or periods): ``years × steps_per_year``.
    h : float
        The threshold.
    arl : float
        The Markov-chain in-control ARL at ``h`` (within 0.1 % of ``arl0``).
    years_between : float
        ``arl / steps_per_year``: the mean years between false alarms the threshold gives.
    sentence : str
        :func:`caresignal.stats.arl.describe_false_alarm_rate` of ``arl``.
    """

    level: str
    years: float
    arl0: float
    h: float
    arl: float
    years_between: float
    sentence: str


@dataclass(frozen=True, slots=True)
class ThresholdDesign:
    """Amber and red thresholds of one unit's chart, and what they were designed from.

    Attributes
    ----------
    chart : str
        ``"bernoulli"`` (steps are cases) or ``"poisson"`` (steps are periods).
    ratio : float
        The odds ratio (Bernoulli) or rate ratio (Poisson) the chart is designed to detect.
    steps_per_year : float
        The unit's cases a year (Bernoulli) or periods a year (Poisson).
    case_mix : CaseMix
        The case-mix summary the chain used.
    targets : FalseAlarmTargets
    amber, red : LevelDesign
    """

    chart: str
    ratio: float
    steps_per_year: float
    case_mix: CaseMix
    targets: FalseAlarmTargets
    amber: LevelDesign
    red: LevelDesign


def _design(
    chart: Chart,
    mix: CaseMix,
    ratio: float,
    per_year: float,
    targets: FalseAlarmTargets | None,
    cache: ThresholdCache | None,
) -> ThresholdDesign:
    targets = FalseAlarmTargets() if targets is None else targets
    key = design_key(chart, mix, ratio, per_year, targets)
    goals = key[3]
    solved = cache.get(key) if cache is not None else None
    if solved is None:
        solved = thresholds(mix, chart=chart, ratio=ratio, arl0=goals)
        if cache is not None:
            cache.put(key, solved)
    amber, red = (
        _level(name, years, goal, found, per_year)
        for name, years, goal, found in zip(
            ("amber", "red"), (targets.amber_years, targets.red_years), goals, solved, strict=True
        )
    )
    return ThresholdDesign(chart, ratio, per_year, mix, targets, amber, red)


def design_key(
    chart: Chart, mix: CaseMix, ratio: float, per_year: float, targets: FalseAlarmTargets
) -> tuple[Chart, tuple[tuple[float, ...], tuple[float, ...]], float, tuple[float, float]]:
    """The key a design is kept under in a :class:`ThresholdCache`: (chart, case-mix summary,
    ratio, (amber ARL₀, red ARL₀)). Its last three parts are the arguments of
    :func:`caresignal.stats.design.thresholds` that find it."""
    if not isinstance(targets, FalseAlarmTargets):
        raise TypeError(f"targets must be a FalseAlarmTargets, got {targets!r}")
    goals = (targets.amber_years * per_year, targets.red_years * per_year)
    for goal in goals:
        if goal <= 1.0:
            raise ValueError(f"the ARL₀ target {goal!r} is not above one step; raise the targets")
    return chart, mix.key, ratio, goals


def _level(name: str, years: float, goal: float, found: Solved, per_year: float) -> LevelDesign:
    sentence = describe_false_alarm_rate(found.arl, per_year)
    return LevelDesign(name, years, goal, found.h, found.arl, found.arl / per_year, sentence)


def design_bernoulli(
    risk: ArrayLike | CaseMix,
    *,
    odds_ratio: float = 2.0,
    cases_per_year: float,
    targets: FalseAlarmTargets | None = None,
    cache: ThresholdCache | None = None,
) -> ThresholdDesign:
    """Amber and red thresholds of a unit's (risk-adjusted) Bernoulli CUSUM, from years.

    Each level's target ARL₀ is ``years × cases_per_year`` cases; h is the threshold of
    :func:`caresignal.stats.cusum.bernoulli` (signal at ``S >= h``) whose Markov-chain in-control
    ARL, with risks drawn from the unit's case mix, meets it within 0.1 %.

    Parameters
    ----------
    risk : float, array-like of float, or CaseMix
        One risk for every case (unadjusted, as MOSS: the national reference rate), a sample of the
        unit's case risks (each strictly between 0 and 1), or its :func:`case_mix` summary.
    odds_ratio : float, default 2.0
        R_A, the odds ratio the chart is designed to detect (> 0, not 1).
    cases_per_year : float
        The unit's cases a year (> 0).
    targets : FalseAlarmTargets, optional
        Years between false alarms; default 10 (amber) and 50 (red).
    cache : ThresholdCache, optional
        Searches already done; a design with the same key is taken from it, a new one added.

    Returns
    -------
    ThresholdDesign

    Notes
    -----
    The ARL is the mean of a roughly geometric run length: about 10 % of units see a false red
    signal within 5 years of a 50-year design. The chain assumes cases are independent draws from
    the case mix; a unit whose case mix shifts should be redesigned.

    References
    ----------
    Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Biostatistics 1(4):441–452.
    Brook D, Evans DA (1972). Biometrika 59(3):539–549.

    Examples
    --------
    >>> design = design_bernoulli(0.003, cases_per_year=4000)
    >>> round(design.red.h, 2), design.red.sentence
    (5.01, "about one false alarm every 50 years at this unit's volume")
    """
    mix = risk if isinstance(risk, CaseMix) else case_mix(risk)
    per_year = _positive("cases_per_year", cases_per_year)
    return _design("bernoulli", mix, _ratio("odds_ratio", odds_ratio), per_year, targets, cache)


def design_poisson(
    expected_per_period: ArrayLike | CaseMix,
    *,
    rate_ratio: float = 2.0,
    periods_per_year: float = 12.0,
    targets: FalseAlarmTargets | None = None,
    cache: ThresholdCache | None = None,
) -> ThresholdDesign:
    """Amber and red thresholds of a unit's Poisson CUSUM of counts per period, from years.

    The chart is :func:`caresignal.stats.cusum.poisson` (weights ``y·log(R) − (R − 1)·λ0``,
    signal at ``S >= h``); each level's target ARL₀ is ``years × periods_per_year`` periods.

    Parameters
    ----------
    expected_per_period : float, array-like of float, or CaseMix
        λ0, the expected count per period (> 0): one value, a sample of the unit's periods, or
        their summary (binned on the log scale, bins 0.1 wide).
    rate_ratio : float, default 2.0
        The rate ratio to detect (> 0, not 1).
    periods_per_year : float, default 12.0
        Periods a year (12 for months).
    targets, cache
        As in :func:`design_bernoulli`.

    Returns
    -------
    ThresholdDesign

    References
    ----------
    Lucas JM (1985). Counted data CUSUMs. Technometrics 27(2):129–144.

    Examples
    --------
    >>> design = design_poisson(1.0, periods_per_year=12)
    >>> design.amber.arl0, design.amber.sentence
    (120.0, "about one false alarm every 10 years at this unit's volume")
    """
    if isinstance(expected_per_period, CaseMix):
        mix = expected_per_period
    else:
        mix = expected_mix(expected_per_period)
    per_year = _positive("periods_per_year", periods_per_year)
    return _design("poisson", mix, _ratio("rate_ratio", rate_ratio), per_year, targets, cache)


def _positive(name: str, value: object) -> float:
    """A finite number > 0, or a ValueError/TypeError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} is {number!r}; expected a finite number > 0")
    return number


def _ratio(name: str, value: object) -> float:
    """An odds or rate ratio > 0 other than 1 (1 would mean "no change")."""
    number = _positive(name, value)
    if number == 1.0:
        raise ValueError(f"{name} is 1.0; expected a number > 0 other than 1")
    return number


def national_false_alarms(
    designs: Sequence[ThresholdDesign] | int,
    *,
    targets: FalseAlarmTargets | None = None,
    unit_noun: str = "sites",
    area: str | None = None,
) -> NationalRate:
    """The false signals a year one indicator's designs imply across all units.

    Parameters
    ----------
    designs : sequence of ThresholdDesign, or int
        One design per unit (the rate sums steps a year / achieved ARL₀), or a number of units
        designed exactly to ``targets`` (the rate is units / years).
    targets : FalseAlarmTargets, optional
        Used only when ``designs`` is a number; default 10 and 50 years.
    unit_noun : str, default "sites"
        What the units are called in the sentence.
    area : str, optional
        Where, e.g. "England"; left out of the sentence when not given.

    Returns
    -------
    NationalRate

    Examples
    --------
    >>> print(national_false_alarms(190, area="England").sentence)
    with 190 sites, expect about 19 false amber signals a year and about 4 false red signals
    a year in England
    """
    if isinstance(designs, bool):
        raise TypeError(f"designs must be designs or a number of units, got {designs!r}")
    if isinstance(designs, int):
        if designs < 1:
            raise ValueError(f"designs is {designs!r}; expected at least one unit")
        chosen = FalseAlarmTargets() if targets is None else targets
        units, amber, red = designs, designs / chosen.amber_years, designs / chosen.red_years
    else:
        units = len(designs)
        if units == 0:
            raise ValueError("designs is empty; expected at least one unit's design")
        amber = math.fsum(d.steps_per_year / d.amber.arl for d in designs)
        red = math.fsum(d.steps_per_year / d.red.arl for d in designs)
    return NationalRate(units, amber, red, national_sentence(units, amber, red, unit_noun, area))
