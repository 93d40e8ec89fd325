"""Synthetic data, part 8: the mothers and their births (case mix, labour and mode of birth).

One draw per pregnancy: the mother's age, deprivation, ethnic group, parity and previous caesarean,
the number of babies, the gestation, then the onset of labour and the mode of birth. Every draw is
vectorised over all pregnancies of a year; sites differ through their profile (:class:`Sites`).
The distributions and their numbers are listed in :data:`CASE_MIX` for ``truth.json``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from caresignal.data._synth_model import BIRTH_MODES, ETHNIC_GROUPS, LABOUR_ONSETS, expit

__all__ = [
    "AGE",
    "CASE_MIX",
    "DEPRIVATION",
    "ETHNIC_SHARES",
    "PRETERM_ODDS_BY_LEVEL",
    "draw_labour",
    "draw_mothers",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Mother's age in years: national mean and SD, and SD of the sites' means.
AGE = {"mean": 30.9, "sd": 5.6, "between_site_sd": 0.9, "lowest": 14, "highest": 52}
#: IMD decile: P(k) ∝ exp(tilt × (5.5 − k) / 4.5), decile 1 most deprived; the sites' tilts.
DEPRIVATION = {"national_tilt": 0.25, "between_site_sd": 0.45, "empty_share": 0.007}
#: Ethnic group shares in the order of ``ETHNIC_GROUPS``; sites draw theirs from a Dirichlet
#: with concentration 25 around their region's shares.
ETHNIC_SHARES = {
    "national": (0.72, 0.04, 0.12, 0.05, 0.03, 0.04),
    "london": (0.45, 0.07, 0.20, 0.18, 0.06, 0.04),
}
#: Odds ratio of preterm birth by the site's neonatal care level (in-utero transfers).
PRETERM_ODDS_BY_LEVEL = {"level_1": 0.8, "level_2": 1.0, "level_3": 1.3}

_PRETERM = {"intercept": -3.007, "deprivation": 0.35, "age_under_20": 0.2, "age_40_plus": 0.3}
_PRETERM_MORE = {"black": 0.3, "multiple": 2.9}
_PRETERM_WEEKS = (0.004, 0.008, 0.009, 0.011, 0.013, 0.015, 0.02, 0.024, 0.03, 0.036)
_PRETERM_WEEKS_LATE = (0.05, 0.07, 0.12, 0.2, 0.39)
_TERM_WEEKS = (0.08, 0.17, 0.27, 0.28, 0.18, 0.02)
_PLANNED = {"intercept": -2.45, "previous_caesarean": 2.6, "multiple": 1.3, "age_35_plus": 0.4}
_PRELABOUR = {"intercept": -3.2, "preterm": 1.2, "multiple": 0.5}
_INDUCED = {"intercept": -0.75, "age_35_plus": 0.4, "gestation_41_plus": 1.4, "nulliparous": 0.3}
_EMERGENCY = {"intercept": -2.3, "nulliparous": 0.9, "induced": 0.5, "age_35_plus": 0.4}
_EMERGENCY_MORE = {"previous_caesarean": 1.0, "multiple": 0.7, "preterm": 0.3}
_INSTRUMENTAL = {"intercept": -2.5, "nulliparous": 1.5, "induced": 0.3, "age_35_plus": 0.3}
_AFTER_STILLBIRTH = {"induced": 0.85, "spontaneous": 0.10, "no_labour": 0.05}
_SPONTANEOUS_ONSET, _INDUCED_ONSET, _NO_LABOUR = range(3)
_SPONTANEOUS_MODE, _INSTRUMENTAL_MODE, _PLANNED_CS, _EMERGENCY_CS = range(4)
assert LABOUR_ONSETS == ("spontaneous", "induced", "no_labour")
assert BIRTH_MODES[:2] == ("spontaneous_vaginal", "instrumental")
assert BIRTH_MODES[2:] == ("planned_caesarean", "emergency_caesarean")

#: Every case-mix distribution, as ``truth.json`` records it.
CASE_MIX: dict[str, Any] = {
    "mother_age": AGE,
    "imd_decile": DEPRIVATION,
    "ethnic_group": {
        region: dict(zip(ETHNIC_GROUPS, shares, strict=True))
        for region, shares in ETHNIC_SHARES.items()
    },
    "parity": "0 with probability expit(−0.4 − 0.12 (age − 30)); otherwise geometric(0.57)",
    "previous_caesarean": "a quarter of mothers with parity >= 1",
    "plurality": "twins in 1.5 % of pregnancies (2.25 % from age 35), triplets in 0.02 %",
    "preterm_logit": {**_PRETERM, **_PRETERM_MORE, "site": "log(site preterm odds ratio)"},
    "preterm_odds_ratio_by_level": PRETERM_ODDS_BY_LEVEL,
    "preterm_weeks_22_to_36": [*_PRETERM_WEEKS, *_PRETERM_WEEKS_LATE],
    "term_weeks_37_to_42": list(_TERM_WEEKS),
    "planned_caesarean_logit": _PLANNED,
    "prelabour_emergency_caesarean_logit": _PRELABOUR,
    "induction_logit": _INDUCED,
    "labour_mode_multinomial_logits": {
        "emergency_caesarean": {**_EMERGENCY, **_EMERGENCY_MORE},
        "instrumental": _INSTRUMENTAL,
        "spontaneous_vaginal": 0.0,
    },
    "after_antepartum_stillbirth": {
        "labour_onset": _AFTER_STILLBIRTH,
        "birth_mode": "spontaneous vaginal, or emergency caesarean without labour",
    },
}


def _categorical(rng: np.random.Generator, cumulative: FloatArray) -> IntArray:
    """One category per row of ``cumulative`` (rows of cumulative probabilities)."""
    u = rng.random(int(cumulative.shape[0]))
    return np.asarray((u[:, None] > cumulative[:, :-1]).sum(axis=1), dtype=np.int64)


def _deciles(rng: np.random.Generator, tilt: FloatArray) -> FloatArray:
    weights = np.exp(np.outer(tilt, (5.5 - np.arange(1, 11)) / 4.5))
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    decile = _categorical(rng, cumulative).astype(np.float64) + 1.0
    decile[rng.random(tilt.size) < DEPRIVATION["empty_share"]] = np.nan
    return decile


def _parity(rng: np.random.Generator, age: IntArray) -> IntArray:
    first = rng.random(age.size) < expit(-0.4 - 0.12 * (age - 30.0))
    return np.where(first, 0, np.minimum(rng.geometric(0.57, age.size), 15)).astype(np.int64)


def _plurality(rng: np.random.Generator, age: IntArray) -> IntArray:
    u = rng.random(age.size)
    twins = 0.015 * np.where(age >= 35, 1.5, 1.0)
    return np.where(u < 0.0002, 3, np.where(u < twins, 2, 1)).astype(np.int64)


def _gestation(rng: np.random.Generator, c: dict[str, Any], site_odds: FloatArray) -> IntArray:
    depr = np.where(np.isnan(c["imd_decile"]), 0.5, (10.0 - c["imd_decile"]) / 9.0)
    logit = (
        _PRETERM["intercept"]
        + _PRETERM["deprivation"] * depr
        + _PRETERM["age_under_20"] * (c["mother_age"] < 20)
        + _PRETERM["age_40_plus"] * (c["mother_age"] >= 40)
        + _PRETERM_MORE["black"] * (c["ethnic_group"] == ETHNIC_GROUPS.index("black"))
        + _PRETERM_MORE["multiple"] * (c["plurality"] > 1)
        + np.log(site_odds)
    )
    preterm = rng.random(depr.size) < expit(logit)
    early = np.array([*_PRETERM_WEEKS, *_PRETERM_WEEKS_LATE])
    weeks_pre = 22 + rng.choice(early.size, depr.size, p=early / early.sum())
    weeks_term = 37 + rng.choice(len(_TERM_WEEKS), depr.size, p=_TERM_WEEKS)
    return np.where(preterm, weeks_pre, weeks_term).astype(np.int64)


def draw_mothers(
    rng: np.random.Generator,
    site: IntArray,
    age_mean: FloatArray,
    tilt: FloatArray,
    ethnic_shares: FloatArray,
    preterm_odds: FloatArray,
) -> dict[str, Any]:
    """The mothers' characteristics, plurality and gestation, one per pregnancy.

    ``site`` gives each pregnancy's site position; the other arrays are per site.
    """
    n = site.size
    age = np.clip(np.round(rng.normal(age_mean[site], AGE["sd"])), AGE["lowest"], AGE["highest"])
    c: dict[str, Any] = {"mother_age": age.astype(np.int64)}
    c["imd_decile"] = _deciles(rng, tilt[site])
    c["ethnic_group"] = _categorical(rng, np.cumsum(ethnic_shares, axis=1)[site])
    c["parity"] = _parity(rng, c["mother_age"])
    c["previous_caesarean"] = (c["parity"] > 0) & (rng.random(n) < 0.25)
    c["plurality"] = _plurality(rng, c["mother_age"])
    c["gestation_weeks"] = _gestation(rng, c, preterm_odds[site])
    c["gestation_days"] = rng.integers(0, 7, n).astype(np.int64)
    return c


def _labour_terms(c: dict[str, Any]) -> dict[str, FloatArray]:
    return {
        "previous_caesarean": c["previous_caesarean"].astype(np.float64),
        "multiple": (c["plurality"] > 1).astype(np.float64),
        "age_35_plus": (c["mother_age"] >= 35).astype(np.float64),
        "nulliparous": (c["parity"] == 0).astype(np.float64),
        "preterm": (c["gestation_weeks"] < 37).astype(np.float64),
        "gestation_41_plus": (c["gestation_weeks"] >= 41).astype(np.float64),
    }


def _logit(coefficients: dict[str, float], terms: dict[str, FloatArray]) -> FloatArray:
    first = next(iter(terms.values()))
    total = np.full(first.size, coefficients.get("intercept", 0.0))
    for name, value in coefficients.items():
        if name != "intercept":
            total += value * terms[name]
    return total


def _labour_mode(rng: np.random.Generator, terms: dict[str, FloatArray]) -> IntArray:
    emergency = np.exp(_logit({**_EMERGENCY, **_EMERGENCY_MORE}, terms))
    instrumental = np.exp(_logit(_INSTRUMENTAL, terms))
    u = rng.random(emergency.size) * (1.0 + emergency + instrumental)
    mode = np.where(u < 1.0 + instrumental, _INSTRUMENTAL_MODE, _EMERGENCY_CS)
    return np.where(u < 1.0, _SPONTANEOUS_MODE, mode).astype(np.int64)


def _after_stillbirth(rng: np.random.Generator, n: int) -> tuple[IntArray, IntArray]:
    """Labour and birth after an antepartum stillbirth: mostly induced, vaginal."""
    u = rng.random(n)
    onset = np.where(u < _AFTER_STILLBIRTH["induced"], _INDUCED_ONSET, _SPONTANEOUS_ONSET)
    onset = np.where(u >= 1.0 - _AFTER_STILLBIRTH["no_labour"], _NO_LABOUR, onset)
    mode = np.where(onset == _NO_LABOUR, _EMERGENCY_CS, _SPONTANEOUS_MODE)
    return onset.astype(np.int64), mode.astype(np.int64)


def draw_labour(
    rng: np.random.Generator, c: dict[str, Any], antepartum: BoolArray, intrapartum: BoolArray
) -> tuple[IntArray, IntArray]:
    """Onset of labour and mode of birth (codes), one per pregnancy.

    A pregnancy with an intrapartum stillbirth always has labour; one with an antepartum
    stillbirth (and none intrapartum) is mostly induced and born vaginally.
    """
    t = _labour_terms(c)
    n = antepartum.size
    planned = (rng.random(n) < expit(_logit(_PLANNED, t))) & ~antepartum & ~intrapartum
    prelabour = (rng.random(n) < expit(_logit(_PRELABOUR, t))) & ~intrapartum
    induced = rng.random(n) < expit(_logit(_INDUCED, t))
    mode = _labour_mode(rng, {**t, "induced": induced.astype(np.float64)})
    onset = np.where(induced, _INDUCED_ONSET, _SPONTANEOUS_ONSET)
    onset = np.where(prelabour | planned, _NO_LABOUR, onset)
    mode = np.where(prelabour, _EMERGENCY_CS, mode)
    mode = np.where(planned, _PLANNED_CS, mode)
    after_onset, after_mode = _after_stillbirth(rng, n)
    dead_before = antepartum & ~intrapartum
    onset = np.where(dead_before, after_onset, onset)
    mode = np.where(dead_before, after_mode, mode)
    return onset.astype(np.int64), mode.astype(np.int64)
