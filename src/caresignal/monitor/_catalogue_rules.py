"""Checks that need the whole indicator: methods against the table, definition and models."""

from __future__ import annotations

import dataclasses

from caresignal.monitor import _catalogue_fields as f
from caresignal.monitor._catalogue_methods import CASE_METHODS
from caresignal.monitor._catalogue_types import CASE_TABLES, Indicator, MethodSpec

__all__ = ["check_indicator"]

_OPPOSITE = {"higher": "decrease", "lower": "increase"}


def check_indicator(indicator: Indicator, where: f.Where) -> Indicator:
    """Check the parts of ``indicator`` against each other; fill each chart's improvement."""
    _check_definition(indicator, where)
    methods = tuple(
        _check_method(indicator, spec, where.at(f"methods[{i}]"))
        for i, spec in enumerate(indicator.methods)
    )
    return dataclasses.replace(indicator, methods=methods)


def _check_definition(indicator: Indicator, where: f.Where) -> None:
    definition = indicator.definition
    where = where.at("definition")
    case_table = indicator.table in CASE_TABLES
    if case_table and definition.outcome is None and definition.numerator is None:
        raise where.at("outcome").error(None, f"an outcome: {indicator.table} has a row per case")
    if not case_table and definition.outcome is not None:
        raise where.at("outcome").error(
            definition.outcome, f"no case-level outcome: {indicator.table} has no row per case"
        )
    if indicator.table == "concerns" and indicator.period != "month":
        raise where.at("period").error(indicator.period, "month: concerns are counted by month")
    if indicator.table == "observations" and indicator.period != "month":
        raise where.at("period").error(
            indicator.period, "month: the ward care audit's measures are monthly"
        )
    if indicator.period == "case" and not case_table:
        raise where.at("period").error("case", f"month or week: {indicator.table} has no cases")
    if indicator.risk_model is not None and not case_table:
        raise where.at("risk_model").error(
            "a risk model",
            f"none: risk models are fitted on case tables ({', '.join(CASE_TABLES)})",
        )


def _check_method(indicator: Indicator, spec: MethodSpec, where: f.Where) -> MethodSpec:
    name = spec.method
    if name in CASE_METHODS and indicator.definition.outcome is None:
        raise where.at("method").error(name, "a method for period series: this has no outcome")
    if name not in CASE_METHODS and indicator.period == "case":
        raise where.at("method").error(name, "a case-level method: the period is case")
    _check_expected(indicator, spec, where)
    _check_denominator(indicator, spec, where)
    if "improvement" not in dict(spec.parameters):
        return spec
    better = _OPPOSITE[indicator.worse]
    improvement = spec.get("improvement")
    if improvement is None:
        parameters = tuple((k, better if k == "improvement" else v) for k, v in spec.parameters)
        return MethodSpec(name, parameters)
    if improvement != better:
        raise where.at("improvement").error(
            improvement, f"{better!r}, the opposite of worse = {indicator.worse!r}"
        )
    return spec


def _check_expected(indicator: Indicator, spec: MethodSpec, where: f.Where) -> None:
    expected = dict(spec.parameters).get("expected")
    if expected == "risk_model" and indicator.risk_model is None:
        raise where.at("expected").error(expected, "'reference', or add a [risk_model]")
    if expected == "reference" and indicator.reference is None:
        raise where.at("expected").error(expected, "'risk_model', or add a [reference]")
    if expected == "provided" and indicator.table != "counts":
        raise where.at("expected").error(expected, "a provided expected count: counts table only")
    if spec.method == "funnel" and spec.get("kind") == "ratio" and expected is None:
        raise where.at("expected").error(None, "risk_model or reference for a ratio funnel")


def _check_denominator(indicator: Indicator, spec: MethodSpec, where: f.Where) -> None:
    kind = indicator.definition.denominator_kind
    cases = spec.method == "p_chart" or (
        spec.method == "funnel" and spec.get("kind") == "proportion"
    )
    if cases and kind == "exposure":
        raise where.at("method").error(
            spec.method, "a method for rates (u_chart, poisson_cusum): the denominator is exposure"
        )
    if spec.method == "u_chart" and kind == "cases":
        raise where.at("method").error(
            spec.method, "a method for proportions (p_chart): the denominator counts cases"
        )
