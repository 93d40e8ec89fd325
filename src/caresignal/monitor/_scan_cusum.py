"""One unit's CUSUM with amber and red thresholds, and its episodes (private; see
:mod:`caresignal.monitor.scan`).

An **episode** is one climb of the statistic from zero: it begins with the first step after
the statistic last stood at zero (or after a reset) and ends with the signal that resets the
chart, with the step that brings the statistic back to zero, or at the last step. An episode
that reaches the amber threshold is a finding; one that reaches red is a red finding. A chart
path holds every crossing date, so replaying history needs the path only once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from caresignal.stats.cusum import CusumResult

__all__ = ["RESET_LEVELS", "Episode", "episodes", "reset_threshold"]

#: What ``reset_after`` may say.
RESET_LEVELS = ("red", "amber", "none")

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Episode:
    """One climb of a CUSUM that reached at least the amber threshold (positions are steps).

    ``began`` is the first step after the last zero, ``amber`` the step that first reached the
    amber threshold, ``red`` the step that first reached red (None if it did not), ``end`` the
    last step of the episode: the signal when the chart resets after it, otherwise the step at
    which the statistic fell back to zero, or the last step. ``ongoing`` is true when the
    episode has not ended by the last step.
    """

    began: int
    amber: int
    red: int | None
    end: int
    ongoing: bool

    @property
    def level(self) -> str:
        """``"red"`` if the episode reached red, else ``"amber"``."""
        return "amber" if self.red is None else "red"

    @property
    def crossed(self) -> int:
        """The step that first crossed the episode's highest level."""
        return self.amber if self.red is None else self.red


def reset_threshold(*, amber: float, red: float, reset_after: str) -> float:
    """The h to run the chart with (resetting there): red, amber, or infinity for no reset."""
    return {"red": red, "amber": amber, "none": math.inf}[reset_after]


def episodes(
    chart: CusumResult, *, amber: float, red: float, reset_after: str
) -> tuple[Episode, ...]:
    """Every episode of ``chart`` that reached ``amber``, oldest first.

    Parameters
    ----------
    chart : CusumResult
        The chart, run with ``h = reset_threshold(...)`` and ``reset=True``.
    amber, red : float
        The thresholds, ``0 < amber <= red``.
    reset_after : {"red", "amber", "none"}
        The level after which the chart restarted from zero, or never.
    """
    statistic = np.asarray(chart.statistic)
    signals = np.asarray(chart.signals)
    strict = chart.signal_rule == ">"
    size = statistic.size
    if size == 0:
        return ()
    starts = np.zeros(size, dtype=bool)
    starts[0] = True
    starts[1:] = statistic[:-1] <= 0.0
    after = signals[signals + 1 < size] + 1
    starts[after] = True
    episode = np.cumsum(starts) - 1
    first_step = np.flatnonzero(starts)
    reached_amber = _first_in_episode(statistic, amber, strict, episode)
    reached_red = dict(zip(*_first_in_episode(statistic, red, strict, episode), strict=True))
    found = []
    for number, step in zip(*reached_amber, strict=True):
        last = int(first_step[number + 1] - 1) if number + 1 < first_step.size else size - 1
        red_step = reached_red.get(number)
        found.append(
            Episode(
                began=int(first_step[number]),
                amber=int(step),
                red=None if red_step is None else int(red_step),
                end=last,
                ongoing=last == size - 1 and not (reset_after != "none" and _reset(last, signals)),
            )
        )
    return tuple(found)


def _first_in_episode(
    statistic: FloatArray, h: float, strict: bool, episode: NDArray[np.int64]
) -> tuple[list[int], list[int]]:
    """(episode numbers, first step at or above ``h`` in each) for the episodes that reach h."""
    over = np.greater(statistic, h) if strict else np.greater_equal(statistic, h)
    steps = np.flatnonzero(over)
    if steps.size == 0:
        return [], []
    numbers = episode[steps]
    first = np.concatenate([[True], numbers[1:] != numbers[:-1]])
    return numbers[first].tolist(), steps[first].tolist()


def _reset(step: int, signals: NDArray[np.int64]) -> bool:
    index = int(np.searchsorted(signals, step))
    return index < signals.size and int(signals[index]) == step
