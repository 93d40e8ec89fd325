"""Making Data Count SPC charts (XmR, p, u, c, p′, u′) as Vega-Lite specifications.

The chart draws exactly what :mod:`caresignal.stats.spc` computed: the values, the centre line,
the process limits, the "near the limits" zone between the 2σ and 3σ lines, and each point
coloured by what its rule means (Making Data Count's colours: grey for common cause, blue for
improvement, orange for concern, purple where neither direction is better), with a different
shape for each so that the meaning never depends on colour alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from caresignal.stats.spc import ControlChart, XmRChart
from caresignal.web.charts._spec import (
    GREY,
    INK,
    ONE_ROW,
    Spec,
    chart,
    data,
    label_layer,
    number,
    steps,
    x_encoding,
    x_tooltip,
)

__all__ = [
    "ASSURANCE_TEXT",
    "POINT_COLOURS",
    "POINT_SHAPES",
    "POINT_TEXT",
    "RULE_TEXT",
    "VARIATION_TEXT",
    "spc_chart",
]

#: The Making Data Count colour of each point type (the NHSRplotthedots palette).
POINT_COLOURS = {
    "common_cause": "#7B7D7D",
    "special_cause_improvement": "#289DE0",
    "special_cause_concern": "#FAB428",
    "special_cause_neither": "#361475",
}

#: A shape per point type, so that the meaning does not rest on colour alone.
POINT_SHAPES = {
    "common_cause": "circle",
    "special_cause_improvement": "square",
    "special_cause_concern": "diamond",
    "special_cause_neither": "triangle-up",
}

#: The legend's words for each point type.
POINT_TEXT = {
    "common_cause": "Common cause (no signal)",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neither": "Special cause: neither better nor worse",
}

#: What each Making Data Count rule means, in the tooltip.
RULE_TEXT = {
    "outside_limits": "A point outside the process limits",
    "trend": "A trend: points rising or falling in a row",
    "two_in_three": "Two of three points near a process limit",
    "shift": "A shift: a run of points on one side of the mean",
}

#: The Making Data Count variation icons, in words.
VARIATION_TEXT = {
    "common_cause": "Common cause variation: no sign of a change",
    "special_cause_improvement_high": "Special cause variation: improvement (higher values)",
    "special_cause_improvement_low": "Special cause variation: improvement (lower values)",
    "special_cause_concern_high": "Special cause variation: concern (higher values)",
    "special_cause_concern_low": "Special cause variation: concern (lower values)",
    "special_cause_neither_high": "Special cause variation: higher (neither better nor worse)",
    "special_cause_neither_low": "Special cause variation: lower (neither better nor worse)",
}

#: The Making Data Count assurance icons, in words.
ASSURANCE_TEXT = {
    "consistently_pass": "Assurance: the target will be met consistently",
    "consistently_fail": "Assurance: the target will be missed consistently unless things change",
    "hit_or_miss": "Assurance: the target will sometimes be met and sometimes missed",
}

_NEAR_ZONE = "#E8EDEE"
_VALUE_LINE = "#AEB7BD"
#: Pixels between two line names, below which the later one is left out.
_LABEL_GAP = 13


def spc_chart(
    result: ControlChart,
    *,
    title: str,
    y_title: str,
    dates: Any = None,
    x_title: str | None = None,
    target: float | None = None,
    number_format: str = ",.4~r",
    width: int = 640,
    height: int = 320,
) -> Spec:
    """A Making Data Count SPC chart of ``result`` as a Vega-Lite specification.

    Parameters
    ----------
    result : ControlChart
        An XmR, p, u, c, p′ or u′ chart from :mod:`caresignal.stats.spc`.
    title : str
        What is measured, where: "Patients seen within 4 hours, RXX type-1 A&E".
    y_title : str
        The values' axis title, with units: "Seen within 4 hours (%)".
    dates : array-like of dates, optional
        One date per point (the period each stands for); without dates the x axis counts points.
    x_title : str, optional
        Defaults to "Month" with dates and "Period" without.
    target : float, optional
        Drawn as a dotted line, in the units of the values (give the target the chart was
        computed with, so that the line and the assurance icon agree).
    number_format : str
        d3 format of the numbers in the tooltips.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    dict
        A Vega-Lite v6 specification, JSON-ready (missing numbers are None). Its datasets are
        ``points`` (one row per point: ``position``, ``date``, ``value``, ``centre``, ``lpl``,
        ``upl``, ``near_lpl``, ``near_upl``, ``group``, ``excluded``, ``trial_limits``, ``rule``,
        ``point_type`` and their words) and ``labels`` (the lines' names); ``usermeta.caresignal``
        holds the variation and assurance icon names and words.

    Examples
    --------
    >>> from caresignal.stats.spc import xmr
    >>> spec = spc_chart(xmr([5, 6, 5, 7, 6, 5, 6, 14]), title="Falls", y_title="Falls a month")
    >>> spec["title"]["subtitle"]  # doctest: +NORMALIZE_WHITESPACE
    ['Special cause variation: higher (neither better nor worse)',
     'Trial limits: too few points yet to rely on; read with caution']
    >>> [row["point_type"] for row in spec["datasets"]["points"]][-2:]
    ['common_cause', 'special_cause_neither']
    """
    length = int(result.values.size)
    rows = _point_rows(result, steps(length, dates))
    x = x_encoding(dates, x_title or ("Month" if dates is not None else "Period"))
    tooltip = _tooltip(dates, x["title"], y_title, number_format)
    present = [kind for kind in POINT_COLOURS if any(r["point_type"] == kind for r in rows)]
    layer = [
        *_limit_layers(x),
        _values_line(x),
        _points(x, y_title, tooltip, present),
        label_layer("labels", x),
    ]
    if target is not None:
        layer.insert(-1, _target_layer(target))
    return chart(
        title=title,
        subtitle=_subtitle(result),
        description=_description(result, title),
        width=width,
        height=height,
        datasets={"points": rows, "labels": _labels(result, rows, target, height)},
        layer=layer,
        meta={
            "chart": "spc",
            "kind": "xmr" if isinstance(result, XmRChart) else getattr(result, "chart", "spc"),
            "improvement": result.improvement,
            "variation": result.variation,
            "variation_text": VARIATION_TEXT.get(result.variation, result.variation),
            "assurance": result.assurance,
            "assurance_text": None
            if result.assurance is None
            else ASSURANCE_TEXT.get(result.assurance, result.assurance),
            "target": number(target),
        },
    )


def _point_rows(result: ControlChart, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chart's per-point numbers and flags, merged into the step rows."""
    for i, row in enumerate(rows):
        rule = result.rule[i]
        point_type = str(result.point_type[i])
        row.update(
            value=number(result.values[i]),
            centre=number(result.centre[i]),
            lpl=number(result.lpl[i]),
            upl=number(result.upl[i]),
            near_lpl=number(result.near_lpl[i]),
            near_upl=number(result.near_upl[i]),
            group=int(result.group[i]),
            excluded=bool(result.excluded[i]),
            trial_limits=bool(result.trial_limits[i]),
            rule=None if rule is None else str(rule),
            rule_text="None" if rule is None else RULE_TEXT.get(str(rule), str(rule)),
            point_type=point_type,
            point_text=POINT_TEXT.get(point_type, point_type),
            excluded_text="Yes" if result.excluded[i] else "No",
        )
    return rows


def _limit_layers(x: dict[str, Any]) -> list[dict[str, Any]]:
    """The near-the-limits zones, the process limits and the centre line, one run per group."""
    source = data("points")

    def zone(low: str, high: str) -> dict[str, Any]:
        return {
            "data": source,
            "mark": {"type": "area", "interpolate": "step", "color": _NEAR_ZONE},
            "encoding": {
                "x": x,
                "y": {"field": low, "type": "quantitative"},
                "y2": {"field": high},
                "detail": {"field": "group"},
            },
        }

    def line(field: str, dash: list[int]) -> dict[str, Any]:
        return {
            "data": source,
            "mark": {"type": "line", "interpolate": "step", "color": GREY, "strokeDash": dash},
            "encoding": {
                "x": x,
                "y": {"field": field, "type": "quantitative"},
                "detail": {"field": "group"},
            },
        }

    return [
        zone("near_upl", "upl"),
        zone("lpl", "near_lpl"),
        line("upl", [6, 4]),
        line("lpl", [6, 4]),
        line("centre", []),
    ]


def _values_line(x: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": data("points"),
        "mark": {"type": "line", "color": _VALUE_LINE, "strokeWidth": 1.5},
        "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}},
    }


def _points(
    x: dict[str, Any],
    y_title: str,
    tooltip: list[dict[str, Any]],
    present: list[str],
) -> dict[str, Any]:
    """The points, coloured and shaped by their Making Data Count type."""
    domain = [POINT_TEXT[kind] for kind in present]
    return {
        "data": data("points"),
        "mark": {"type": "point", "filled": True, "size": 60, "opacity": 1},
        "encoding": {
            "x": x,
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": y_title,
                "scale": {"zero": False},
            },
            "color": {
                "field": "point_text",
                "type": "nominal",
                "title": "Variation",
                "scale": {"domain": domain, "range": [POINT_COLOURS[k] for k in present]},
            },
            "shape": {
                "field": "point_text",
                "type": "nominal",
                "title": "Variation",
                "scale": {"domain": domain, "range": [POINT_SHAPES[k] for k in present]},
            },
            "tooltip": tooltip,
        },
    }


