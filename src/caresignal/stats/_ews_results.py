"""Results of the early-warning scores, and the sums and trigger rules they share.

Codes are small integers so that ten million rows stay small; :data:`TRIGGERS` and
:data:`REASONS` give their words, and each result's ``explain(row)`` says it in a sentence.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "EMERGENCY_RESPONSE",
    "MISSING_VALUE",
    "NOT_DETERMINED",
    "NO_TRIGGER",
    "PREGNANT",
    "REASONS",
    "SCORED",
    "TRIGGERS",
    "UNDER_16",
    "URGENT_REVIEW",
    "Combined",
    "News2Result",
    "PewsResult",
    "Rule",
    "ScoreColumns",
    "combine",
    "levels",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Int8Array = NDArray[np.int8]

NOT_DETERMINED = -1
NO_TRIGGER = 0
URGENT_REVIEW = 1
EMERGENCY_RESPONSE = 2
TRIGGERS: Mapping[int, str] = {
    NOT_DETERMINED: "not determined",
    NO_TRIGGER: "none",
    URGENT_REVIEW: "urgent review",
    EMERGENCY_RESPONSE: "emergency response",
}

SCORED = 0
MISSING_VALUE = 1
UNDER_16 = 2
PREGNANT = 3
REASONS: Mapping[int, str] = {
    SCORED: "scored",
    MISSING_VALUE: "a value is missing",
    UNDER_16: "under 16 years: NEWS2 is for people aged 16 and over",
    PREGNANT: "pregnant: NEWS2 is not for use in pregnancy",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """A trigger level reached when the aggregate or any one parameter's score is high enough."""

    level: int
    aggregate: int | None
    single_parameter: int | None


@dataclass(frozen=True, slots=True, eq=False)
class Combined:
    """What the known scores of each row add up to, their highest, and whether none is missing."""

    known_sum: NDArray[np.int16]
    known_top: Int8Array
    complete: BoolArray


def combine(
    scores: Mapping[str, Int8Array],
    unknown: Mapping[str, BoolArray],
    excluded: BoolArray,
    out: Mapping[str, NDArray[Any]],
    optional: frozenset[str] = frozenset(),
) -> Combined:
    """Write each score (int8, -1 where unknown) and the aggregate (float, NaN) into ``out``.

    ``out`` holds one int8 array per parameter and ``""`` for the float aggregate, each as long
    as ``excluded``. A row is complete when no required parameter is unknown. An optional parameter
    that is unknown adds nothing and leaves the row complete; its own score stays NaN. Excluded
    rows get NaN everywhere. The int8 ``scores`` are used as scratch space and overwritten.
    """
    n = len(excluded)
    known_sum = np.zeros(n, dtype=np.int16)
    known_top = np.zeros(n, dtype=np.int8)
    incomplete = np.zeros(n, dtype=np.bool_)
    for name, score in scores.items():
        hidden = unknown[name]
        np.copyto(out[name], score)
        np.copyto(out[name], np.int8(-1), where=hidden | excluded)
        np.copyto(score, np.int8(0), where=hidden)
        known_sum += score
        np.maximum(known_top, score, out=known_top)
        if name not in optional:
            incomplete |= hidden
    np.copyto(out[""], known_sum)
    np.copyto(out[""], np.nan, where=incomplete | excluded)
    return Combined(known_sum, known_top, ~incomplete)


def levels(combined: Combined, rules: Sequence[Rule], excluded: BoolArray) -> Int8Array:
    """Each row's trigger level by ``rules`` (checked in order, the highest level reached wins).

    A complete row reaches :data:`NO_TRIGGER` at least. A row with a missing value reaches the
    level its known values already reach (missing values can only add to a score), and
    :data:`NOT_DETERMINED` when its known values reach none. Excluded rows are not determined.
    """
    reached = np.zeros(len(excluded), dtype=np.int8)
    hit = np.empty(len(excluded), dtype=np.bool_)
    for rule in sorted(rules, key=lambda r: r.level):
        hit[:] = False
        if rule.aggregate is not None:
            hit |= combined.known_sum >= rule.aggregate
        if rule.single_parameter is not None:
            hit |= combined.known_top >= rule.single_parameter
        np.copyto(reached, np.int8(rule.level), where=hit)
    undetermined = (~combined.complete & (reached == NO_TRIGGER)) | excluded
    np.copyto(reached, np.int8(NOT_DETERMINED), where=undetermined)
    return reached


