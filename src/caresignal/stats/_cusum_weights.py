"""The CUSUM weights of arguments already checked (private; see :mod:`caresignal.stats.cusum`).

:func:`caresignal.stats.cusum.weights` and :func:`~caresignal.stats.cusum.poisson_weights` check
their arguments and then call these; code that has its arrays from a checked source (a scan
carrying many small charts on) calls them after a quick check of its own, and gets the same
numbers to the last bit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["bernoulli_weights", "poisson_weights", "valid_bernoulli", "valid_poisson"]

FloatArray = NDArray[np.float64]


def bernoulli_weights(events: NDArray[np.bool_], risks: FloatArray, ratio: float) -> FloatArray:
    """``y·log(R) − log(1 − p + R·p)`` for events ``y`` and risks ``p`` in (0, 1), ratio R."""
    result: FloatArray = np.where(events, np.log(ratio), 0.0) - np.log1p((ratio - 1.0) * risks)
    return result


def poisson_weights(counts: FloatArray, means: FloatArray, ratio: float) -> FloatArray:
    """``y·log(R) − (R − 1)·μ`` for counts ``y`` and expected counts ``μ`` > 0, ratio R."""
    result: FloatArray = counts * np.log(ratio) - (ratio - 1.0) * means
    return result


def valid_bernoulli(outcome: FloatArray, risk: FloatArray) -> bool:
    """Whether ``outcome`` is 0/1 and ``risk`` strictly between 0 and 1, of the same length."""
    return bool(
        outcome.shape == risk.shape
        and ((outcome == 0.0) | (outcome == 1.0)).all()
        and ((risk > 0.0) & (risk < 1.0)).all()
    )


def valid_poisson(observed: FloatArray, expected: FloatArray) -> bool:
    """Whether ``observed`` holds whole numbers >= 0 and ``expected`` finite numbers > 0."""
    return bool(
        observed.shape == expected.shape
        and (np.isfinite(observed) & (observed >= 0.0) & (observed == np.floor(observed))).all()
        and (np.isfinite(expected) & (expected > 0.0)).all()
    )
