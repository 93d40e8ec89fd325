"""One row of an early-warning chart: bands of values or named categories, each with its score.

Both NEWS2 (:mod:`caresignal.stats._ews_news2`) and the paediatric tables
(:mod:`caresignal.stats._ews_tables`) are built from these two classes, so a chart written in
code and a chart read from a user's file are checked by the same rules.

A chart prints bands at a resolution: whole numbers for rates and pressures ("9–11", "12–20"),
one decimal place for temperature ("35.1–36.0"). A measured value can fall between two printed
bands (20.5 breaths a minute, 35.05 °C). Such a value takes the **higher of the two neighbouring
scores**, so a value is never scored as less abnormal than either band it lies between. Scoring
compiles each band's printed lower bound into the point where it starts on the continuous scale
(:attr:`Bands.starts`) and looks every value up with one vectorised comparison per band edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["Bands", "Categories", "band_rows"]

FloatArray = NDArray[np.float64]
Int8Array = NDArray[np.int8]

# Two printed bounds closer than this share a value (the printed resolution is at least 0.001).
_TOLERANCE = 1e-9


def _describe(low: float | None, high: float | None) -> str:
    if low is None:
        return f"up to {high:g}"
    if high is None:
        return f"{low:g} and above"
    return f"{low:g} to {high:g}"


@dataclass(frozen=True, slots=True, eq=False)
class Bands:
    """Contiguous bands of a measurement, each with its score, as printed on a chart.

    Attributes
    ----------
    where : str
        Where the row comes from, for messages (e.g. ``"NEWS2 respiration_rate"``).
    lower, upper : tuple of float or None
        Each band's printed bounds, both inclusive; the first band has no lower bound and the
        last none upper bound.
    scores : tuple of int
        Each band's score.
    resolution : float
        The printed step between one band's upper bound and the next band's lower bound.
    starts : numpy.ndarray
        Derived: where each band after the first starts on the continuous scale (a value ``x``
        is in band ``k`` when ``starts[k-1] <= x < starts[k]``), placed so that a value between
        two printed bands takes the higher score.
    """

    where: str
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]
    scores: tuple[int, ...]
    resolution: float
    starts: FloatArray = field(init=False, repr=False)
    table: Int8Array = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _check_bands(self.where, self.lower, self.upper, self.scores, self.resolution)
        starts = np.empty(len(self.scores) - 1, dtype=np.float64)
        for k in range(1, len(self.scores)):
            high, low = self.upper[k - 1], self.lower[k]
            assert high is not None  # checked above
            assert low is not None
            # The gap (high, low) belongs to the side with the higher score.
            starts[k - 1] = (
                low if self.scores[k - 1] >= self.scores[k] else np.nextafter(high, np.inf)
            )
        starts.flags.writeable = False
        table = np.asarray(self.scores, dtype=np.int8)
        table.flags.writeable = False
        object.__setattr__(self, "starts", starts)
        object.__setattr__(self, "table", table)

    def band_of(self, values: FloatArray) -> Int8Array:
        """Each value's band index (NaN lands in the last band; callers mask missing values)."""
        index = np.zeros(values.shape, dtype=np.int8)
        above = np.empty(values.shape, dtype=np.bool_)
        for start in self.starts:
            np.greater_equal(values, start, out=above)
            index += above.view(np.int8)
        return index

    def score(self, values: FloatArray) -> Int8Array:
        """Each value's score, as int8 (NaN scores as the last band; callers mask it)."""
        scored: Int8Array = np.take(self.table, self.band_of(values))
        return scored

    def describe(self, k: int) -> str:
        """Band ``k`` in words, e.g. ``"9 to 11"``."""
        return _describe(self.lower[k], self.upper[k])


