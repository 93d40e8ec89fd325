"""Funnel plots as Vega-Lite specifications.

Every unit is drawn the same neutral colour: a funnel plot compares units with chance, and
colouring them red, amber and green would pass a verdict the statistics do not (the argument of
FunnelPlotR and Spiegelhalter 2005). Units outside the outermost limits are marked by shape (a
triangle pointing up above the limits, down below them) and named beside the point; every unit
is named in its hover label.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from caresignal.stats.funnel import FunnelResult
from caresignal.web.charts._spec import GREY, INK, ONE_ROW, Spec, chart, number

__all__ = ["LIMIT_COLOURS", "funnel_chart"]

#: The limit lines' colours: dark grey for the limits judged against, light blue for the exact
#: (unadjusted) ones drawn beside them. Neither carries a verdict; dashes tell the levels apart.
LIMIT_COLOURS = {"adjusted": GREY, "unadjusted": "#41B6E6"}

_POINT = "#005EB8"
_OUTLIER_SHAPES = {
    "Within the limits": "circle",
    "Above the limits": "triangle-up",
    "Below the limits": "triangle-down",
}


def funnel_chart(
    result: FunnelResult,
    *,
    title: str,
    unadjusted: FunnelResult | None = None,
    y_title: str | None = None,
    x_title: str | None = None,
    unit: str = "Unit",
    width: int = 640,
    height: int = 400,
) -> Spec:
    """A funnel plot of ``result`` as a Vega-Lite specification.

    Parameters
    ----------
    result : FunnelResult
        From :func:`caresignal.stats.funnel.funnel`: the limits units are judged against.
    title : str
        What is compared, over what period: "Length of stay, 54 providers, 1991".
    unadjusted : FunnelResult, optional
        The same units' funnel without over-dispersion (``overdispersion=None``), to draw its
        exact limits beside ``result``'s over-dispersed ones. Ignored when ``result``'s limits
        are not adjusted (they are then the exact limits already).
    y_title, x_title : str, optional
        Default to "Observed ÷ expected" and "Expected" for ratios, "Proportion" and "Cases"
        for proportions.
    unit : str
        What a point is ("Provider", "Site"), in the hover labels.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    dict
        A Vega-Lite v6 specification. Dataset ``units`` has one row per unit (``label``,
        ``numerator``, ``denominator``, ``value``, ``z``, ``lower``/``upper`` at the outermost
        level, ``outlier``); ``limits`` has the limit curves in long form (``denominator``,
        ``limit``, ``side``, ``level``, ``set`` and the legend text ``line``).

    Raises
    ------
    ValueError
        If ``unadjusted`` is over-dispersed itself, or is not the same units (kind, counts).

    Examples
    --------
    >>> from caresignal.stats.funnel import funnel
    >>> result = funnel([5, 12, 30, 60], [10.0, 11.0, 25.0, 48.0], overdispersion=None)
    >>> spec = funnel_chart(result, title="Deaths")
    >>> [row["value"] for row in spec["datasets"]["units"]]
    [0.5, 1.0909090909090908, 1.2, 1.25]
    >>> sorted({row["line"] for row in spec["datasets"]["limits"]})
    ['95 % limits', '99.8 % limits']
    """
    sets = [("adjusted", result)]
    if unadjusted is not None and result.adjusted:
        _check_unadjusted(result, unadjusted)
        sets.append(("unadjusted", unadjusted))
    ratio = result.kind == "ratio"
    y_title = y_title or ("Observed ÷ expected" if ratio else "Proportion")
    x_title = x_title or ("Expected" if ratio else "Cases")
    units = _unit_rows(result, unit)
    limits = [row for name, each in sets for row in _limit_rows(each, name, result.adjusted)]
    lines = list(dict.fromkeys(row["line"] for row in limits))
    return chart(
        title=title,
        subtitle=_subtitle(result, unit),
        description=(
            f"{title}. A funnel plot of {len(units)} units; "
            f"{sum(o is not None for o in result.outlier)} outside the outermost limits."
        ),
        width=width,
        height=height,
        datasets={"units": units, "limits": limits},
        layer=[
            _target_layer(result),
            _limit_layer(x_title, y_title, lines),
            _unit_layer(x_title, y_title, unit, result),
            _outlier_labels(),
        ],
        meta={
            "chart": "funnel",
            "kind": result.kind,
            "method": result.method,
            "overdispersion": result.overdispersion,
            "adjusted": result.adjusted,
            "phi": number(result.phi),
            "tau2": number(result.tau2),
            "levels": list(result.levels),
            "target": number(result.target),
        },
    )


def _check_unadjusted(result: FunnelResult, unadjusted: FunnelResult) -> None:
    if unadjusted.adjusted:
        raise ValueError(
            "unadjusted must be a funnel without over-dispersion (overdispersion=None)"
        )
    same = (
        unadjusted.kind == result.kind
        and unadjusted.levels == result.levels
        and np.array_equal(unadjusted.numerator, result.numerator)
        and np.array_equal(unadjusted.denominator, result.denominator)
    )
    if not same:
        raise ValueError("unadjusted must be the same units (kind, levels, counts) as result")


def _percent(level: float) -> str:
    """95 % or 99.8 %: the level as people say it.

    >>> _percent(0.95), _percent(0.998)
    ('95 %', '99.8 %')
    """
    return f"{level * 100:.10g} %"


def _unit_rows(result: FunnelResult, unit: str) -> list[dict[str, Any]]:
    outer = result.levels[-1]
    labels = result.labels or tuple(f"{unit} {i + 1}" for i in range(result.value.size))
    words = {None: "Within the limits", "high": "Above the limits", "low": "Below the limits"}
    return [
        {
            "label": labels[i],
            "numerator": number(result.numerator[i]),
            "denominator": number(result.denominator[i]),
            "value": number(result.value[i]),
            "z": number(result.z[i]),
            "lower": number(result.lower[outer][i]),
            "upper": number(result.upper[outer][i]),
            "outlier": result.outlier[i],
            "outlier_text": words[result.outlier[i]],
            "name": labels[i] if result.outlier[i] is not None else "",
        }
        for i in range(result.value.size)
    ]


def _limit_rows(result: FunnelResult, name: str, adjusted: bool) -> list[dict[str, Any]]:
    """The limit curves in long form: one row per grid size, level and side."""
    suffix = ""
    if adjusted:
        suffix = " (allowing for over-dispersion)" if name == "adjusted" else " (exact)"
    rows: list[dict[str, Any]] = []
    for level in result.levels:
        line = f"{_percent(level)} limits{suffix}"
        for side, curve in (
            ("lower", result.curves.lower[level]),
            ("upper", result.curves.upper[level]),
        ):
            rows.extend(
                {
                    "denominator": number(size),
                    "limit": number(limit),
                    "side": side,
                    "level": level,
                    "set": name,
                    "line": line,
                }
                for size, limit in zip(result.curves.denominator, curve, strict=True)
            )
    return rows


def _limit_layer(x_title: str, y_title: str, lines: list[str]) -> dict[str, Any]:
    colours, dashes = [], []
    for line in lines:
        colours.append(LIMIT_COLOURS["unadjusted" if line.endswith("(exact)") else "adjusted"])
        dashes.append([6, 4] if line.startswith("95 ") else [])
    return {
        "data": {"name": "limits"},
        "mark": {"type": "line", "strokeWidth": 1.5},
        "encoding": {
            "x": {"field": "denominator", "type": "quantitative", "title": x_title},
            "y": {"field": "limit", "type": "quantitative", "title": y_title},
            "detail": {"field": "side"},
            "color": {
                "field": "line",
                "type": "nominal",
                "title": "Limits",
                "scale": {"domain": lines, "range": colours},
                "legend": {"direction": "vertical", "labelLimit": 0, "symbolStrokeWidth": 2},
            },
            "strokeDash": {
                "field": "line",
                "type": "nominal",
                "title": "Limits",
                "scale": {"domain": lines, "range": dashes},
            },
        },
    }


def _unit_layer(x_title: str, y_title: str, unit: str, result: FunnelResult) -> dict[str, Any]:
    ratio = result.kind == "ratio"
    outer = _percent(result.levels[-1])
    fmt = ",.3~f"
    return {
        "data": {"name": "units"},
        "mark": {"type": "point", "filled": True, "size": 55, "color": _POINT, "opacity": 0.85},
        "encoding": {
            "x": {"field": "denominator", "type": "quantitative", "title": x_title},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "shape": {
                "field": "outlier_text",
                "type": "nominal",
                "title": f"Against the {outer} limits",
                "scale": {"domain": list(_OUTLIER_SHAPES), "range": list(_OUTLIER_SHAPES.values())},
            },
            "tooltip": [
                {"field": "label", "type": "nominal", "title": unit},
                {
                    "field": "numerator",
                    "type": "quantitative",
                    "title": "Observed",
                    "format": ",.4~r",
                },
                {
                    "field": "denominator",
                    "type": "quantitative",
                    "title": "Expected" if ratio else "Cases",
                    "format": ",.4~r",
                },
                {"field": "value", "type": "quantitative", "title": y_title, "format": fmt},
                {
                    "field": "lower",
                    "type": "quantitative",
                    "title": f"Lower {outer} limit",
                    "format": fmt,
                },
                {
                    "field": "upper",
                    "type": "quantitative",
                    "title": f"Upper {outer} limit",
                    "format": fmt,
                },
                {"field": "outlier_text", "type": "nominal", "title": "Result"},
            ],
        },
    }


def _outlier_labels() -> dict[str, Any]:
    return {
        "data": {"name": "units"},
        "transform": [{"filter": "datum.name != ''"}],
        "mark": {"type": "text", "align": "left", "dx": 7, "fontSize": 11, "color": INK},
        "encoding": {
            "x": {"field": "denominator", "type": "quantitative"},
            "y": {"field": "value", "type": "quantitative"},
            "text": {"field": "name"},
        },
    }


def _target_layer(result: FunnelResult) -> dict[str, Any]:
    return {
        "data": ONE_ROW,
        "mark": {"type": "rule", "color": INK, "strokeWidth": 1},
        "encoding": {"y": {"datum": number(result.target), "type": "quantitative"}},
    }


def _subtitle(result: FunnelResult, unit: str) -> list[str]:
    outliers = sum(o is not None for o in result.outlier)
    target = (
        "Centre line: observed equals expected (1)"
        if result.kind == "ratio" and result.target == 1
        else f"Centre line: {result.target:.3g}"
    )
    if result.method == "exact":
        spread = "Exact limits: units are assumed to vary by chance alone"
    elif result.adjusted:
        spread = (
            f"Units vary more than chance explains (dispersion ratio {result.phi:.2f}), "
            "so the limits are widened to allow for it"
        )
    else:
        spread = (
            f"Units vary about as much as chance explains (dispersion ratio {result.phi:.2f}); "
            "the limits are exact"
        )
    count = f"{outliers} {unit.lower()}{'s' if outliers != 1 else ''} outside the " + (
        f"{_percent(result.levels[-1])} limits"
    )
    return [target, spread, count]
