"""Step distributions of the Bernoulli and Poisson CUSUMs (private; see
:mod:`caresignal.stats.arl`)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from caresignal.stats._arl_chain import DiscreteIncrements

FloatArray = NDArray[np.float64]

#: Poisson counts with a larger upper-tail probability than this are enumerated exactly; the
#: remaining tail is treated as a count so large that the chart signals.
POISSON_TAIL = 1e-15


def bernoulli_increments(
    risk: FloatArray, odds_ratio: float, true_odds_ratio: float
) -> DiscreteIncrements:
    """Steiner's log-likelihood-ratio weights, each case's risk drawn from ``risk`` with
    replacement and its outcome from the true probability ``pR/(1 - p + pR)``."""
    risks, counts = np.unique(risk, return_counts=True)
    share = counts / counts.sum()
    shift = np.log1p((odds_ratio - 1.0) * risks)
    death, survival = np.log(odds_ratio) - shift, -shift
    event = risks * true_odds_ratio / (1.0 - risks + true_odds_ratio * risks)

    every_shift = np.log1p((odds_ratio - 1.0) * risk)
    every_death, every_survival = np.log(odds_ratio) - every_shift, -every_shift
    every_event = risk * true_odds_ratio / (1.0 - risk + true_odds_ratio * risk)

    def sampler(rng: np.random.Generator, shape: tuple[int, int]) -> FloatArray:
        case = rng.integers(0, risk.size, size=shape)
        died = rng.random(shape) < every_event[case]
        steps: FloatArray = np.where(died, every_death[case], every_survival[case])
        return steps

    values = np.concatenate([death, survival])
    probs = np.concatenate([share * event, share * (1.0 - event)])
    return DiscreteIncrements(values, probs, sampler)


def poisson_increments(
    means: FloatArray, scale: float, reference: FloatArray, true_rate_ratio: float
) -> DiscreteIncrements:
    """Steps ``scale * (y - reference)`` with ``y`` Poisson, its mean drawn from ``means`` with
    replacement and multiplied by ``true_rate_ratio``. ``reference`` has one value per mean."""
    order = np.argsort(means, kind="stable")
    means, reference = means[order], reference[order]
    true_means = means * true_rate_ratio
    top = int(stats.poisson.isf(POISSON_TAIL, float(true_means.max()))) + 1
    y = np.arange(top + 1, dtype=np.float64)
    pmf = np.asarray(stats.poisson.pmf(y[None, :], true_means[:, None])) / means.size
    values: FloatArray = scale * (y[None, :] - reference[:, None])

    def sampler(rng: np.random.Generator, shape: tuple[int, int]) -> FloatArray:
        period = rng.integers(0, means.size, size=shape)
        counts = rng.poisson(true_means[period])
        steps: FloatArray = scale * (counts - reference[period])
        return steps

    return DiscreteIncrements(values.ravel(), pmf.ravel(), sampler)
