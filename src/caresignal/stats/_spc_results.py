"""Result classes of the SPC charts, re-exported by :mod:`caresignal.stats.spc`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["AttributeChart", "ControlChart", "XmRChart"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ControlChart:
    """What every control chart (XmR, p, u, c, p′, u′) holds, so later code treats them alike.

    All arrays have one entry per point, in time order, and are read-only.

    Attributes
    ----------
    values : numpy.ndarray
        The plotted values: the measurements (XmR), or the proportion, rate or count per point
        (times ``multiplier`` where the chart has one).
    centre : numpy.ndarray
        The centre line: the mean of the limit group's baseline points (XmR; also available as
        :attr:`XmRChart.mean`) or the pooled rate Σcount/Σsize (attribute charts).
    lpl, upl : numpy.ndarray
        Lower and upper process limits (3σ).
    near_lpl, near_upl : numpy.ndarray
        The "near" limits at 2σ, two thirds of the way from the centre to the process limits.
    group : numpy.ndarray of int
        Limit group of each point: 0, 1, …, a new one at each ``rebase_at`` position.
    excluded : numpy.ndarray of bool
        Points left out of the limits and the run-based rules (still tested against the limits).
    trial_limits : numpy.ndarray of bool
        True where the point's group has fewer than ``trial_points`` (default 13) included
        points, so its limits are trial limits, to be read with caution.
    rule : numpy.ndarray of object
        The highest-precedence MDC rule that flags the point: ``"outside_limits"``, ``"trend"``,
        ``"two_in_three"``, ``"shift"``, or ``None``.
    point_type : numpy.ndarray of object
        ``"common_cause"``, ``"special_cause_improvement"``, ``"special_cause_concern"`` or
        ``"special_cause_neither"`` (neutral improvement direction).
    variation : str
        The MDC variation icon of the latest point: ``"common_cause"``,
        ``"special_cause_improvement_high"``/``"_low"``, ``"special_cause_concern_high"``/``"_low"``
        or ``"special_cause_neither_high"``/``"_low"``.
    assurance : str or None
        The MDC assurance icon for the target against the latest point's limits:
        ``"consistently_pass"``, ``"consistently_fail"``, ``"hit_or_miss"``, or ``None`` without
        a target or with neutral improvement.
    improvement : str
        ``"increase"``, ``"decrease"`` or ``"neutral"``: which direction is better.

    References
    ----------
    NHS England / Improvement. Making Data Count (2019; updated 2023).

    Examples
    --------
    Code that monitors many series can treat every chart alike:

    >>> from caresignal.stats.spc import c_chart, xmr
    >>> charts = [xmr([3, 4, 3, 5, 4, 14]), c_chart([3, 4, 3, 5, 4, 14])]
    >>> [(chart.rule[-1], chart.point_type[-1]) for chart in charts]
    [('outside_limits', 'special_cause_neither'), ('outside_limits', 'special_cause_neither')]
    """

    values: FloatArray
    centre: FloatArray
    lpl: FloatArray
    upl: FloatArray
    near_lpl: FloatArray
    near_upl: FloatArray
    group: NDArray[np.int64]
    excluded: NDArray[np.bool_]
    trial_limits: NDArray[np.bool_]
    rule: NDArray[np.object_]
    point_type: NDArray[np.object_]
    variation: str
    assurance: str | None
    improvement: str

    @property
    def special_cause(self) -> NDArray[np.bool_]:
        """True where any rule flags the point (a new array)."""
        flagged: NDArray[np.bool_] = self.point_type != "common_cause"
        return flagged


@dataclass(frozen=True, slots=True)
class XmRChart(ControlChart):
    """An XmR (individuals and moving range) chart with the MDC rules applied.

    Besides the fields of :class:`ControlChart`:

    Attributes
    ----------
    moving_range : numpy.ndarray
        |xᵢ − xᵢ₋₁| within the limit group; NaN at the first point of each group (a moving
        range across a rebase is never used).
    mr_bar : numpy.ndarray
        The average moving range behind each point's limits (after screening, if on).

    References
    ----------
    NHSRplotthedots R package (NHS-R Community).

    Examples
    --------
    >>> from caresignal.stats.spc import xmr
    >>> chart = xmr([10, 12, 10, 12, 10, 12])
    >>> float(chart.mean[0]), float(chart.mr_bar[0]), round(float(chart.upl[0]), 2)
    (11.0, 2.0, 16.32)
    """

    moving_range: FloatArray
    mr_bar: FloatArray

    @property
    def mean(self) -> FloatArray:
        """The centre line: the mean of the limit group's baseline points (same as ``centre``)."""
        return self.centre


@dataclass(frozen=True, slots=True)
class AttributeChart(ControlChart):
    """A p, u or c chart (or Laney's p′ or u′) with the MDC rules applied.

    Besides the fields of :class:`ControlChart`:

    Attributes
    ----------
    chart : str
        ``"p"``, ``"p_prime"``, ``"u"``, ``"u_prime"`` or ``"c"``.
    sigma : numpy.ndarray
        The within-point standard error σᵢ (binomial or Poisson), in the units of ``values``.
    sigma_z : numpy.ndarray
        Laney's σ_z of the point's group (1 when ``laney`` is off); the limits are
        centre ± 3·σᵢ·σ_z.

    References
    ----------
    Laney DB (2002). Improved control charts for attributes. Qual Eng 14(4): 531–537.

    Examples
    --------
    >>> from caresignal.stats.spc import u_chart
    >>> chart = u_chart([10, 30, 12, 40], [100, 100, 100, 100], laney=True)
    >>> chart.chart, round(float(chart.sigma_z[0]), 3)
    ('u_prime', 4.067)
    """

    chart: str
    sigma: FloatArray
    sigma_z: FloatArray
