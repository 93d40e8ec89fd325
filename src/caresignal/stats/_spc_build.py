"""Assemble chart results: options, limit groups, lines and the one rules engine.

Private to :mod:`caresignal.stats.spc`, which keeps the public functions and their documentation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from caresignal.stats._checks import check_finite_scalar, check_positive, readonly
from caresignal.stats._spc_limits import (
    AttributeSpread,
    FloatArray,
    LimitGroups,
    attribute_lines,
    limit_groups,
    xmr_lines,
)
from caresignal.stats._spc_results import AttributeChart
from caresignal.stats._spc_rules import ChartLines, RuleSettings, apply_rules, assurance_icon

__all__ = [
    "ChartOptions",
    "attribute_chart",
    "chart_fields",
    "scaled_attribute_lines",
    "xmr_chart_lines",
]


@dataclass(frozen=True, slots=True)
class ChartOptions:
    """The options every control chart shares, stored as given (validated where used)."""

    improvement: str = "neutral"
    rebase_at: Any = ()
    baseline_points: int | None = None
    exclude: Any = ()
    screen_outliers: bool = False
    trend_points: int = 7
    shift_points: int = 7
    two_in_three: str = "current"
    target: float | None = None
    trial_points: int = 13

    def rules(self) -> RuleSettings:
        """The validated rule settings."""
        return RuleSettings(
            self.improvement, self.trend_points, self.shift_points, self.two_in_three
        )

    def groups(self, n: int, minimum_basis: int) -> LimitGroups:
        """The validated limit groups of ``n`` points."""
        return limit_groups(
            n,
            rebase_at=self.rebase_at,
            baseline_points=self.baseline_points,
            exclude=self.exclude,
            trial_points=self.trial_points,
            minimum_basis=minimum_basis,
        )


def chart_fields(lines: ChartLines, groups: LimitGroups, options: ChartOptions) -> dict[str, Any]:
    """The :class:`ControlChart` fields, from the lines and the one rules engine."""
    settings = options.rules()
    target = None if options.target is None else check_finite_scalar("target", options.target)
    outcome = apply_rules(lines, settings)
    last_lpl, last_upl = float(lines.lpl[-1]), float(lines.upl[-1])
    return {
        "values": readonly(lines.values),
        "centre": readonly(lines.centre),
        "lpl": readonly(lines.lpl),
        "upl": readonly(lines.upl),
        "near_lpl": readonly(lines.near_lpl),
        "near_upl": readonly(lines.near_upl),
        "group": readonly(lines.group),
        "excluded": readonly(~lines.included),
        "trial_limits": readonly(groups.trial),
        "rule": outcome.rule,
        "point_type": outcome.point_type,
        "variation": outcome.variation,
        "assurance": assurance_icon(target, last_lpl, last_upl, settings.improvement),
        "improvement": settings.improvement,
    }


def attribute_chart(
    chart: str,
    count: FloatArray,
    size: FloatArray,
    *,
    binomial: bool,
    multiplier: float,
    options: ChartOptions,
) -> AttributeChart:
    """Build a p/p′ (``binomial``) or u/u′/c chart from counts and sizes."""
    options.rules()  # check the rule options before any arithmetic
    laney = chart.endswith("_prime")
    lines, groups, spread = scaled_attribute_lines(
        count, size, binomial=binomial, laney=laney, multiplier=multiplier, options=options
    )
    return AttributeChart(
        **chart_fields(lines, groups, options),
        chart=chart,
        sigma=readonly(spread.sigma * check_positive("multiplier", multiplier)),
        sigma_z=readonly(spread.sigma_z),
    )


def xmr_chart_lines(
    values: FloatArray, *, options: ChartOptions, limit_factor: float
) -> tuple[ChartLines, LimitGroups, FloatArray]:
    """The lines of an XmR chart of ``values``, its limit groups and the MR̄ behind each point:
    what the rules read, without applying them."""
    groups = options.groups(len(values), minimum_basis=2)
    lines, mr_bar = xmr_lines(
        values, groups, screen=bool(options.screen_outliers), limit_factor=limit_factor
    )
    return lines, groups, mr_bar


def scaled_attribute_lines(
    count: FloatArray,
    size: FloatArray,
    *,
    binomial: bool,
    laney: bool,
    multiplier: float,
    options: ChartOptions,
) -> tuple[ChartLines, LimitGroups, AttributeSpread]:
    """The lines of a p/p′ (``binomial``) or u/u′/c chart, times ``multiplier``, its limit
    groups and its (unscaled) spread: what the rules read, without applying them."""
    scale = check_positive("multiplier", multiplier)
    groups = options.groups(len(count), minimum_basis=2 if laney else 1)
    lines, spread = attribute_lines(
        count, size, groups, binomial=binomial, laney=laney, screen=bool(options.screen_outliers)
    )
    names = ("values", "centre", "lpl", "upl", "near_lpl", "near_upl")
    lines = replace(lines, **{name: getattr(lines, name) * scale for name in names})
    return lines, groups, spread
