"""The methods an indicator may run, their parameters, defaults and ranges.

Parameter names are those of the :mod:`caresignal.stats` functions where one exists
(``odds_ratio``, ``rate_ratio``, ``improvement``, ``target``, ``levels``, ``overdispersion``…);
``expected``, ``reset_after`` and ``window_months`` say how the monitor feeds those functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from caresignal.monitor import _catalogue_fields as f
from caresignal.monitor._catalogue_types import MethodSpec, ParameterValue

__all__ = ["CASE_METHODS", "METHODS", "Parameter", "read_method"]


@dataclass(frozen=True, slots=True)
class Parameter:
    """One method parameter: its default (``required`` when there is none), reader and meaning."""

    read: Callable[[Any, f.Where], ParameterValue]
    default: ParameterValue
    description: str
    required: bool = False


def _choice(*allowed: str) -> Callable[[Any, f.Where], ParameterValue]:
    return lambda value, where: f.text(value, where, allowed)


def _ratio(value: Any, where: f.Where) -> ParameterValue:
    ratio = f.number(value, where, above=0.0, maximum=100.0)
    if ratio == 1.0:
        raise where.error(value, "a ratio other than 1 (above 1 for worse, below 1 for better)")
    return ratio


def _positive(value: Any, where: f.Where) -> ParameterValue:
    return f.number(value, where, above=0.0)


def _target(value: Any, where: f.Where) -> ParameterValue:
    return f.number(value, where)


def _points(value: Any, where: f.Where) -> ParameterValue:
    return f.whole(value, where, minimum=5, maximum=15)


def _baseline_points(value: Any, where: f.Where) -> ParameterValue:
    return f.whole(value, where, minimum=12, maximum=1000)


def _levels(value: Any, where: f.Where) -> ParameterValue:
    if not isinstance(value, list) or not value:
        raise where.error(value, "a list of confidence levels such as [0.95, 0.998]")
    levels = tuple(f.number(v, where, above=0.5, below=1.0) for v in value)
    if list(levels) != sorted(set(levels)):
        raise where.error(value, "increasing levels, each once")
    return levels


_EXPECTED = "where the expected count comes from: the risk model or the reference rate"
_SPC: dict[str, Parameter] = {
    "improvement": Parameter(
        _choice("increase", "decrease", "neutral"),
        None,
        "which direction is better; by default the opposite of the indicator's `worse`",
    ),
    "target": Parameter(_target, None, "a target, in the chart's units, for the assurance icon"),
    "multiplier": Parameter(_positive, 1.0, "plot value × this (100 for a percentage)"),
    "trend_points": Parameter(_points, 7, "points in a trend (5–15)"),
    "shift_points": Parameter(_points, 7, "points in a shift (5–15)"),
    "two_in_three": Parameter(
        _choice("current", "legacy"), "current", "MDC's two-of-three rule, current or legacy"
    ),
    "baseline_points": Parameter(_baseline_points, None, "fix limits on the first n points"),
}
_ATTRIBUTE = {
    **_SPC,
    "laney": Parameter(f.flag, False, "Laney's p′/u′ for very large denominators"),
    "screen_outliers": Parameter(f.flag, False, "screen large moving ranges (Laney only)"),
}
_CUSUM = {
    "expected": Parameter(_choice("risk_model", "reference"), None, _EXPECTED, required=True),
    "reset_after": Parameter(
        _choice("red", "amber", "none"), "red", "restart the chart at 0 after this level"
    ),
    "signal_rule": Parameter(_choice(">=", ">"), ">=", "alarm when S reaches (>=) or passes h"),
}

#: Every method, its parameters in order, and what each means.
METHODS: Mapping[str, Mapping[str, Parameter]] = {
    "bernoulli_cusum": {
        "odds_ratio": Parameter(
            _ratio, None, "odds ratio to detect: 2 a doubling, 0.5 a halving", required=True
        ),
        **_CUSUM,
    },
    "poisson_cusum": {
        "rate_ratio": Parameter(_ratio, None, "rate ratio to detect", required=True),
        **_CUSUM,
        "expected": Parameter(
            _choice("risk_model", "reference", "provided"),
            None,
            _EXPECTED + ", or the `expected` column of the counts table (`provided`)",
            required=True,
        ),
    },
    "vlad": {
        "expected": Parameter(_choice("risk_model", "reference"), None, _EXPECTED, required=True),
    },
    "funnel": {
        "window_months": Parameter(
            lambda v, w: f.whole(v, w, minimum=1, maximum=120), 12, "months in each funnel"
        ),
        "kind": Parameter(
            _choice("ratio", "proportion"), "ratio", "observed/expected ratio, or a proportion"
        ),
        "expected": Parameter(
            _choice("risk_model", "reference"), None, _EXPECTED + " (for a ratio)"
        ),
        "levels": Parameter(_levels, (0.95, 0.998), "confidence levels of the limits"),
        "overdispersion": Parameter(
            _choice("additive", "multiplicative", "none"), "additive", "over-dispersion method"
        ),
        "limit_method": Parameter(
            _choice("SHMI", "CQC", "exact"), "SHMI", "limits and z-scores (stats.funnel's method)"
        ),
        "trim": Parameter(
            lambda v, w: f.number(v, w, minimum=0.0, below=0.5), 0.1, "share trimmed each tail"
        ),
    },
    "xmr": {
        **_SPC,
        "screen_outliers": Parameter(f.flag, True, "screen large moving ranges (NHSRplotthedots)"),
    },
    "p_chart": _ATTRIBUTE,
    "u_chart": _ATTRIBUTE,
}

#: Methods that run case by case and so need a case table and an outcome.
CASE_METHODS = ("bernoulli_cusum", "vlad")


def read_method(entry: Any, where: f.Where) -> MethodSpec:
    """Read one ``[[indicator.methods]]`` table into a :class:`MethodSpec`, defaults filled in."""
    entry = f.table(entry, where)
    name = f.text(f.required(entry, "method", where), where.at("method"), METHODS)
    parameters = METHODS[name]
    f.check_keys(entry, ("method", *parameters), where)
    values: list[tuple[str, ParameterValue]] = []
    for key, parameter in parameters.items():
        if key in entry:
            values.append((key, parameter.read(entry[key], where.at(key))))
        elif parameter.required:
            raise where.at(key).error(None, f"a value: {name} needs {parameter.description}")
        else:
            values.append((key, parameter.default))
    return MethodSpec(name, tuple(values))