def _tooltip(dates: Any, x_title: str, y_title: str, fmt: str) -> list[dict[str, Any]]:
    def quantity(field: str, title: str) -> dict[str, Any]:
        return {"field": field, "type": "quantitative", "title": title, "format": fmt}

    return [
        x_tooltip(dates, x_title),
        quantity("value", y_title),
        {"field": "point_text", "type": "nominal", "title": "Variation"},
        {"field": "rule_text", "type": "nominal", "title": "Rule"},
        quantity("centre", "Centre line"),
        quantity("lpl", "Lower process limit"),
        quantity("upl", "Upper process limit"),
        {"field": "excluded_text", "type": "nominal", "title": "Left out of the limits"},
    ]


def _target_layer(target: float) -> dict[str, Any]:
    return {
        "data": ONE_ROW,
        "mark": {"type": "rule", "color": INK, "strokeDash": [2, 3], "strokeWidth": 1.5},
        "encoding": {"y": {"datum": number(target), "type": "quantitative"}},
    }


def _labels(
    result: ControlChart, rows: list[dict[str, Any]], target: float | None, height: int
) -> list[dict[str, Any]]:
    """Names for the lines beside the last point, leaving out any that would overlap another."""
    if not rows:
        return []
    last: dict[str, Any] = {key: rows[-1][key] for key in ("position", "date") if key in rows[-1]}
    centre = "Mean" if isinstance(result, XmRChart) else "Average"
    named = [(number(target), "Target")] if target is not None else []
    named += [
        (rows[-1]["upl"], "Upper process limit"),
        (rows[-1]["lpl"], "Lower process limit"),
        (rows[-1]["centre"], centre),
    ]
    heights = [
        v for row in rows for v in (row["value"], row["lpl"], row["upl"]) if v is not None
    ] + [y for y, _ in named if y is not None]
    span = (max(heights) - min(heights)) or 1.0
    kept: list[tuple[float, str]] = []
    for y, text in named:
        if y is not None and all(abs(y - k) / span * height >= _LABEL_GAP for k, _ in kept):
            kept.append((y, text))
    return [{**last, "y": y, "text": text} for y, text in kept]


def _subtitle(result: ControlChart) -> list[str]:
    lines = [VARIATION_TEXT.get(result.variation, result.variation)]
    if result.assurance is not None:
        lines.append(ASSURANCE_TEXT.get(result.assurance, result.assurance))
    if result.trial_limits.size and bool(result.trial_limits[-1]):
        lines.append("Trial limits: too few points yet to rely on; read with caution")
    return lines


def _description(result: ControlChart, title: str) -> str:
    flagged = int(np.count_nonzero(result.point_type != "common_cause"))
    return (
        f"{title}. A statistical process control chart of {result.values.size} points, "
        f"{flagged} of them special cause. "
        f"{VARIATION_TEXT.get(result.variation, result.variation)}."
    )
