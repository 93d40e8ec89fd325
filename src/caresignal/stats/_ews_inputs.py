"""Checks of the bedside observations given to :mod:`caresignal.stats.ews`.

Every observation may be missing in a row (NaN or None for a number, None, NaN or ``""`` for a
category); the scores record which. Anything else that is not a valid observation raises a
``ValueError`` or ``TypeError`` naming the argument, the row, the value and what was expected,
before anything is scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._checks import as_float_array
from caresignal.stats._ews_blocks import in_blocks

__all__ = ["as_flags", "as_labels", "as_measurements", "as_scale", "same_length"]

_NONE = np.array(None, dtype=object)  # compared elementwise to find None in object arrays
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Int8Array = NDArray[np.int8]


def _to_numpy(name: str, values: Any) -> NDArray[Any]:
    if isinstance(values, str | bytes):
        raise TypeError(
            f"{name} must be an array with one value per row, not a string ({values!r})"
        )
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = values.to_numpy()  # polars and pandas Series
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-dimensional array, got shape {array.shape}")
    return array


def _none_to_nan(array: NDArray[Any]) -> NDArray[Any]:
    if array.dtype != object:
        return array
    cleaned = array.copy()
    cleaned[np.equal(cleaned, _NONE)] = np.nan
    return cleaned


def as_measurements(
    name: str, values: Any, *, minimum: float, maximum: float, unit: str
) -> FloatArray:
    """``values`` as float64 (NaN for missing), checked to lie in ``[minimum, maximum]``.

    A float64 numpy array is used as it is, without a copy; nothing here writes to it.
    """
    array = _none_to_nan(_to_numpy(name, values))
    if array.dtype.kind in "USO":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must hold numbers ({unit}), or NaN/None where missing; got values such "
                f"as {array[0]!r}"
            ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers ({unit}), got values of type {array.dtype}")
    numbers: FloatArray = array.astype(np.float64, copy=False)
    if (
        numbers.size
        and not minimum <= np.fmin.reduce(numbers) <= np.fmax.reduce(numbers) <= maximum
    ):
        outside = (numbers < minimum) | (numbers > maximum)
        if outside.any():  # an all-NaN array passes: every row is missing
            row = int(np.argmax(outside))
            raise ValueError(
                f"{name}[{row}] is {float(numbers[row])!r}; expected {unit} from {minimum:g} to "
                f"{maximum:g}, or NaN/None where not recorded"
            )
    return numbers


def as_labels(name: str, values: Any, allowed: Sequence[str]) -> Int8Array:
    """Each row's position in ``allowed`` as int8, -1 where the value is missing.

    Text (None, NaN or ``""`` for missing) is matched exactly. Whole-number codes are accepted
    too, for speed at national scale: a position in ``allowed``, or -1 for missing.
    """
    array = _to_numpy(name, values)
    if array.size == 0:
        return np.zeros(0, dtype=np.int8)
    if array.dtype.kind in "iu":
        return _codes(name, array, allowed)
    if array.dtype.kind not in "UO":
        raise TypeError(
            f"{name} must hold text ({_listed(allowed)}), got values of type {array.dtype}"
        )
    if array.dtype == object:
        array = _object_labels(name, array, allowed)
    if array.dtype.itemsize == 4 and all(len(label) == 1 for label in allowed):
        codes = _single_characters(array, allowed)
    else:
        codes = np.full(array.shape, -2, dtype=np.int8)

        def match(part: slice) -> None:
            text, found = array[part], codes[part]
            found[text == ""] = -1
            for position, label in enumerate(allowed):
                found[text == label] = position

        in_blocks(len(array), match)
    bad = codes == -2
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"{name}[{row}] is {str(array[row])!r}; expected one of {_listed(allowed)}, "
            "or None for a missing value"
        )
    return codes


def _single_characters(array: NDArray[Any], allowed: Sequence[str]) -> Int8Array:
    """One-character text looked up by its code point (-2 for anything not allowed)."""
    lookup = np.full(128, -2, dtype=np.int8)
    lookup[0] = -1  # the empty string
    for position, label in enumerate(allowed):
        lookup[ord(label)] = position
    points = np.minimum(array.view(np.uint32), 127)  # 127 (DEL) is never a label
    codes: Int8Array = lookup[points]
    return codes


def _codes(name: str, array: NDArray[Any], allowed: Sequence[str]) -> Int8Array:
    bad = (array < -1) | (array >= len(allowed))
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"{name}[{row}] is {int(array[row])}; expected a code from 0 to {len(allowed) - 1} "
            f"(for {_listed(allowed)} in that order) or -1 for a missing value"
        )
    return array.astype(np.int8)


def _object_labels(name: str, array: NDArray[Any], allowed: Sequence[str]) -> NDArray[Any]:
    """Object arrays (lists with None, polars/pandas strings) as text; missing becomes ``""``."""
    missing = np.equal(array, _NONE) | np.not_equal(array, array)  # None, or NaN (NaN != NaN)
    is_text = np.frompyfunc(lambda value: isinstance(value, str), 1, 1)(array).astype(np.bool_)
    bad = ~missing & ~is_text
    if bad.any():
        row = int(np.argmax(bad))
        raise TypeError(
            f"{name}[{row}] is {array[row]!r}; expected text: one of {_listed(allowed)}, or None "
            "for a missing value"
        )
    text = array.copy()
    text[missing] = ""
    return text.astype(str)


def as_flags(name: str, values: Any) -> tuple[BoolArray, BoolArray]:
    """Yes/no values (bool, or 0/1 with NaN or None for missing) as ``(flag, missing)``."""
    array = _to_numpy(name, values)
    if array.dtype == np.bool_:
        return array, np.zeros(array.shape, dtype=np.bool_)
    array = _none_to_nan(array)
    if array.dtype == object:
        array = array.astype(np.float64)  # True/False inside an object array become 1.0/0.0
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold True/False (or 1/0), got values of type {array.dtype}")
    numeric = array.astype(np.float64)
    missing = np.isnan(numeric)
    bad = ~missing & (numeric != 0.0) & (numeric != 1.0)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"{name}[{row}] is {float(numeric[row])!r}; expected True or False (1 or 0), or "
            "NaN/None for a missing value"
        )
    return numeric == 1.0, missing


def as_scale(values: Any, n: int) -> NDArray[np.int8]:
    """The SpO₂ scale of each row, 1 or 2, from one number for all rows or one per row."""
    if isinstance(values, int | np.integer) and not isinstance(values, bool):
        if values not in (1, 2):
            raise ValueError(f"spo2_scale is {values!r}; expected 1 or 2")
        return np.full(n, values, dtype=np.int8)
    array = _to_numpy("spo2_scale", values)
    if array.dtype.kind not in "iu":
        array = as_float_array("spo2_scale", array, allow_empty=True)
    bad = (array != 1) & (array != 2)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(f"spo2_scale[{row}] is {float(array[row])!r}; expected 1 or 2")
    return array.astype(np.int8, copy=False)


def same_length(arrays: dict[str, NDArray[Any]]) -> int:
    """The common length of the named arrays, or a ``ValueError`` listing each length."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"every observation needs one value per row: {listed}")
    return next(iter(lengths.values()))


def _listed(allowed: Sequence[str]) -> str:
    return ", ".join(repr(label) for label in allowed)
