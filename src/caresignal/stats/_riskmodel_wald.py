"""Wald inference for a fitted logistic model, from the information at the estimates.

Private helper of :mod:`caresignal.stats.riskmodel`. statsmodels' IRLS reports standard errors
from the weights of its last iteration, that is at the estimates one step before convergence;
two fits reaching the same estimates from different starting points (individual cases, and the
same cases grouped) then differ in the seventh digit of their standard errors. Computing the
Fisher information at the final estimates, I = Xᵀ diag(cases · p(1 − p)) X (observed and
expected information agree under the logit link), gives both fits the maximum-likelihood
standard errors, which R's ``glm`` reaches at a tight convergence tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from caresignal.stats._checks import readonly

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Wald:
    """Per coefficient: standard error, z, two-sided p and the interval at the level asked."""

    std_errors: FloatArray
    z: FloatArray
    p_values: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray


def wald(
    x: FloatArray,
    coefficients: FloatArray,
    risk: FloatArray,
    cases: FloatArray | None,
    ci_level: float,
) -> Wald:
    """Wald statistics of ``coefficients`` from the information at the fitted ``risk``."""
    weight = risk * (1.0 - risk)
    if cases is not None:
        weight = weight * cases
    information = (x.T * weight) @ x
    covariance = np.linalg.inv(information)
    std_errors = np.sqrt(np.diag(covariance))
    z = coefficients / std_errors
    half_width = norm.ppf(0.5 + ci_level / 2.0) * std_errors
    return Wald(
        std_errors=readonly(std_errors),
        z=readonly(z),
        p_values=readonly(2.0 * norm.sf(np.abs(z))),
        ci_lower=readonly(coefficients - half_width),
        ci_upper=readonly(coefficients + half_width),
    )
