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

from caresignal.stats._cusum_path import PathState, resume_path
from caresignal.stats.cusum import CusumResult

__all__ = [
    "RESET_LEVELS",
    "ChartState",
    "Climb",
    "Episode",
    "Held",
    "carry",
    "episodes",
    "reset_threshold",
]

#: What ``reset_after`` may say.
RESET_LEVELS = ("red", "amber", "none")

FloatArray = NDArray[np.float64]
Days = NDArray[np.datetime64]
#: Steps' days, observed and expected values.
Steps = tuple[Days, FloatArray, FloatArray]


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


@dataclass(frozen=True, slots=True)
class Held:
    """An episode that ended after reaching red: its first day, the day it reached red, and its
    events observed and expected (days are numpy days)."""

    began: np.datetime64
    red: np.datetime64
    observed: float
    expected: float


@dataclass(frozen=True, slots=True, eq=False)
class Climb:
    """The chart's latest episode (the one its last step belongs to).

    ``first`` is its first step and ``began`` that step's day; ``amber`` and ``red`` the steps
    that first reached those levels (None if not yet) and ``crossed`` the day of the later of
    them; ``observed`` the events so far (a whole number, so a running total is exact) and
    ``expected`` each step's expected value (their sum is taken as the whole chart takes it).
    """

    first: int
    amber: int | None
    red: int | None
    began: np.datetime64
    crossed: np.datetime64 | None
    observed: float
    expected: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class ChartState:
    """A chart after its steps so far: what carrying it on needs, and what a finding reads.

    ``path`` carries the statistic on exactly (:func:`~caresignal.stats._cusum_path.resume_path`);
    ``statistic`` is its value at the last step and ``signalled`` whether that step signalled (a
    new episode then starts); ``climb`` the latest episode; ``held`` the earlier episodes that
    reached red, oldest first (those older than the hold period may be dropped).
    """

    path: PathState
    statistic: float
    signalled: bool
    climb: Climb
    held: tuple[Held, ...]


def carry(
    state: ChartState | None,
    steps: Steps,
    weights: FloatArray,
    *,
    h: float,
    strict: bool,
    amber: float,
    red: float,
) -> ChartState | None:
    """The chart after ``steps`` more (days, observed, expected, with their ``weights``).

    Gives exactly the episodes :func:`episodes` finds on the whole chart: an episode starts at
    the first step, after a step at or below zero and after a signal.
    """
    statistic, signals, path = resume_path(
        weights, h, strict=strict, state=None if state is None else state.path
    )
    size = statistic.size
    if size == 0:
        return state
    base = path.steps - size
    starts = np.empty(size, dtype=bool)
    starts[0] = state is None or state.statistic <= 0.0 or state.signalled
    np.less_equal(statistic[:-1], 0.0, out=starts[1:])
    if signals.size:
        starts[signals[signals + 1 < path.steps] + 1 - base] = True
    begun = base + np.flatnonzero(starts)  # the first step of each episode begun here
    last = begun.size  # episodes are numbered 0 (the climb carried on), 1, 2, ...
    first = np.concatenate([[base if state is None else state.climb.first], begun])
    ambers: dict[int, int] = {}
    reds: dict[int, int] = {}
    top = float(statistic.max())
    if top > amber or (top == amber and not strict):  # else no episode reaches amber here
        number = np.cumsum(starts)
        ambers = _first_steps(statistic, amber, strict, number, base)
        reds = _first_steps(statistic, red, strict, number, base)
    new = _New(steps, base, state)
    held = list(() if state is None else state.held)
    if state is not None and last > 0 and (state.climb.red is not None or 0 in reds):
        carried = new.joined(int(first[1]) - 1, ambers.get(0), reds.get(0))
        held.append(new.held(carried))
    for episode, step in sorted(reds.items()):
        if 0 < episode < last:
            window = slice(int(first[episode]) - base, int(first[episode + 1]) - base)
            held.append(new.held(new.part(int(first[episode]), window, ambers[episode], step)))
    if last == 0 and state is not None:
        climb = new.joined(path.steps - 1, ambers.get(0), reds.get(0))
    else:
        window = slice(int(first[last]) - base, size)
        climb = new.part(int(first[last]), window, ambers.get(last), reds.get(last))
    signalled = signals.size > 0 and int(signals[-1]) == path.steps - 1
    return ChartState(path, float(statistic[-1]), signalled, climb, tuple(held))


class _New:
    """The new steps of a chart, and the climb it carried on (if any)."""

    def __init__(self, steps: Steps, base: int, state: ChartState | None) -> None:
        self.days, self.observed, self.expected = steps
        self.base = base
        self.state = state

    def day(self, step: int) -> np.datetime64:
        return np.datetime64(self.days[step - self.base], "D")

    def part(self, first: int, window: slice, amber: int | None, red: int | None) -> Climb:
        """An episode of the new steps alone (``window`` of them), beginning at ``first``."""
        level = red if red is not None else amber
        return Climb(
            first,
            amber,
            red,
            np.datetime64(self.days[window][0], "D"),
            None if level is None else self.day(level),
            float(self.observed[window].sum()),
            self.expected[window],
        )

    def joined(self, end: int, amber: int | None, red: int | None) -> Climb:
        """The carried climb with the new steps up to chart position ``end`` appended; ``amber``
        and ``red`` are the first new steps reaching those levels, if it had not before."""
        assert self.state is not None
        old, upto = self.state.climb, end + 1 - self.base
        amber = old.amber if old.amber is not None else amber
        red = old.red if old.red is not None else red
        level = red if red is not None else amber
        crossed = old.crossed
        if level is not None and level >= self.base:
            crossed = self.day(level)
        return Climb(
            old.first,
            amber,
            red,
            old.began,
            crossed,
            old.observed + float(self.observed[:upto].sum()),
            np.concatenate([old.expected, self.expected[:upto]]),
        )

    @staticmethod
    def held(episode: Climb) -> Held:
        """An ended episode that reached red."""
        assert episode.crossed is not None
        return Held(episode.began, episode.crossed, episode.observed, float(episode.expected.sum()))


def _first_steps(
    statistic: FloatArray, h: float, strict: bool, number: NDArray[np.intp], base: int
) -> dict[int, int]:
    """Each episode (by number) that reaches ``h``, and the first step (of the chart) that does."""
    numbers, steps = _first_in_episode(statistic, h, strict, number)
    return {n: base + s for n, s in zip(numbers, steps, strict=True)}