def _check_bands(
    where: str,
    lower: tuple[float | None, ...],
    upper: tuple[float | None, ...],
    scores: tuple[int, ...],
    resolution: float,
) -> None:
    if not (len(lower) == len(upper) == len(scores)) or len(scores) < 2:
        raise ValueError(f"{where}: expected at least two bands, each with bounds and a score")
    if not resolution > 0:
        raise ValueError(f"{where}: resolution is {resolution!r}; expected a number > 0")
    if lower[0] is not None:
        raise ValueError(
            f"{where}: the first band starts at {lower[0]:g}; expected it to have no lower "
            "bound, so that every low value has a score"
        )
    if upper[-1] is not None:
        raise ValueError(
            f"{where}: the last band ends at {upper[-1]:g}; expected it to have no upper "
            "bound, so that every high value has a score"
        )
    for k, score in enumerate(scores):
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
            raise ValueError(
                f"{where}: band {k + 1} has score {score!r}; expected a whole number >= 0"
            )
    for k in range(len(scores)):
        _check_one(where, k, lower, upper, resolution)


def _check_one(
    where: str,
    k: int,
    lower: tuple[float | None, ...],
    upper: tuple[float | None, ...],
    resolution: float,
) -> None:
    low, high = lower[k], upper[k]
    label = f"{where}: band {k + 1} ({_describe(low, high)})"
    if (k > 0 and low is None) or (k < len(lower) - 1 and high is None):
        raise ValueError(f"{label} is open-ended; only the first and last bands may be")
    if low is not None and high is not None and high < low:
        raise ValueError(f"{label} ends before it starts; expected the lower bound first")
    if k == 0:
        return
    previous = upper[k - 1]
    assert previous is not None
    assert low is not None
    step = low - previous
    if abs(step - resolution) <= _TOLERANCE * max(1.0, abs(low)):
        return
    before = f"band {k} ({_describe(lower[k - 1], previous)})"
    if step > resolution:
        raise ValueError(
            f"{label} leaves a gap after {before}: values from {previous + resolution:g} to "
            f"{low - resolution:g} have no band; expected it to start at {previous + resolution:g}"
        )
    raise ValueError(
        f"{label} overlaps {before}; expected it to start at {previous + resolution:g}, one "
        f"step of {resolution:g} above {previous:g}"
    )


def band_rows(
    where: str, rows: Sequence[tuple[float | None, float | None, int]], resolution: float
) -> Bands:
    """Build :class:`Bands` from ``(lower, upper, score)`` rows, as a chart prints them."""
    return Bands(
        where=where,
        lower=tuple(None if row[0] is None else float(row[0]) for row in rows),
        upper=tuple(None if row[1] is None else float(row[1]) for row in rows),
        scores=tuple(row[2] for row in rows),
        resolution=float(resolution),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Categories:
    """Named categories of an observation (e.g. ``"A"``, ``"V"``), each with its score.

    Attributes
    ----------
    where : str
        Where the row comes from, for messages.
    labels : tuple of str
        The categories, in the order their codes (0, 1, …) refer to.
    scores : tuple of int
        Each category's score.
    """

    where: str
    labels: tuple[str, ...]
    scores: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.scores) or not self.labels:
            raise ValueError(f"{self.where}: expected one score for each category")
        for label, score in zip(self.labels, self.scores, strict=True):
            if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
                raise ValueError(
                    f"{self.where}: category {label!r} has score {score!r}; expected a whole "
                    "number >= 0"
                )

    @classmethod
    def from_mapping(
        cls, where: str, labels: Sequence[str], scores: Mapping[str, object]
    ) -> Categories:
        """Scores for exactly ``labels``, from a mapping such as a table's ``{A = 0, V = 4}``."""
        missing = [label for label in labels if label not in scores]
        unknown = [key for key in scores if key not in labels]
        if missing:
            raise ValueError(
                f"{where}: no score for {', '.join(repr(m) for m in missing)}; expected a score "
                f"for each of {', '.join(repr(label) for label in labels)}"
            )
        if unknown:
            raise ValueError(
                f"{where}: {', '.join(repr(u) for u in unknown)} is not a category; expected "
                f"only {', '.join(repr(label) for label in labels)}"
            )
        values = tuple(scores[label] for label in labels)
        return cls(where=where, labels=tuple(labels), scores=values)  # type: ignore[arg-type]

    def score(self, codes: Int8Array) -> Int8Array:
        """Each code's score (a missing code, -1, scores as the last category; callers mask it)."""
        table = np.asarray(self.scores, dtype=np.int8)
        scored: Int8Array = table[codes]
        return scored
