"""Funnel limits: exact Poisson and binomial limits, over-dispersed limits and exact z-scores.

Private helpers of :mod:`caresignal.stats.funnel` (Spiegelhalter 2005, appendix A.1).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

from caresignal.stats._funnel_dispersion import Scale

FloatArray = NDArray[np.float64]


def normal_quantile(level: float) -> float:
    """Two-sided standard normal multiplier: 1.959964 for 0.95, 3.090232 for 0.998."""
    return float(stats.norm.ppf(0.5 + level / 2.0))


def exact_poisson_limits(
    expected: FloatArray, level: float, target: float
) -> tuple[FloatArray, FloatArray]:
    """Exact limits for a ratio O/E from the χ² distribution.

    lower = θ·χ²_{α/2}(2E)/(2E), upper = θ·χ²_{1−α/2}(2(E + 1))/(2E), with α = 1 − level.
    """
    tail = (1.0 - level) / 2.0
    lower = stats.chi2.ppf(tail, 2.0 * expected) / (2.0 * expected)
    upper = stats.chi2.isf(tail, 2.0 * (expected + 1.0)) / (2.0 * expected)
    return target * lower, target * upper


def _binomial_point(n: FloatArray, probability: float, target: float) -> FloatArray:
    """Spiegelhalter's interpolated binomial quantile (r_p − α)/n, clipped to [0, 1].

    r_p is the smallest r with P(R ≤ r) ≥ p for R ~ Binomial(n, p₀), and
    α = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1)).
    """
    r = stats.binom.ppf(probability, n, target)
    at_r = stats.binom.cdf(r, n, target)
    below = stats.binom.cdf(r - 1.0, n, target)
    alpha = (at_r - probability) / (at_r - below)
    point: FloatArray = np.clip((r - alpha) / n, 0.0, 1.0)
    return point


def exact_binomial_limits(
    n: FloatArray, level: float, target: float
) -> tuple[FloatArray, FloatArray]:
    """Exact limits for a proportion r/n at ``level`` around the target proportion p₀.

    For one or two cases and a target near 0 or 1 the interpolation can put a limit on the wrong
    side of the target; the limits are kept from crossing it (lower <= p₀ <= upper).
    """
    tail = (1.0 - level) / 2.0
    lower = np.minimum(_binomial_point(n, tail, target), target)
    upper = np.maximum(_binomial_point(n, 1.0 - tail, target), target)
    return lower, upper


def exact_limits(
    scale: Scale, denominator: FloatArray, level: float
) -> tuple[FloatArray, FloatArray]:
    """Exact (unadjusted) limits for either kind of indicator."""
    if scale.kind == "ratio":
        return exact_poisson_limits(denominator, level, scale.target)
    return exact_binomial_limits(denominator, level, scale.target)


def inflated_limits(
    scale: Scale, level: float, spread: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Limits target ± z·spread on the transformed scale, mapped back.

    ``spread`` is √(s² + τ²) (additive) or √φ·s (multiplicative) for each size.
    """
    half_width = normal_quantile(level) * spread
    return scale.back(scale.centre - half_width), scale.back(scale.centre + half_width)


def exact_z_scores(scale: Scale, numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """Normal scores of the exact mid-P tail probabilities of each observed count.

    Lower tail P(X < O) + ½P(X = O) and upper tail P(X > O) + ½P(X = O), with X ~ Poisson(θE)
    for ratios (through the regularised incomplete gamma function, so that a count given as a
    non-whole number is interpolated smoothly) or X ~ Binomial(n, p₀) for proportions. The score is
    Φ⁻¹(lower) or −Φ⁻¹(upper), whichever tail is smaller (so that extreme values keep precision).
    """
    if scale.kind == "ratio":
        mean = scale.target * denominator
        safe = np.maximum(numerator, 1.0)
        below = np.where(numerator > 0, special.gammaincc(safe, mean), 0.0)
        at_least = np.where(numerator > 0, special.gammainc(safe, mean), 1.0)
        lower = 0.5 * (below + special.gammaincc(numerator + 1.0, mean))
        upper = 0.5 * (at_least + special.gammainc(numerator + 1.0, mean))
    else:
        mass = stats.binom.pmf(numerator, denominator, scale.target)
        lower = stats.binom.cdf(numerator - 1.0, denominator, scale.target) + 0.5 * mass
        upper = stats.binom.sf(numerator, denominator, scale.target) + 0.5 * mass
    z: FloatArray = np.where(lower < upper, special.ndtri(lower), -special.ndtri(upper))
    return z