class ScoreColumns(Mapping[str, FloatArray]):
    """Each parameter's scores as read-only float arrays, NaN where not scored.

    The scores are kept as int8 (-1 where not scored) and turned into floats when a column is
    first read, so that scoring ten million rows does not write a float column per parameter
    that nobody reads.
    """

    def __init__(self, codes: Mapping[str, Int8Array]) -> None:
        self._codes = dict(codes)
        self._floats: dict[str, FloatArray] = {}

    def __getitem__(self, name: str) -> FloatArray:
        if name not in self._floats:
            codes = self._codes[name]
            values = np.where(codes < 0, np.nan, codes.astype(np.float64))
            values.flags.writeable = False
            self._floats[name] = values
        return self._floats[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def at(self, row: int) -> dict[str, int | None]:
        """One row's scores, None where not scored, without turning whole columns into floats."""
        return {name: (None if c[row] < 0 else int(c[row])) for name, c in self._codes.items()}


def _score_words(scores: ScoreColumns, row: int) -> str:
    return ", ".join(
        f"{name} {score}" for name, score in scores.at(row).items() if score is not None
    )


def _missing_words(missing: Mapping[str, BoolArray], row: int) -> str:
    names = [name for name, flags in missing.items() if flags[row]]
    if len(names) == 1:
        return f"{names[0]} is missing"
    return f"{', '.join(names[:-1])} and {names[-1]} are missing"


def _at_least(level: np.int8) -> str:
    """Words for a trigger reached with values missing: the missing ones could only raise it."""
    return " (at least; the known values already reach it)" if level > NO_TRIGGER else ""


@dataclass(frozen=True, slots=True, eq=False)
class News2Result:
    """NEWS2 for each row of bedside observations (RCP 2017).

    All arrays have one entry per row and are read-only.

    Attributes
    ----------
    aggregate : numpy.ndarray of float
        The NEWS2 aggregate score, 0–20; NaN where a value is missing or the row is not scored.
    scores : mapping of str to numpy.ndarray of float
        Each parameter's score, keyed by the argument's name (``"on_oxygen"`` holds the
        air-or-oxygen score, 0 or 2); NaN where its value is missing or the row is not scored.
    missing : mapping of str to numpy.ndarray of bool
        For each observation argument, True where the row's value is missing.
    trigger : numpy.ndarray of int8
        :data:`URGENT_REVIEW` (aggregate ≥ 5 or any single parameter scoring 3),
        :data:`EMERGENCY_RESPONSE` (aggregate ≥ 7), :data:`NO_TRIGGER`, or
        :data:`NOT_DETERMINED`; see :func:`levels` for rows with a missing value.
    reason : numpy.ndarray of int8
        :data:`SCORED`, :data:`MISSING_VALUE`, :data:`UNDER_16` or :data:`PREGNANT`: why a row
        has no aggregate. A row under 16 that is also flagged pregnant reads :data:`UNDER_16`.
    """

    aggregate: FloatArray
    scores: ScoreColumns
    missing: Mapping[str, BoolArray]
    trigger: Int8Array
    reason: Int8Array

    def explain(self, row: int) -> str:
        """One row's score, trigger and any reason for no score, in a sentence."""
        reason = int(self.reason[row])
        trigger = TRIGGERS[int(self.trigger[row])]
        if reason in (UNDER_16, PREGNANT):
            return f"row {row}: not scored: {REASONS[reason]}"
        if reason == MISSING_VALUE:
            known = _score_words(self.scores, row) or "none"
            return (
                f"row {row}: no aggregate score: {_missing_words(self.missing, row)}; "
                f"known scores: {known}; trigger: {trigger}{_at_least(self.trigger[row])}"
            )
        return (
            f"row {row}: NEWS2 {int(self.aggregate[row])} ({_score_words(self.scores, row)}); "
            f"trigger: {trigger}"
        )


@dataclass(frozen=True, slots=True, eq=False)
class PewsResult:
    """A paediatric early warning score for each row, by one table of age-banded charts.

    All arrays have one entry per row and are read-only.

    Attributes
    ----------
    table : str
        The title of the table that scored the rows.
    age_band : numpy.ndarray of int8
        Each row's age band, as a position in ``band_names``.
    band_names : tuple of str
        The table's age bands, youngest first.
    aggregate : numpy.ndarray of float
        The sum of the parameter scores; NaN where a required value is missing.
    scores : mapping of str to numpy.ndarray of float
        Each scored parameter's score, keyed by the argument's name; NaN where its value is
        missing.
    missing : mapping of str to numpy.ndarray of bool
        For each scored parameter and ``carer_concern``, True where the row's value is missing.
    escalation : numpy.ndarray of int8
        The trigger level by the table's rules, raised to at least :data:`URGENT_REVIEW` where
        the carer answered ``"worse"``; :data:`NOT_DETERMINED` as for NEWS2.
    carer_worse : numpy.ndarray of bool
        True where the parent or carer said the child is worse: escalation at once, whatever
        the score.
    reason : numpy.ndarray of int8
        :data:`SCORED` or :data:`MISSING_VALUE` (a required value is missing).
    """

    table: str
    age_band: Int8Array
    band_names: tuple[str, ...]
    aggregate: FloatArray
    scores: ScoreColumns
    missing: Mapping[str, BoolArray]
    escalation: Int8Array
    carer_worse: BoolArray
    reason: Int8Array

    def explain(self, row: int) -> str:
        """One row's age band, score, escalation and any reason for no score, in a sentence."""
        band = self.band_names[int(self.age_band[row])]
        escalation = TRIGGERS[int(self.escalation[row])]
        carer = "; the carer says the child is worse" if self.carer_worse[row] else ""
        if int(self.reason[row]) == MISSING_VALUE:
            known = _score_words(self.scores, row) or "none"
            return (
                f"row {row} ({band}): no aggregate score: {_missing_words(self.missing, row)}; "
                f"known scores: {known}; escalation: {escalation}"
                f"{_at_least(self.escalation[row])}{carer}"
            )
        return (
            f"row {row} ({band}): PEWS {int(self.aggregate[row])} "
            f"({_score_words(self.scores, row)}); escalation: {escalation}{carer}"
        )
