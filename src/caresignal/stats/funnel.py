"""Funnel plots: compare units against a target with exact limits and over-dispersion.

One period, many units (hospitals, sites, surgeons): each unit's indicator is plotted against
its size, with limits that narrow as the size grows. Units outside the outermost limits stand
out from chance. Over-dispersion (more spread between units than chance alone explains) is
estimated and, by default, added to the limits so that ordinary between-unit variation is not
reported as a signal. See ``docs/methods/funnel.md`` for every convention and how it was checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._checks import check_choice, check_int, readonly
from caresignal.stats._funnel_dispersion import (
    Scale,
    between_unit_variance,
    dispersion_ratio,
    truncate,
    winsorise,
)
from caresignal.stats._funnel_inputs import (
    check_levels,
    check_share,
    counts,
    label_tuple,
    target_for,
)
from caresignal.stats._funnel_limits import exact_limits, exact_z_scores, inflated_limits

__all__ = ["FunnelCurves", "FunnelResult", "funnel"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Kind = Literal["ratio", "proportion"]
Method = Literal["SHMI", "CQC", "exact"]
Overdispersion = Literal["additive", "multiplicative"] | None

_KINDS = ("ratio", "proportion")
_METHODS = ("SHMI", "CQC", "exact")
_OVERDISPERSION = ("additive", "multiplicative", None)


@dataclass(frozen=True, slots=True, eq=False)
class FunnelCurves:
    """Smooth limit lines for drawing a funnel plot.

    Attributes
    ----------
    denominator : ndarray
        Grid of sizes from the smallest to the largest unit, evenly spaced on a log scale
        (expected counts E for ratios; whole numbers of cases n for proportions).
    lower, upper : mapping of level to ndarray
        The limits at each grid point for each level, on the indicator's scale (O/E or r/n).
    """

    denominator: FloatArray
    lower: Mapping[float, FloatArray]
    upper: Mapping[float, FloatArray]


@dataclass(frozen=True, slots=True, eq=False)
class FunnelResult:
    """A funnel plot: each unit's indicator, z-score, limits and outlier status.

    Attributes
    ----------
    kind, method, overdispersion, levels, trim, target
        The options used (``levels`` sorted from the innermost to the outermost; ``target`` is
        the centre line: 1 or the given ratio, or the overall or given proportion).
    numerator, denominator : ndarray
        The counts given, one per unit (O and E, or r and n).
    value : ndarray
        The indicator: O/E for ratios, r/n for proportions (also as ``ratio`` / ``proportion``).
    z : ndarray
        Unadjusted z-score of each unit: (Y − target)/s on the method's scale, or for
        ``method="exact"`` the normal score of the exact mid-P tail probability. A zero count on
        the log (SHMI) scale has z = −∞.
    trimmed : ndarray of bool
        True where the unit's z-score was dropped (SHMI truncation) or pulled in (CQC
        winsorisation) before φ was estimated. All False for ``method="exact"``.
    phi : float
        Dispersion ratio φ: mean squared z-score of the kept units (1.0, assumed, for "exact").
    tau2 : float
        DerSimonian–Laird between-unit variance τ² on the method's scale, >= 0 (0.0 for "exact").
    adjusted : bool
        True when the limits were inflated: additive with τ² > 0, or multiplicative with φ > 1.
        Otherwise the limits are the exact ones, as FunnelPlotR does when it finds no
        over-dispersion.
    lower, upper : mapping of level to ndarray
        Each unit's limits at each level, on the indicator's scale.
    outlier : tuple of {"high", "low", None}
        Whether each unit lies strictly above or below its limits at the outermost level.
    labels : tuple of str or None
        Unit names, if given.
    curves : FunnelCurves
        Limit lines over a grid of sizes, for plotting.
    """

    kind: Kind
    method: Method
    overdispersion: Overdispersion
    levels: tuple[float, ...]
    trim: float
    target: float
    numerator: FloatArray
    denominator: FloatArray
    value: FloatArray
    z: FloatArray
    trimmed: BoolArray
    phi: float
    tau2: float
    adjusted: bool
    lower: Mapping[float, FloatArray]
    upper: Mapping[float, FloatArray]
    outlier: tuple[str | None, ...]
    labels: tuple[str, ...] | None
    curves: FunnelCurves

    @property
    def ratio(self) -> FloatArray:
        """O/E per unit (``kind="ratio"`` only)."""
        if self.kind != "ratio":
            raise AttributeError("ratio is defined for kind='ratio'; use value or proportion")
        return self.value

    @property
    def proportion(self) -> FloatArray:
        """r/n per unit (``kind="proportion"`` only)."""
        if self.kind != "proportion":
            raise AttributeError("proportion is defined for kind='proportion'; use value or ratio")
        return self.value


def funnel(
    numerator: Any,
    denominator: Any,
    *,
    kind: Kind = "ratio",
    method: Method = "SHMI",
    levels: Any = (0.95, 0.998),
    overdispersion: Overdispersion = "additive",
    trim: float = 0.1,
    target: float | None = None,
    labels: Any = None,
    grid_points: int = 200,
) -> FunnelResult:
    """Funnel plot limits, over-dispersion and outliers for one period across units.

    Parameters
    ----------
    numerator : array-like of float
        Observed count per unit, >= 0: O (events) for ratios, r (cases with the outcome) for
        proportions. Proportions need whole numbers.
    denominator : array-like of float
        Size per unit, > 0: the expected count E (from a risk model) for ``kind="ratio"``; the
        number of cases n (whole numbers, >= numerator) for ``kind="proportion"``.
    kind : {"ratio", "proportion"}
        Indirectly standardised ratio O/E (target 1) or proportion r/n.
    method : {"SHMI", "CQC", "exact"}
        How z-scores and φ are computed. ``"SHMI"`` (NHS Digital's SHMI, FunnelPlotR's default):
        ratios on the log scale, Y = log(O/E), s = 1/√E; the top and bottom ``trim`` of the
        z-scores are truncated (dropped) before φ is estimated. ``"CQC"`` (Spiegelhalter 2005):
        ratios on the square-root scale, Y = √(O/E), s = 1/(2√E); the z-scores are winsorised
        at the ``trim`` and 1 − ``trim`` quantiles. Proportions use the arcsine scale,
        Y = asin(√(r/n)), s = 1/(2√n), with either method. ``"exact"`` assumes the Poisson or
        binomial model holds: exact limits only, φ = 1 and τ² = 0 (not estimated), z from the
        exact mid-P tail probability; it needs ``overdispersion=None``.
    levels : sequence of float
        Confidence levels of the limits, each in (0, 1); default 95 % and 99.8 %
        (z = 1.959964 and 3.090232). Outliers are judged at the outermost level.
    overdispersion : {"additive", "multiplicative", None}
        ``"additive"`` (random effects): limits target ± z·√(s² + τ²) on the method's scale.
        ``"multiplicative"``: target ± z·√φ·s. Either falls back to the exact limits when no
        over-dispersion is found (τ² = 0, or φ <= 1). ``None``: exact limits (χ² for ratios,
        binomial with Spiegelhalter's interpolation for proportions); φ and τ² are still
        estimated and reported for "SHMI" and "CQC".
    trim : float
        Share of z-scores truncated or winsorised at each end before estimating φ, in [0, 0.5).
    target : float, optional
        Centre line: default 1 for ratios and the overall proportion Σr/Σn for proportions.
    labels : array-like, optional
        Unit names, returned with the result.
    grid_points : int
        Number of sizes in the plotting grid of ``curves`` (at least 2).

    Returns
    -------
    FunnelResult
        Per-unit values, z-scores, limits at each level and outlier flags; φ, τ²; limit curves.

    Raises
    ------
    ValueError
        Negative counts, denominators <= 0, numerator > denominator for proportions, an unknown
        ``kind``/``method``/``overdispersion``, ``levels`` outside (0, 1), ``trim`` outside
        [0, 0.5), ``method="exact"`` with over-dispersion, or a zero count on the log (SHMI)
        scale that truncation does not remove from the estimate of φ.

    Notes
    -----
    Zero counts: as in FunnelPlotR, a unit with O = 0 has log(O/E) = −∞ on the SHMI scale, so its
    z-score is −∞; it ranks lowest and is truncated before φ is estimated, is plotted at 0 and is
    compared with its limits like any other unit. If truncation would keep it (too few units or
    ``trim`` too small), φ would be infinite and the call is refused; use ``method="CQC"``.
    Limits are clipped to the valid range (>= 0 for ratios, [0, 1] for proportions). A unit is an
    outlier only strictly outside its limits.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Statistics in
    Medicine 24:1185–1202. Spiegelhalter DJ (2005). Handling over-dispersion of performance
    indicators. Quality and Safety in Health Care 14:347–351. DerSimonian R, Laird N (1986).
    Meta-analysis in clinical trials. Controlled Clinical Trials 7:177–188. NHS Digital, Summary
    Hospital-level Mortality Indicator methodology. Mainey C, FunnelPlotR (R package).

    Examples
    --------
    >>> result = funnel([5, 12, 30, 60], [10.0, 11.0, 25.0, 48.0], overdispersion=None)
    >>> result.value.round(3)
    array([0.5  , 1.091, 1.2  , 1.25 ])
    >>> result.upper[0.95].round(3)
    array([1.839, 1.789, 1.476, 1.326])
    >>> result.outlier
    (None, None, None, None)
    """
    check_choice("kind", kind, _KINDS)
    check_choice("method", method, _METHODS)
    check_choice("overdispersion", overdispersion, _OVERDISPERSION)
    if method == "exact" and overdispersion is not None:
        raise ValueError(
            f"overdispersion is {overdispersion!r}, but method='exact' gives exact limits "
            "without over-dispersion; pass overdispersion=None, or choose method='SHMI' or 'CQC'"
        )
    observed, size = counts(numerator, denominator, kind)
    checked_levels = check_levels(levels)
    checked_trim = check_share("trim", trim, below=0.5)
    check_int("grid_points", grid_points, minimum=2)
    scale = Scale(kind, method, target_for(kind, target, observed, size))
    value = observed / size
    z, trimmed, phi, tau2 = _dispersion(scale, observed, size, checked_trim)
    adjusted = (overdispersion == "additive" and tau2 > 0) or (
        overdispersion == "multiplicative" and phi > 1
    )
    spread = _Spread(scale, overdispersion if adjusted else None, phi, tau2)
    lower, upper = spread.limits(size, checked_levels)
    return FunnelResult(
        kind=kind,
        method=method,
        overdispersion=overdispersion,
        levels=checked_levels,
        trim=checked_trim,
        target=scale.target,
        numerator=readonly(observed),
        denominator=readonly(size),
        value=readonly(value),
        z=readonly(z),
        trimmed=readonly(trimmed),
        phi=phi,
        tau2=tau2,
        adjusted=adjusted,
        lower=lower,
        upper=upper,
        outlier=_outliers(value, lower[checked_levels[-1]], upper[checked_levels[-1]]),
        labels=label_tuple(labels, observed.size),
        curves=spread.curves(size, checked_levels, grid_points),
    )


def _dispersion(
    scale: Scale, observed: FloatArray, size: FloatArray, trim: float
) -> tuple[FloatArray, BoolArray, float, float]:
    """z-scores, the trimmed flags, φ and τ² for the chosen method."""
    if scale.method == "exact":
        return exact_z_scores(scale, observed, size), np.zeros(size.shape, np.bool_), 1.0, 0.0
    z = scale.z_scores(observed / size, size)
    if scale.method == "SHMI":
        trimmed = truncate(z, trim)
        kept_z, kept = z[~trimmed], ~trimmed
        _refuse_infinite(kept_z, np.flatnonzero(kept))
    else:
        kept_z, trimmed = winsorise(z, trim)
        kept = np.ones(z.shape, np.bool_)
    phi = dispersion_ratio(kept_z)
    tau2 = between_unit_variance(phi, scale.standard_error(size[kept]))
    return z, trimmed, phi, tau2


def _refuse_infinite(kept_z: FloatArray, positions: NDArray[np.intp]) -> None:
    """Refuse a zero count whose −∞ log-scale z-score would enter the estimate of φ."""
    bad = ~np.isfinite(kept_z)
    if bad.any():
        i = int(positions[int(np.argmax(bad))])
        raise ValueError(
            f"numerator[{i}] is 0, so its z-score on the log (SHMI) scale is -inf, and the "
            "truncation (trim) keeps it in the estimate of phi; use method='CQC' or a larger trim"
        )


@dataclass(frozen=True, slots=True)
class _Spread:
    """How wide the limits are: exact, or inflated by τ² (additive) or φ (multiplicative)."""

    scale: Scale
    inflation: Overdispersion
    phi: float
    tau2: float

    def at(self, size: FloatArray, level: float) -> tuple[FloatArray, FloatArray]:
        """Lower and upper limits at one level for the given sizes."""
        if self.inflation is None:
            return exact_limits(self.scale, size, level)
        s = self.scale.standard_error(size)
        if self.inflation == "additive":
            return inflated_limits(self.scale, level, np.sqrt(s**2 + self.tau2))
        return inflated_limits(self.scale, level, np.sqrt(self.phi) * s)

    def limits(
        self, size: FloatArray, levels: tuple[float, ...]
    ) -> tuple[Mapping[float, FloatArray], Mapping[float, FloatArray]]:
        """Read-only mappings level → limits for the given sizes."""
        pairs = {level: self.at(size, level) for level in levels}
        lower = {level: readonly(pair[0]) for level, pair in pairs.items()}
        upper = {level: readonly(pair[1]) for level, pair in pairs.items()}
        return MappingProxyType(lower), MappingProxyType(upper)

    def curves(self, size: FloatArray, levels: tuple[float, ...], points: int) -> FunnelCurves:
        """Limit lines over a log-spaced grid of sizes (whole numbers for proportions)."""
        grid = np.geomspace(size.min(), size.max(), points)
        if self.scale.kind == "proportion":
            grid = np.unique(np.round(grid))
        lower, upper = self.limits(grid, levels)
        return FunnelCurves(denominator=readonly(grid), lower=lower, upper=upper)


def _outliers(value: FloatArray, lower: FloatArray, upper: FloatArray) -> tuple[str | None, ...]:
    """'high' strictly above the upper limit, 'low' strictly below the lower one, else None."""
    flags = np.where(value > upper, "high", np.where(value < lower, "low", ""))
    return tuple(str(flag) if flag else None for flag in flags)
