"""Case-mix summaries and the CUSUM steps they imply (private; see :mod:`caresignal.stats.design`).

A unit's case mix is summarised as a histogram on fixed bins: risks on the logit scale, expected
counts on the log scale, bins :data:`BIN_WIDTH` wide. Each occupied bin keeps the share of cases in
it and their mean value (so the mean risk, and with it the chart's drift, is kept). Both are
rounded to :data:`DIGITS` significant digits, and the design is computed from the rounded summary
alone: the summary is a hashable key and equal keys give identical designs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from caresignal.stats._arl_chain import DiscreteIncrements, Draw

FloatArray = NDArray[np.float64]

#: Width of the histogram bins, in logit (risks) or log (expected counts) units.
BIN_WIDTH = 0.1
#: Significant digits kept of each bin's mean value and share.
DIGITS = 6
#: Poisson counts above the point where the upper tail is below this are treated as signalling.
POISSON_TAIL = 1e-15


@dataclass(frozen=True, slots=True)
class CaseMix:
    """A unit's case mix as a histogram: the mean value and the share of cases in each bin.

    Attributes
    ----------
    values : tuple of float
        The mean risk (Bernoulli) or expected count per period (Poisson) of the cases in each
        occupied bin, ascending, to six significant digits.
    shares : tuple of float
        The share of cases in each bin (summing to 1 within rounding), to six significant digits.
    cases : int
        How many cases (or periods) were summarised; not part of :attr:`key`.
    """

    values: tuple[float, ...]
    shares: tuple[float, ...]
    cases: int

    @property
    def key(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The hashable part that determines a design: values and shares."""
        return self.values, self.shares

    @property
    def mean(self) -> float:
        """The mean risk (or expected count) of the summarised cases."""
        weights = np.asarray(self.shares)
        return float(np.dot(self.values, weights) / weights.sum())


def _round(values: FloatArray) -> tuple[float, ...]:
    return tuple(float(f"{value:.{DIGITS}g}") for value in values)


def summarise(values: FloatArray, scale: FloatArray) -> CaseMix:
    """Histogram ``values`` on fixed bins of ``scale`` (their logit or log) of width BIN_WIDTH."""
    bins = np.floor(scale / BIN_WIDTH).astype(np.int64)
    low = int(bins.min())
    if int(bins.max()) - low > MAX_SPAN:
        _, inverse, counts = np.unique(bins, return_inverse=True, return_counts=True)
        means = np.bincount(inverse, weights=values) / counts
    else:  # the bins span a few hundred at most: count them directly, without sorting
        index = bins - low
        all_counts = np.bincount(index)
        occupied = all_counts > 0
        counts = all_counts[occupied]
        means = np.bincount(index, weights=values)[occupied] / counts
    return CaseMix(_round(means), _round(counts / values.size), int(values.size))


#: Widest range of bin numbers counted directly (wider ranges are sorted instead).
MAX_SPAN = 100_000


def _sampler(values: FloatArray, probs: FloatArray) -> Draw:
    def draw(rng: np.random.Generator, shape: tuple[int, int]) -> FloatArray:
        picked = rng.choice(values.size, size=shape, p=probs / probs.sum())
        steps: FloatArray = values[picked]
        return steps

    return draw


def bernoulli_steps(mix: CaseMix, odds_ratio: float) -> DiscreteIncrements:
    """Steiner's weights in control (odds ratio 1), each bin's risk with its share of cases."""
    risk = np.asarray(mix.values)
    share = np.asarray(mix.shares) / math.fsum(mix.shares)
    shift = np.log1p((odds_ratio - 1.0) * risk)
    values = np.concatenate([math.log(odds_ratio) - shift, -shift])
    probs = np.concatenate([share * risk, share * (1.0 - risk)])
    return DiscreteIncrements(values, probs, _sampler(values, probs))


def poisson_steps(mix: CaseMix, rate_ratio: float) -> DiscreteIncrements:
    """The weights ``y·log(R) − (R − 1)·λ0`` in control, λ0 from each bin with its share."""
    means = np.asarray(mix.values)
    share = np.asarray(mix.shares) / math.fsum(mix.shares)
    top = int(stats.poisson.isf(POISSON_TAIL, float(means.max()))) + 1
    y = np.arange(top + 1, dtype=np.float64)
    pmf = np.asarray(stats.poisson.pmf(y[None, :], means[:, None])) * share[:, None]
    values = math.log(rate_ratio) * y[None, :] - (rate_ratio - 1.0) * means[:, None]
    flat, probs = values.ravel(), pmf.ravel()
    return DiscreteIncrements(flat, probs, _sampler(flat, probs))
