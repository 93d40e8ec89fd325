"""Synthetic data, part 9: each record's true risk of an outcome.

The same three functions draw the outcomes and, from ``truth.json`` alone, recompute the risks:
:func:`population` (who can have the outcome), :func:`odds_ratios` (the injected problems in force
on each record's day) and :func:`risk` (the logistic model plus the site's effect).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import NDArray

from caresignal.data._synth_changes import Problem
from caresignal.data._synth_model import BIRTH_MODES, Columns, LogisticModel, expit

__all__ = ["odds_ratios", "population", "risk"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
_VAGINAL = (BIRTH_MODES.index("spontaneous_vaginal"), BIRTH_MODES.index("instrumental"))


def population(outcome: str, columns: Columns) -> BoolArray:
    """Which records can have ``outcome`` (the rest never do); see each model's ``population``."""
    if outcome == "stillbirth":
        return np.asarray(columns["gestation_weeks"] >= 24)
    if outcome in ("haemorrhage_1500ml", "died"):
        return np.ones(len(next(iter(columns.values()))), dtype=np.bool_)
    if outcome == "tear_3rd_4th":
        return np.isin(columns["birth_mode"], _VAGINAL)
    live = np.asarray(columns["stillbirth"] == 0)
    if outcome == "hie_grade_2_3":
        return live & (columns["gestation_weeks"] >= 37)
    return live


def odds_ratios(
    outcome: str,
    problems: Iterable[Problem],
    site: NDArray[np.int64],
    positions: Mapping[str, int],
    days: NDArray[np.int64],
) -> FloatArray:
    """The injected odds ratio of ``outcome`` for each record (1 where no problem applies).

    ``site`` is each record's site position, ``positions`` maps site codes to positions and
    ``days`` is each record's day (days since 1970-01-01).
    """
    ratio = np.ones(days.size)
    for problem in problems:
        change = problem.changes.get(outcome)
        if change is None or problem.site_code not in positions:
            continue
        rows = site == positions[problem.site_code]
        ratio[rows] = change.at(days[rows])
    return ratio


def risk(model: LogisticModel, columns: Columns, offset: FloatArray) -> FloatArray:
    """Each record's probability of the model's outcome.

    ``offset`` adds to the log-odds: the site's random effect plus the log of any injected odds
    ratio. Records outside the model's population have probability 0.
    """
    probability = expit(model.linear_predictor(columns) + offset)
    return np.where(population(model.outcome, columns), probability, 0.0)
