"""Argument checks shared by :mod:`caresignal.stats.cusum` and :mod:`caresignal.stats.arl`.

They build on :mod:`caresignal.stats._checks` for the kinds of argument only the CUSUM and its
run lengths take: a ratio that must not be 1, a probability or mean given either once or per
case, a threshold that may be infinite, a head start and the signal rule.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._checks import as_float_array, check_choice, check_positive, check_whole

FloatArray = NDArray[np.float64]

SIGNAL_RULES = (">=", ">")


def check_ratio(name: str, value: Any) -> float:
    """An odds or rate ratio: a finite number > 0 other than 1 (1 would mean "no change")."""
    ratio = check_positive(name, value)
    if ratio == 1.0:
        raise ValueError(
            f"{name} is 1.0; expected a number > 0 other than 1 (above 1 watches for harm, "
            "below 1 for improvement)"
        )
    return ratio


def check_threshold(name: str, value: Any) -> float:
    """A decision threshold h > 0; ``math.inf`` is allowed (a chart that never signals)."""
    return check_positive(name, value, allow_inf=True)


def check_signal_rule(value: Any) -> bool:
    """Return True for the strict rule ``">"`` (signal at S > h), False for ``">="``."""
    rule: str = check_choice("signal_rule", value, SIGNAL_RULES)
    return rule == ">"


def check_head_start(value: Any, h: float) -> float:
    """A head start (initial value of the statistic) with 0 <= head_start < h."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"head_start must be a number, got {value!r}")
    start = float(value)
    if not 0.0 <= start < h:
        raise ValueError(f"head_start is {start!r}; expected a number >= 0 and < h ({h!r})")
    return start


def is_scalar(values: Any) -> bool:
    """True for a single number (not a list, array or Series)."""
    return isinstance(values, numbers.Real) or (isinstance(values, np.ndarray) and values.ndim == 0)


def as_probabilities(name: str, values: Any, *, length: int | None = None) -> FloatArray:
    """Probabilities strictly between 0 and 1, given once (a scalar) or one per case.

    A scalar is repeated ``length`` times when ``length`` is given, else returned as one value.
    """
    return _per_case(name, values, length, maximum=1.0)


def as_means(name: str, values: Any, *, length: int | None = None) -> FloatArray:
    """Expected counts (Poisson means) > 0, given once (a scalar) or one per period."""
    return _per_case(name, values, length, maximum=None)


def _per_case(name: str, values: Any, length: int | None, maximum: float | None) -> FloatArray:
    bounds: dict[str, Any] = {"minimum": 0.0, "exclusive_minimum": True}
    if maximum is not None:
        bounds |= {"maximum": maximum, "exclusive_maximum": True}
    if is_scalar(values):
        if isinstance(values, bool | np.bool_):
            raise TypeError(f"{name} must be a number, got {values!r}")
        value = as_float_array(name, values, ndim=0, **bounds)
        return np.full(1 if length is None else length, float(value))
    array = as_float_array(name, values, **bounds)
    if length is not None and array.size != length:
        raise ValueError(
            f"{name} must be a single number or have one value per case: "
            f"it has {array.size} values for {length} cases"
        )
    return array


def as_counts(name: str, values: Any) -> FloatArray:
    """Observed counts: whole numbers >= 0 (returned as floats)."""
    return check_whole(name, as_float_array(name, values, minimum=0.0))
