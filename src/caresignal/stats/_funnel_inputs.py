"""Argument checks specific to funnel plots (built on :mod:`caresignal.stats._checks`).

:func:`check_share` and :func:`check_levels` are not funnel-specific either; they move to the
shared checker when a second module needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._checks import (
    as_float_array,
    check_at_most,
    check_finite_scalar,
    check_level,
    check_positive,
    check_same_length,
    check_whole,
)

FloatArray = NDArray[np.float64]


def check_share(name: str, value: Any, *, below: float) -> float:
    """Return a share 0 <= value < ``below`` (e.g. a trimming fraction)."""
    number = check_finite_scalar(name, value)
    if not 0.0 <= number < below:
        raise ValueError(
            f"{name} is {number!r}; expected a share from 0 up to (not including) {below}"
        )
    return number


def check_levels(levels: Any) -> tuple[float, ...]:
    """Return distinct confidence levels in (0, 1), sorted from the innermost to the outermost."""
    if isinstance(levels, int | float | np.integer | np.floating):
        levels = (levels,)
    if isinstance(levels, str) or not isinstance(levels, Iterable):
        raise TypeError(
            f"levels must be a sequence of levels such as (0.95, 0.998), got {levels!r}"
        )
    checked = [check_level(f"levels[{i}]", level) for i, level in enumerate(levels)]
    if not checked:
        raise ValueError("levels must hold at least one level, such as (0.95, 0.998)")
    if len(set(checked)) != len(checked):
        raise ValueError(f"levels must be distinct, got {tuple(checked)!r}")
    return tuple(sorted(checked))


def counts(numerator: Any, denominator: Any, kind: str) -> tuple[FloatArray, FloatArray]:
    """Check and copy the numerators and denominators of a funnel plot."""
    observed = as_float_array("numerator", numerator, minimum=0.0)
    size = as_float_array("denominator", denominator, minimum=0.0, exclusive_minimum=True)
    check_same_length(numerator=observed, denominator=size)
    if kind == "proportion":
        check_whole("numerator", observed)
        check_whole("denominator", size)
        check_at_most("numerator", observed, "denominator", size)
    return observed, size


def target_for(kind: str, target: Any, numerator: FloatArray, denominator: FloatArray) -> float:
    """The centre line: 1 or the given ratio; Σr/Σn or the given p₀ for proportions."""
    if kind == "ratio":
        return 1.0 if target is None else check_positive("target", target)
    if target is None:
        value = float(numerator.sum() / denominator.sum())
        if not 0.0 < value < 1.0:
            raise ValueError(
                f"numerator: the overall proportion is {value:g}, so binomial limits are "
                "degenerate; give a target strictly between 0 and 1"
            )
        return value
    value = check_finite_scalar("target", target)
    if not 0.0 < value < 1.0:
        raise ValueError(f"target is {value!r}; expected a proportion strictly between 0 and 1")
    return value


def label_tuple(labels: Any, length: int) -> tuple[str, ...] | None:
    """Return unit labels as a tuple of strings, checked against the number of units."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise TypeError(f"labels must be a sequence of unit names, not a string ({labels!r})")
    values = labels.to_list() if hasattr(labels, "to_list") else list(labels)
    if len(values) != length:
        raise ValueError(f"labels has {len(values)} names; expected one per unit ({length})")
    return tuple(str(value) for value in values)
