"""The one place where the statistics functions check their arguments.

Every public function in :mod:`caresignal.stats` turns its array-like arguments into fresh numpy
arrays here, so that:

* lists, tuples, numpy arrays, polars Series and pandas Series are all accepted and give the same
  result;
* the caller's data is never mutated (each array is a copy);
* a bad argument raises a builtin error (``ValueError`` or ``TypeError``) whose message names the
  argument, says what was wrong with the value and what was expected.

Results are returned with read-only arrays (:func:`readonly`) so that a frozen result dataclass is
frozen all the way down.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "as_bool_array",
    "as_float_array",
    "as_int_positions",
    "check_at_most",
    "check_choice",
    "check_finite_scalar",
    "check_int",
    "check_level",
    "check_positive",
    "check_same_length",
    "check_whole",
    "readonly",
]

T = TypeVar("T")
FloatArray = NDArray[np.float64]


def _to_numpy(name: str, values: Any) -> NDArray[Any]:
    """Convert an array-like (list, numpy, polars or pandas Series) to a new numpy array."""
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} must be an array of numbers, not a string ({values!r})")
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        # polars and pandas Series both offer to_numpy(); nulls become NaN (polars) or NaN/None.
        values = values.to_numpy()
    try:
        array = np.array(values, copy=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from exc
    return array


def as_float_array(
    name: str,
    values: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
    allow_nan: bool = False,
    allow_empty: bool = False,
    ndim: int = 1,
) -> FloatArray:
    """Return ``values`` as a new float64 array, checked for shape, missing values and range.

    A scalar is accepted where ``ndim`` is 0. The message of any error names ``name``, the first
    offending position and value, and what was expected.
    """
    array = _to_numpy(name, values)
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold numbers only: {exc}") from exc
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got values of type {array.dtype}")
    array = array.astype(np.float64, copy=False)
    if array.ndim != ndim:
        shape = "a single number" if ndim == 0 else f"a {ndim}-dimensional array"
        raise ValueError(f"{name} must be {shape}, got an array of shape {array.shape}")
    if ndim > 0 and array.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    _check_values(name, array, minimum, maximum, exclusive_minimum, exclusive_maximum, allow_nan)
    return array


def _check_values(
    name: str,
    array: FloatArray,
    minimum: float | None,
    maximum: float | None,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
    allow_nan: bool,
) -> None:
    flat = array.reshape(-1)
    bad = np.isinf(flat) if allow_nan else ~np.isfinite(flat)
    if bad.any():
        i = int(np.argmax(bad))
        expected = "finite numbers or NaN" if allow_nan else "finite numbers (no NaN or missing)"
        raise ValueError(f"{name}[{i}] is {float(flat[i])!r}; expected {expected}")
    # Only NaN (allowed here) could make a comparison warn; numpy's errstate costs a context
    # switch per call, so it is entered only then.
    with np.errstate(invalid="ignore") if allow_nan else contextlib.nullcontext():
        if minimum is not None:
            low = flat <= minimum if exclusive_minimum else flat < minimum
            if low.any():
                i = int(np.argmax(low))
                sign = ">" if exclusive_minimum else ">="
                value = float(flat[i])
                raise ValueError(f"{name}[{i}] is {value!r}; expected values {sign} {minimum}")
        if maximum is not None:
            high = flat >= maximum if exclusive_maximum else flat > maximum
            if high.any():
                i = int(np.argmax(high))
                sign = "<" if exclusive_maximum else "<="
                value = float(flat[i])
                raise ValueError(f"{name}[{i}] is {value!r}; expected values {sign} {maximum}")


def as_bool_array(name: str, values: Any, *, allow_empty: bool = False) -> NDArray[np.bool_]:
    """Return 0/1 or boolean ``values`` as a new boolean array; anything else is an error."""
    array = _to_numpy(name, values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-dimensional array, got shape {array.shape}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if array.dtype == np.bool_:
        return array.astype(np.bool_)
    numeric = as_float_array(name, array, allow_empty=allow_empty)
    bad = (numeric != 0.0) & (numeric != 1.0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name}[{i}] is {float(numeric[i])!r}; expected 0 or 1 (or False/True)")
    flags: NDArray[np.bool_] = numeric == 1.0
    return flags


def as_int_positions(name: str, values: Any, *, length: int) -> NDArray[np.int64]:
    """Return sorted, unique positions in ``range(length)``; used for rebasing and resets."""
    array = _to_numpy(name, values)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold whole-number positions, got {array.dtype}")
    array = array.reshape(-1).astype(np.int64)
    bad = (array < 0) | (array >= length)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name}[{i}] is {array[i]}; expected a position from 0 to {length - 1}")
    return np.unique(array)


def check_whole(name: str, values: FloatArray) -> FloatArray:
    """Refuse values that are not whole numbers (counts), naming the first; return ``values``."""
    fractional = values != np.round(values)
    if fractional.any():
        i = int(np.argmax(fractional))
        value = float(values[i])
        raise ValueError(f"{name}[{i}] is {value!r}; expected a whole number (a count)")
    return values


def check_at_most(name: str, values: FloatArray, other_name: str, other: FloatArray) -> None:
    """Refuse any of ``values`` above ``other`` at the same position (e.g. events > cases)."""
    over = values > other
    if over.any():
        i = int(np.argmax(over))
        raise ValueError(
            f"{name}[{i}] is {float(values[i])!r}, more than {other_name}[{i}] "
            f"({float(other[i])!r}); expected {name} <= {other_name}"
        )


def check_same_length(**arrays: NDArray[Any]) -> int:
    """Check that every named array has the same length and return it."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"arguments must have the same length: {described}")
    return next(iter(lengths.values()))


def check_choice(name: str, value: T, allowed: Collection[T] | Mapping[T, Any]) -> T:
    """Check that ``value`` is one of ``allowed``, listing the allowed values if not."""
    if value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} is {value!r}; expected one of {listed}")
    return value


def check_finite_scalar(name: str, value: Any) -> float:
    """Return ``value`` as a float, refusing arrays, booleans, NaN and infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} is {number!r}; expected a finite number")
    return number


def check_positive(name: str, value: Any, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float that is > 0 (and finite unless ``allow_inf``)."""
    if allow_inf and isinstance(value, float | np.floating) and value == np.inf:
        return float(value)
    number = check_finite_scalar(name, value)
    if number <= 0:
        raise ValueError(f"{name} is {number!r}; expected a number > 0")
    return number


def check_int(name: str, value: Any, *, minimum: int) -> int:
    """Return ``value`` as an int that is at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} is {value}; expected a whole number >= {minimum}")
    return int(value)


def check_level(name: str, value: Any) -> float:
    """Return a confidence level strictly between 0 and 1 (e.g. 0.95 or 0.998)."""
    number = check_finite_scalar(name, value)
    if not 0.0 < number < 1.0:
        raise ValueError(f"{name} is {number!r}; expected a level between 0 and 1, such as 0.95")
    return number


def readonly(array: NDArray[Any]) -> NDArray[Any]:
    """Mark ``array`` read-only and return it, so frozen results stay frozen."""
    array.flags.writeable = False
    return array
