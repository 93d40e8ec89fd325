"""Transformed scales, z-scores and the over-dispersion estimates φ and τ² for funnel plots.

Private helpers of :mod:`caresignal.stats.funnel`. Conventions (Spiegelhalter 2005; the
FunnelPlotR package; NHS Digital's SHMI specification):

* ``ratio`` + ``"SHMI"``: Y = log(O/E), s = 1/√E, target log(θ);
* ``ratio`` + ``"CQC"``: Y = √(O/E), s = 1/(2√E), target √θ;
* ``proportion`` (either method): Y = asin(√(r/n)), s = 1/(2√n), target asin(√p₀).

z = (Y − target)/s. ``"SHMI"`` truncates the z-scores before estimating φ; ``"CQC"``
winsorises them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Scale:
    """A variance-stabilising scale: values Y, standard errors s and the target on that scale."""

    kind: str
    method: str
    target: float

    def transform(self, value: FloatArray) -> FloatArray:
        """Map ratios or proportions onto the scale (log(0) gives −∞ on the log scale)."""
        if self.kind == "proportion":
            return np.arcsin(np.sqrt(value))
        if self.method == "SHMI":
            with np.errstate(divide="ignore"):
                return np.log(value)
        return np.sqrt(value)

    def back(self, y: FloatArray) -> FloatArray:
        """Map values on the scale back to ratios or proportions, clipping to the valid range."""
        if self.kind == "proportion":
            return np.sin(np.clip(y, 0.0, np.pi / 2)) ** 2
        if self.method == "SHMI":
            return np.exp(y)
        return np.maximum(y, 0.0) ** 2

    def standard_error(self, denominator: FloatArray) -> FloatArray:
        """Within-unit standard error s on the scale: 1/√E (log) or 1/(2√E), 1/(2√n)."""
        if self.kind == "ratio" and self.method == "SHMI":
            return 1.0 / np.sqrt(denominator)
        return 1.0 / (2.0 * np.sqrt(denominator))

    @property
    def centre(self) -> float:
        """The target on the transformed scale."""
        return float(self.transform(np.array([self.target]))[0])

    def z_scores(self, value: FloatArray, denominator: FloatArray) -> FloatArray:
        """Unadjusted z-scores (Y − target)/s."""
        return (self.transform(value) - self.centre) / self.standard_error(denominator)


def truncate(z: FloatArray, trim: float) -> BoolArray:
    """Mark the z-scores that SHMI truncation drops (True) before φ is estimated.

    The units are ranked (ties averaged) and split into k = 1/trim groups by
    ``floor(rank * k / (I + 1))``; the lowest group (0) and the groups from k − 1 up are dropped.
    With trim = 0.1 that is rank/(I + 1) < 0.1 or ≥ 0.9, as FunnelPlotR's ``truncation()``.
    """
    if trim == 0.0:
        return np.zeros(z.shape, dtype=np.bool_)
    k = 1.0 / trim
    group = np.floor(rankdata(z, method="average") * k / (z.size + 1))
    dropped: BoolArray = (group <= 0) | (group >= k - 1)
    return dropped


def winsorise(z: FloatArray, trim: float) -> tuple[FloatArray, BoolArray]:
    """Pull z-scores beyond the trim and 1 − trim quantiles (R type 7) in to those quantiles."""
    low, high = np.quantile(z, [trim, 1.0 - trim])
    clipped = np.clip(z, low, high)
    moved: BoolArray = (z < low) | (z > high)
    return clipped, moved


def dispersion_ratio(z: FloatArray) -> float:
    """φ = mean of the squared z-scores that are kept."""
    return float(np.mean(z**2))


def between_unit_variance(phi: float, s: FloatArray) -> float:
    """DerSimonian–Laird τ² from φ and the within-unit standard errors of the kept units.

    τ² = 0 when Iφ ≤ I − 1 (no over-dispersion beyond chance), or when fewer than two units are
    kept (τ² cannot be estimated); otherwise τ² = (Iφ − (I − 1)) / (Σw − Σw²/Σw) with w = 1/s².
    """
    count = s.size
    if count < 2 or count * phi <= count - 1:
        return 0.0
    w = 1.0 / s**2
    return float((count * phi - (count - 1)) / (w.sum() - (w**2).sum() / w.sum()))
