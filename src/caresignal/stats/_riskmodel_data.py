"""Reading columns from a DataFrame and building treatment-coded design matrices.

Private helpers of :mod:`caresignal.stats.riskmodel`. Accepts a polars DataFrame, a pandas
DataFrame or a mapping of column name to array-like, without importing pandas.

Candidate for the shared checker: :func:`column` (a named column with missing values refused,
naming the row and the column).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Level = str | int | float | bool

_is_missing = np.frompyfunc(lambda v: v is None or v != v, 1, 1)


def column(data: Any, name: str, role: str) -> NDArray[Any]:
    """Return column ``name`` of ``data`` as a numpy array, refusing missing values.

    ``role`` ("covariate" or "outcome") is used in the messages, which name the column and the
    first row (counted from 0) that is missing.
    """
    if not hasattr(data, "columns") and not isinstance(data, Mapping):
        raise TypeError(f"data must be a polars or pandas DataFrame or a mapping, got {type(data)}")
    names = list(data.columns) if hasattr(data, "columns") else list(data)
    if name not in names:
        raise ValueError(f"data has no column {name!r} (the {role}); its columns are {names}")
    series = data[name]
    if hasattr(series, "is_null"):  # polars
        missing = np.asarray(series.is_null().to_numpy(), dtype=np.bool_)
        if series.dtype.is_float():
            missing = missing | np.asarray(series.is_nan().fill_null(True).to_numpy(), np.bool_)
        values = np.asarray(series.to_numpy())
    else:
        values = np.asarray(series.to_numpy() if hasattr(series, "to_numpy") else series)
        missing = _missing(values)
    if values.ndim != 1:
        raise ValueError(f"{role} {name!r} must be one-dimensional, got shape {values.shape}")
    if missing.any():
        row = int(np.argmax(missing))
        raise ValueError(f"{role} {name!r} is missing in row {row}; remove or fill that row first")
    return values


def _missing(values: NDArray[Any]) -> NDArray[np.bool_]:
    if values.dtype.kind == "f":
        nan: NDArray[np.bool_] = np.isnan(values)
        return nan
    if values.dtype == object:
        return np.asarray(_is_missing(values), dtype=np.bool_)
    return np.zeros(values.shape, dtype=np.bool_)


def is_categorical(values: NDArray[Any]) -> bool:
    """Strings, objects and categories are categorical; numbers and booleans are numeric."""
    return values.dtype.kind not in "biuf"


def learn_levels(values: NDArray[Any]) -> tuple[Level, ...]:
    """The sorted distinct values of a categorical column, as plain Python scalars."""
    levels: list[Level] = np.unique(values).tolist()
    return tuple(levels)


def check_seen(name: str, values: NDArray[Any], levels: Sequence[Level]) -> None:
    """Refuse a category that was not seen when the model was fitted, naming column and value."""
    known = np.asarray(levels, dtype=object)
    seen = np.isin(values.astype(object), known)
    if not seen.all():
        row = int(np.argmax(~seen))
        allowed = ", ".join(repr(level) for level in levels)
        value = values[row].item() if isinstance(values[row], np.generic) else values[row]
        raise ValueError(
            f"covariate {name!r} has value {value!r} in row {row}, a category not seen "
            f"when the model was fitted (known: {allowed})"
        )


def numeric(name: str, values: NDArray[Any]) -> FloatArray:
    """A numeric covariate as float64."""
    if values.dtype.kind not in "biuf":
        raise TypeError(f"covariate {name!r} must be numeric, got values of type {values.dtype}")
    return values.astype(np.float64)


def design_matrix(
    data: Any, covariates: Sequence[str], levels: Mapping[str, Sequence[Level]]
) -> tuple[FloatArray, tuple[str, ...]]:
    """Intercept, numeric columns as they are, categorical columns as treatment dummies.

    The first level of each categorical column is the reference; the others get a 0/1 column
    named ``"name[T.level]"``, in the order of the levels (as R's ``factor`` and patsy do).
    """
    blocks: list[FloatArray] = []
    terms: list[str] = ["Intercept"]
    rows = None
    for name in covariates:
        values = column(data, name, "covariate")
        rows = values.size
        if name in levels:
            check_seen(name, values, levels[name])
            chosen = list(levels[name][1:])
            blocks.append((values[:, None] == np.asarray(chosen, dtype=object)).astype(np.float64))
            terms.extend(f"{name}[T.{level}]" for level in chosen)
        else:
            blocks.append(numeric(name, values)[:, None])
            terms.append(name)
    count = rows if rows is not None else frame_height(data)
    return np.hstack([np.ones((count, 1)), *blocks]), tuple(terms)


def frame_height(data: Any) -> int:
    """Number of rows of a DataFrame or mapping of columns."""
    if hasattr(data, "height"):
        return int(data.height)
    if hasattr(data, "shape"):
        return int(data.shape[0])
    return len(next(iter(data.values()))) if data else 0


def case_counts(data: Any, outcome: str, cases: str) -> tuple[FloatArray, FloatArray]:
    """Grouped data: (events, cases) of each row, as float64, checked row by row.

    ``cases`` must hold whole numbers > 0 and ``outcome`` whole numbers from 0 to the row's
    cases; the messages name the column, the row (counted from 0) and the value.
    """
    if cases == outcome:
        raise ValueError(f"cases {cases!r} is also the outcome; name the column of case counts")
    counts = _whole(column(data, cases, "cases"), "cases", cases)
    bad = counts <= 0
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"cases {cases!r} is {_shown(counts[row])} in row {row}; expected a whole number > 0 "
            "(the cases that row stands for); drop rows without cases"
        )
    events = _whole(column(data, outcome, "outcome"), "outcome", outcome)
    bad = (events < 0) | (events > counts)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"outcome {outcome!r} is {_shown(events[row])} in row {row}; expected a whole "
            f"number of events from 0 to the row's cases ({cases!r}: {_shown(counts[row])})"
        )
    return events, counts


def _whole(values: NDArray[Any], role: str, name: str) -> FloatArray:
    """A column of counts as float64, refusing text, infinity and fractions (naming the row)."""
    if values.dtype.kind not in "biuf" or (role == "cases" and values.dtype.kind == "b"):
        kind = values.dtype
        raise TypeError(f"{role} {name!r} must hold whole numbers, got values of type {kind}")
    numbers = values.astype(np.float64)
    bad = ~np.isfinite(numbers) | (numbers != np.round(numbers))
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"{role} {name!r} is {_shown(numbers[row])} in row {row}; expected a whole number"
        )
    return numbers


def _shown(value: float) -> str:
    """A count as written (3, not 3.0); other values as they are."""
    return str(int(value)) if np.isfinite(value) and value == round(value) else repr(float(value))
