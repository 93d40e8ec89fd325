"""Statistical process control charts with the NHS "Making Data Count" rules.

* :func:`xmr`: XmR (individuals) chart, limits mean ± 2.66·MR̄, as NHSRplotthedots computes them.
* :func:`p_chart`, :func:`u_chart`, :func:`c_chart`: attribute charts, with Laney's p′ and u′.
* :func:`run_chart` and :func:`runs_analysis`: median line and Anhøj's runs rules.
* :func:`as_latest`: each point's type as a monthly look at the chart saw it, when it was the
  latest point.

Every control chart goes through one rules engine (outside limits > trend > two-in-three > shift)
and returns a :class:`ControlChart` (:class:`XmRChart` or :class:`AttributeChart`), whose
``centre``, limits, ``rule``, ``point_type``, ``variation`` and ``assurance`` mean the same for
every chart type. The method, its options and how it was checked are in ``docs/methods/spc.md``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from caresignal.stats._checks import (
    as_float_array,
    check_at_most,
    check_positive,
    check_same_length,
    readonly,
)
from caresignal.stats._spc_build import (
    ChartOptions,
    attribute_chart,
    chart_fields,
    xmr_chart_lines,
)
from caresignal.stats._spc_latest import as_latest
from caresignal.stats._spc_limits import MDC_LIMIT_FACTOR
from caresignal.stats._spc_results import AttributeChart, ControlChart, XmRChart
from caresignal.stats._spc_runs import (
    RunChart,
    RunsAnalysis,
    anhoej_thresholds,
    run_chart,
    runs_analysis,
)

__all__ = [
    "MDC_LIMIT_FACTOR",
    "AttributeChart",
    "ControlChart",
    "RunChart",
    "RunsAnalysis",
    "XmRChart",
    "anhoej_thresholds",
    "as_latest",
    "c_chart",
    "p_chart",
    "run_chart",
    "runs_analysis",
    "u_chart",
    "xmr",
]

FloatArray = NDArray[np.float64]


def xmr(
    values: ArrayLike,
    *,
    improvement: str = "neutral",
    rebase_at: ArrayLike = (),
    baseline_points: int | None = None,
    screen_outliers: bool = True,
    trend_points: int = 7,
    shift_points: int = 7,
    two_in_three: str = "current",
    target: float | None = None,
    exclude: ArrayLike = (),
    limit_factor: float = MDC_LIMIT_FACTOR,
    trial_points: int = 13,
) -> XmRChart:
    """XmR chart of a series with the Making Data Count rules, icons and rebasing.

    Parameters
    ----------
    values : array-like of float
        The measurements in time order (any unit), at least two per limit group.
    improvement : {"neutral", "increase", "decrease"}
        Which direction is better; decides whether a special cause is an improvement or a
        concern, and the icons.
    rebase_at : sequence of int, optional
        Positions (0-based) where a new limit group starts, with its own mean and limits. Rules
        run within each group: no run or moving range crosses a rebase.
    baseline_points : int, optional
        Fix each group's limits on its first ``baseline_points`` points (at least 12); later
        points are judged against them. All of the group's points by default.
    screen_outliers : bool
        Drop moving ranges >= 3.267·MR̄ and recompute MR̄ once before setting limits (the
        NHSRplotthedots default; the MDC Excel tool does not screen).
    trend_points, shift_points : int
        Points needed for a trend (all rising or all falling) and for a shift (all on one side
        of the mean): 7 by default, 6 in the MDC Excel tool's other setting.
    two_in_three : {"current", "legacy"}
        ``"current"`` (MDC since Nov 2023): points beyond the process limits count towards "two
        of three beyond the near line"; ``"legacy"`` (NHSRplotthedots 0.2.2): only points between
        the near line and the process limit count.
    target : float, optional
        A target in the units of ``values``, for the assurance icon.
    exclude : sequence of int, optional
        Positions left out of the limits and of the run-based rules ("ghosted" points, e.g. with
        a known special cause). They are still tested against the limits.
    limit_factor : float
        Process limits are mean ± ``limit_factor``·MR̄ (near limits at two thirds of that).
        2.66 in MDC; qicharts2 uses 3/1.128 = 2.6596.
    trial_points : int
        Limits of a group with fewer included points than this are flagged as trial limits.

    Returns
    -------
    XmRChart
        Per point: ``mean`` (= ``centre``), ``lpl``, ``upl``, ``near_lpl``, ``near_upl``,
        ``moving_range``, ``mr_bar``, ``rule``, ``point_type``, ``trial_limits``; and the latest
        point's ``variation`` icon and the ``assurance`` icon.

    Notes
    -----
    Rules, highest precedence first (each flags every point of the pattern):

    1. ``outside_limits``: above ``upl`` or below ``lpl`` (strictly: a point on a limit is
       inside; differences of floating-point rounding, relative 1e-12, count as "on").
    2. ``trend``: ``trend_points`` consecutive points each higher (or each lower) than the one
       before; an equal value breaks the trend.
    3. ``two_in_three``: two of three consecutive points beyond a near limit, all three on the
       same side of the mean; the points beyond the near limit are flagged.
    4. ``shift``: ``shift_points`` consecutive points on one side of the mean; a point on the
       mean breaks the run.

    A flagged point is an improvement or a concern by the improvement direction and the side it
    is on (for a trend: the trend's direction); when rules disagree, improvement wins, as in MDC.
    False alarms: with independent, normally distributed data the 3σ limits alone flag a point
    about once in 370; a 7-point shift alone comes by chance about once in 127 points (the
    waiting time for 7 in a row of a fair coin); the rules together flag more often than either,
    so a long stable series will show the odd special cause. Limits from few points (trial
    limits) are less certain still.

    References
    ----------
    NHS England / Improvement (2019, updated 2023). Making Data Count: strengthening your
    decisions. NHSRplotthedots R package (NHS-R Community). Wheeler DJ (1995). Advanced Topics
    in Statistical Process Control. Nelson LS (1982). Control charts for individual
    measurements. J Qual Technol 14(3).

    Examples
    --------
    >>> chart = xmr([5, 7, 6, 8, 6, 7, 5, 6, 7, 6, 8, 7, 15], improvement="decrease")
    >>> round(float(chart.mean[0]), 3), round(float(chart.upl[0]), 3)
    (7.154, 11.023)
    >>> chart.rule[-1], chart.variation
    ('outside_limits', 'special_cause_concern_high')
    """
    y = as_float_array("values", values)
    options = ChartOptions(
        improvement=improvement,
        rebase_at=rebase_at,
        baseline_points=baseline_points,
        exclude=exclude,
        screen_outliers=screen_outliers,
        trend_points=trend_points,
        shift_points=shift_points,
        two_in_three=two_in_three,
        target=target,
        trial_points=trial_points,
    )
    options.rules()  # check the rule options before any arithmetic
    factor = check_positive("limit_factor", limit_factor)
    lines, groups, mr_bar = xmr_chart_lines(y, options=options, limit_factor=factor)
    moving_range = np.full(len(y), np.nan)
    moving_range[1:] = np.abs(np.diff(y))
    moving_range[np.flatnonzero(np.diff(groups.group)) + 1] = np.nan
    return XmRChart(
        **chart_fields(lines, groups, options),
        moving_range=readonly(moving_range),
        mr_bar=readonly(mr_bar),
    )


def p_chart(
    numerator: ArrayLike,
    denominator: ArrayLike,
    *,
    laney: bool = False,
    multiplier: float = 1.0,
    improvement: str = "neutral",
    rebase_at: ArrayLike = (),
    baseline_points: int | None = None,
    exclude: ArrayLike = (),
    screen_outliers: bool = False,
    trend_points: int = 7,
    shift_points: int = 7,
    two_in_three: str = "current",
    target: float | None = None,
    trial_points: int = 13,
) -> AttributeChart:
    """p chart of proportions numerator/denominator (Laney's p′ chart with ``laney=True``).

    Parameters
    ----------
    numerator : array-like of float
        Events per point (>= 0, at most ``denominator``).
    denominator : array-like of float
        Cases per point (> 0).
    laney : bool
        Widen the limits by σ_z, the between-point spread of the z-scores (Laney 2002): use it
        when denominators are so large that the binomial limits flag almost every point.
    multiplier : float
        Scale values, centre and limits (100 for percentages).
    improvement, rebase_at, baseline_points, exclude, trend_points, shift_points, two_in_three
        As in :func:`xmr`.
    target : float, optional
        A target proportion (times ``multiplier``), for the assurance icon.
    screen_outliers : bool
        For Laney's σ_z only: False (default) uses every moving range of the z-scores, as in
        Laney (2002); True drops those >= 3.267 times their mean once, as qicharts2 does.
    trial_points : int
        As in :func:`xmr`.

    Returns
    -------
    AttributeChart
        ``chart`` is ``"p"`` or ``"p_prime"``. ``centre`` = p̄ = Σnumerator/Σdenominator over
        each group's baseline; limits p̄ ± 3σᵢ with σᵢ = √(p̄(1 − p̄)/nᵢ) (times σ_z for p′),
        cut to [0, 1]; near limits at 2σ. Rules and icons as in :func:`xmr`.

    Notes
    -----
    The binomial limits assume that points differ only by chance. With denominators in the
    hundreds of thousands real between-period variation dwarfs the binomial error and nearly
    every point falls outside the limits (a false alarm by construction); Laney's p′ chart
    measures that extra variation. Limits follow qicharts2 (Anhøj).

    References
    ----------
    Montgomery DC (2009). Introduction to Statistical Quality Control, 6th ed., ch. 7.
    Laney DB (2002). Improved control charts for attributes. Qual Eng 14(4): 531–537.

    Examples
    --------
    >>> chart = p_chart([12, 15, 8, 10, 4, 7], [50, 50, 50, 50, 50, 50])
    >>> round(float(chart.centre[0]), 4), round(float(chart.upl[0]), 4)
    (0.1867, 0.352)
    """
    num = as_float_array("numerator", numerator, minimum=0.0)
    den = as_float_array("denominator", denominator, minimum=0.0, exclusive_minimum=True)
    check_same_length(numerator=num, denominator=den)
    check_at_most("numerator", num, "denominator", den)
    options = ChartOptions(
        improvement=improvement,
        rebase_at=rebase_at,
        baseline_points=baseline_points,
        exclude=exclude,
        screen_outliers=screen_outliers,
        trend_points=trend_points,
        shift_points=shift_points,
        two_in_three=two_in_three,
        target=target,
        trial_points=trial_points,
    )
    chart = "p_prime" if laney else "p"
    return attribute_chart(chart, num, den, binomial=True, multiplier=multiplier, options=options)


def u_chart(
    count: ArrayLike,
    exposure: ArrayLike,
    *,
    laney: bool = False,
    multiplier: float = 1.0,
    improvement: str = "neutral",
    rebase_at: ArrayLike = (),
    baseline_points: int | None = None,
    exclude: ArrayLike = (),
    screen_outliers: bool = False,
    trend_points: int = 7,
    shift_points: int = 7,
    two_in_three: str = "current",
    target: float | None = None,
    trial_points: int = 13,
) -> AttributeChart:
    """u chart of rates count/exposure (Laney's u′ chart with ``laney=True``).

    Parameters
    ----------
    count : array-like of float
        Events per point (>= 0).
    exposure : array-like of float
        Exposure per point (> 0), e.g. bed days.
    laney : bool
        Widen the limits by Laney's σ_z (see :func:`p_chart`).
    multiplier : float
        Scale values, centre and limits, e.g. 1000 for a rate per 1,000 bed days.
    improvement, rebase_at, baseline_points, exclude, trend_points, shift_points, two_in_three
        As in :func:`xmr`.
    target : float, optional
        A target rate (times ``multiplier``), for the assurance icon.
    screen_outliers, trial_points
        As in :func:`p_chart`.

    Returns
    -------
    AttributeChart
        ``chart`` is ``"u"`` or ``"u_prime"``; ``centre`` = ū = Σcount/Σexposure over each
        group's baseline; limits ū ± 3σᵢ with σᵢ = √(ū/eᵢ) (times σ_z for u′), cut at 0.

    Notes
    -----
    Assumes Poisson counts: over-dispersed rates give too many points outside the limits;
    use ``laney=True`` then.

    References
    ----------
    Montgomery DC (2009), ch. 7. Laney DB (2002). Qual Eng 14(4): 531–537.

    Examples
    --------
    >>> chart = u_chart([2, 3, 8, 1, 1, 4], [50, 50, 50, 50, 50, 50])
    >>> round(float(chart.centre[0]), 4), round(float(chart.upl[0]), 4)
    (0.0633, 0.17)
    """
    counts = as_float_array("count", count, minimum=0.0)
    size = as_float_array("exposure", exposure, minimum=0.0, exclusive_minimum=True)
    check_same_length(count=counts, exposure=size)
    options = ChartOptions(
        improvement=improvement,
        rebase_at=rebase_at,
        baseline_points=baseline_points,
        exclude=exclude,
        screen_outliers=screen_outliers,
        trend_points=trend_points,
        shift_points=shift_points,
        two_in_three=two_in_three,
        target=target,
        trial_points=trial_points,
    )
    chart = "u_prime" if laney else "u"
    return attribute_chart(
        chart, counts, size, binomial=False, multiplier=multiplier, options=options
    )


def c_chart(
    count: ArrayLike,
    *,
    improvement: str = "neutral",
    rebase_at: ArrayLike = (),
    baseline_points: int | None = None,
    exclude: ArrayLike = (),
    trend_points: int = 7,
    shift_points: int = 7,
    two_in_three: str = "current",
    target: float | None = None,
    trial_points: int = 13,
) -> AttributeChart:
    """c chart of counts per point, with equal opportunity for events at every point.

    Parameters
    ----------
    count : array-like of float
        Events per point (>= 0).
    improvement, rebase_at, baseline_points, exclude, trend_points, shift_points, two_in_three
        As in :func:`xmr`.
    target : float, optional
        A target count, for the assurance icon.
    trial_points : int
        As in :func:`xmr`.

    Returns
    -------
    AttributeChart
        ``chart`` is ``"c"``; ``centre`` = c̄, the mean count of each group's baseline; limits
        c̄ ± 3√c̄ (lower cut at 0), near limits c̄ ± 2√c̄.

    Notes
    -----
    Assumes Poisson counts with a constant opportunity; when the opportunity varies use
    :func:`u_chart`.

    References
    ----------
    Montgomery DC (2009). Introduction to Statistical Quality Control, 6th ed., ch. 7.

    Examples
    --------
    >>> chart = c_chart([21, 24, 16, 12, 15, 5, 28, 20])
    >>> round(float(chart.centre[0]), 3), round(float(chart.lpl[0]), 3)
    (17.625, 5.03)
    """
    counts = as_float_array("count", count, minimum=0.0)
    options = ChartOptions(
        improvement=improvement,
        rebase_at=rebase_at,
        baseline_points=baseline_points,
        exclude=exclude,
        trend_points=trend_points,
        shift_points=shift_points,
        two_in_three=two_in_three,
        target=target,
        trial_points=trial_points,
    )
    ones = np.ones(len(counts))
    return attribute_chart("c", counts, ones, binomial=False, multiplier=1.0, options=options)
