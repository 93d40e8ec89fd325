"""CUSUM and VLAD charts as Vega-Lite specifications.

The CUSUM chart shows the evidence of a change after each case or period, the amber and red
thresholds (MOSS's level 1 and level 2), the signals after which the chart restarted from zero,
and where the change that led to the latest signal began. The VLAD beside it shows the size of
the difference: the events avoided (or, when it falls, the extra events) compared with what the
risk model predicted.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from caresignal.stats.cusum import CusumResult, VladResult
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
    thin,
    x_encoding,
    x_tooltip,
)

__all__ = ["AMBER", "RED", "change_began", "cusum_chart", "vlad_chart"]

#: The threshold colours (NHS warm yellow and NHS red), told apart by dash and label as well.
AMBER = "#FFB81C"
RED = "#D5281B"

_LINE = "#005EB8"
_RESET_COLOUR = INK


def cusum_chart(
    result: CusumResult,
    *,
    title: str,
    amber: float | None = None,
    red: float | None = None,
    dates: Any = None,
    x_title: str | None = None,
    began: int | Literal["estimate"] | None = "estimate",
    width: int = 640,
    height: int = 320,
) -> Spec:
    """A CUSUM chart of ``result`` as a Vega-Lite specification.

    Parameters
    ----------
    result : CusumResult
        A chart from :func:`caresignal.stats.cusum.bernoulli` or
        :func:`caresignal.stats.cusum.poisson`.
    title : str
        What is watched, where: "Term stillbirths and neonatal deaths, Site A".
    amber, red : float, optional
        The thresholds (``0 < amber <= red``). ``red`` defaults to the chart's own ``h``; without
        ``amber`` only the red line is drawn. An infinite threshold is not drawn.
    dates : array-like of dates, optional
        One date per case or period; without dates the x axis counts cases.
    x_title : str, optional
        Defaults to "Date" with dates and "Case number" without.
    began : int, "estimate" or None
        Where to mark the start of the change (0-based position). ``"estimate"`` (default): the
        first step of the latest climb from zero that reached the lowest threshold drawn
        (:func:`change_began`), the usual CUSUM estimate of when a change began; ``None``: no
        marker.
    width, height : int
        Size of the plotting area in pixels.

    Returns
    -------
    dict
        A Vega-Lite v6 specification. Dataset ``steps`` has one row per case or period (thinned
        to about 2,000 rows for a longer series, keeping every signal and reset: :func:`thin`):
        ``position``, ``date``, ``statistic``, ``weight``, ``signal`` and ``reset`` (a signal
        after which the chart restarted from zero); ``thresholds`` has the drawn lines
        (``level``, ``h``, ``text``); ``began`` the change-start marker, if any.

    Notes
    -----
    An improvement chart (odds ratio below 1) is drawn upwards like a deterioration chart: its
    statistic is the evidence of improvement, and the axis title says so.

    Examples
    --------
    >>> from caresignal.stats.cusum import bernoulli
    >>> result = bernoulli([0, 1, 1, 0, 1, 1, 0, 0], 0.1, h=2.0)
    >>> spec = cusum_chart(result, title="Deaths", amber=1.5)
    >>> [(row["level"], row["h"]) for row in spec["datasets"]["thresholds"]]
    [('amber', 1.5), ('red', 2.0)]
    >>> [row["position"] for row in spec["datasets"]["steps"] if row["reset"]]
    [6]
    >>> spec["datasets"]["began"]
    [{'position': 2, 'text': 'Change began'}]
    """
    length = int(result.statistic.size)
    red_h = float(result.h) if red is None else float(red)
    thresholds = _thresholds(amber, red_h)
    rows = _step_rows(result, steps(length, dates))
    start = _began(result, began, thresholds)
    x = x_encoding(dates, x_title or ("Date" if dates is not None else "Case number"))
    y_title = (
        "Evidence of a rise (CUSUM)"
        if result.direction == "deterioration"
        else "Evidence of an improvement (CUSUM)"
    )
    began_rows = [] if start is None else [{**_where(rows[start]), "text": "Change began"}]
    marked = [i for i, row in enumerate(rows) if row["signal"] or row["reset"]]
    rows = thin(rows, "statistic", keep=[*marked, *([] if start is None else [start])])
    layer = [
        *_threshold_layers(thresholds),
        {
            "data": data("steps"),
            "mark": {"type": "line", "color": _LINE, "strokeWidth": 1.5},
            "encoding": {"x": x, "y": {"field": "statistic", "type": "quantitative"}},
        },
        _reset_layer(x, dates, y_title),
        *_began_layers(x, bool(began_rows)),
        label_layer("threshold_labels", x),
    ]
    return chart(
        title=title,
        subtitle=_cusum_subtitle(result, thresholds, rows),
        description=f"{title}. A CUSUM chart of {length} steps with {result.signals.size} signals.",
        width=width,
        height=height,
        datasets={
            "steps": rows,
            "thresholds": thresholds,
            "threshold_labels": [
                {**_where(rows[-1]), "y": t["h"], "text": t["text"]} for t in thresholds if rows
            ],
            "began": began_rows,
        },
        layer=layer,
        meta={
            "chart": "cusum",
            "direction": result.direction,
            "signal_rule": result.signal_rule,
            "reset": result.reset,
            "signals": result.signals.tolist(),
            "began": start,
        },
    )


def change_began(result: CusumResult, threshold: float) -> int | None:
    """Where the change behind the latest climb to ``threshold`` began (0-based), or None.

    The climb is the run of steps since the statistic last stood at zero (or since the chart
    last restarted after a signal); the change is estimated to have begun at its first step, the
    usual CUSUM estimate of a change point. None when no climb reached the threshold.

    Examples
    --------
    >>> from caresignal.stats.cusum import bernoulli
    >>> change_began(bernoulli([0, 0, 1, 1, 1, 0], 0.1, h=float("inf")), 1.5)
    2
    """
    statistic = np.asarray(result.statistic)
    over = statistic >= threshold if result.signal_rule == ">=" else statistic > threshold
    crossings = np.flatnonzero(over)
    if crossings.size == 0:
        return None
    last = int(crossings[-1])
    starts = np.zeros(statistic.size, dtype=bool)
    starts[0] = True
    starts[1:] = statistic[:-1] <= 0.0
    if result.reset:
        restarted = result.signals[result.signals + 1 < statistic.size] + 1
        starts[restarted] = True
    return int(np.flatnonzero(starts[: last + 1])[-1])


def vlad_chart(
    result: VladResult,
    *,
    title: str,
    events: str = "events",
    dates: Any = None,
    x_title: str | None = None,
    width: int = 640,
    height: int = 320,
) -> Spec:
    """A variable life-adjusted display (VLAD) of ``result`` as a Vega-Lite specification.

    Parameters
    ----------
    result : VladResult
        From :func:`caresignal.stats.cusum.vlad`.
    title : str
        What is watched, where.
    events : str
        The plural noun for the events, in the axis title and tooltips: "deaths".
    dates, x_title, width, height
        As for :func:`cusum_chart`.

    Returns
    -------
    dict
        A Vega-Lite v6 specification. Dataset ``steps`` has one row per case (thinned to about
        2,000 rows for a longer series): ``position``,
        ``date``, ``expected`` and ``observed`` (cumulative) and ``statistic`` (expected −
        observed).

    Examples
    --------
    >>> from caresignal.stats.cusum import vlad
    >>> spec = vlad_chart(vlad([0, 1, 0], [0.1, 0.2, 0.3]), title="Deaths", events="deaths")
    >>> [row["statistic"] for row in spec["datasets"]["steps"]]
    [0.1, -0.7, -0.4]
    """
    length = int(result.statistic.size)
    rows = steps(length, dates)
    for i, row in enumerate(rows):
        row.update(
            expected=number(result.expected[i]),
            observed=number(result.observed[i]),
            statistic=number(result.statistic[i]),
        )
    x = x_encoding(dates, x_title or ("Date" if dates is not None else "Case number"))
    y_title = f"{events.capitalize()} avoided (expected − observed)"
    tooltip = [
        x_tooltip(dates, x["title"]),
        {
            "field": "expected",
            "type": "quantitative",
            "title": f"Expected {events} so far",
            "format": ",.1f",
        },
        {
            "field": "observed",
            "type": "quantitative",
            "title": f"Observed {events} so far",
            "format": ",.0f",
        },
        {
            "field": "statistic",
            "type": "quantitative",
            "title": "Expected − observed",
            "format": "+,.1f",
        },
    ]
    final = rows[-1]["statistic"] if rows else None
    rows = thin(rows, "statistic")
    return chart(
        title=title,
        subtitle=[_vlad_words(final, events)],
        description=f"{title}. A variable life-adjusted display of {length} cases.",
        width=width,
        height=height,
        datasets={"steps": rows},
        layer=[
            {
                "data": ONE_ROW,
                "mark": {"type": "rule", "color": GREY, "strokeDash": [4, 3]},
                "encoding": {"y": {"datum": 0, "type": "quantitative"}},
            },
            {
                "data": data("steps"),
                "mark": {"type": "line", "color": _LINE, "strokeWidth": 1.5, "point": False},
                "encoding": {
                    "x": x,
                    "y": {"field": "statistic", "type": "quantitative", "title": y_title},
                    "tooltip": tooltip,
                },
            },
        ],
        meta={"chart": "vlad", "events": events, "final": final},
    )


def _thresholds(amber: float | None, red: float) -> list[dict[str, Any]]:
    """The threshold lines to draw, lowest first; infinite ones are left out."""
    if amber is not None and not 0 < amber <= red:
        raise ValueError(f"amber must be > 0 and <= red ({red}), not {amber}")
    drawn = [("amber", amber, "Amber threshold"), ("red", red, "Red threshold")]
    return [
        {"level": level, "h": float(h), "text": f"{text} ({float(h):.2f})"}
        for level, h, text in drawn
        if h is not None and np.isfinite(h)
    ]


def _step_rows(result: CusumResult, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    signals = set(result.signals.tolist())
    length = len(rows)
    for i, row in enumerate(rows):
        row.update(
            statistic=number(result.statistic[i]),
            weight=number(result.weights[i]),
            signal=i in signals,
            reset=result.reset and i in signals and i + 1 < length,
        )
    return rows


def _began(
    result: CusumResult, began: int | Literal["estimate"] | None, thresholds: list[dict[str, Any]]
) -> int | None:
    if began is None:
        return None
    if began == "estimate":
        return change_began(result, thresholds[0]["h"]) if thresholds else None
    if isinstance(began, bool) or not isinstance(began, int | np.integer):
        raise TypeError(f"began must be a position, 'estimate' or None, not {began!r}")
    if not 0 <= began < result.statistic.size:
        raise ValueError(f"began must be a position from 0 to {result.statistic.size - 1}")
    return int(began)


def _where(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in ("position", "date") if key in row}


def _threshold_layers(thresholds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    style = {"amber": (AMBER, [8, 4]), "red": (RED, [])}
    return [
        {
            "data": ONE_ROW,
            "mark": {
                "type": "rule",
                "color": style[t["level"]][0],
                "strokeDash": style[t["level"]][1],
                "strokeWidth": 2,
            },
            "encoding": {"y": {"datum": t["h"], "type": "quantitative"}},
        }
        for t in thresholds
    ]


def _reset_layer(x: dict[str, Any], dates: Any, y_title: str) -> dict[str, Any]:
    """Every step, invisible except the signals after which the chart restarted; all hoverable."""
    return {
        "data": data("steps"),
        "transform": [
            {"calculate": "datum.reset ? 'Signal, then restarted from zero' : ''", "as": "mark"}
        ],
        "mark": {"type": "point", "shape": "cross", "size": 90, "filled": True},
        "encoding": {
            "x": x,
            "y": {"field": "statistic", "type": "quantitative", "title": y_title},
            "color": {"value": _RESET_COLOUR},
            "opacity": {"condition": {"test": "datum.reset", "value": 1}, "value": 0},
            "tooltip": [
                x_tooltip(dates, x["title"]),
                {"field": "statistic", "type": "quantitative", "title": "CUSUM", "format": ".2f"},
                {"field": "weight", "type": "quantitative", "title": "This step", "format": "+.3f"},
                {"field": "mark", "type": "nominal", "title": "Note"},
            ],
        },
    }


def _began_layers(x: dict[str, Any], shown: bool) -> list[dict[str, Any]]:
    if not shown:
        return []
    source = data("began")
    return [
        {
            "data": source,
            "mark": {"type": "rule", "color": INK, "strokeDash": [2, 2]},
            "encoding": {"x": x},
        },
        {
            "data": source,
            "mark": {
                "type": "text",
                "align": "right",
                "baseline": "top",
                "dx": -4,
                "y": 4,
                "color": INK,
                "fontSize": 11,
            },
            "encoding": {"x": x, "text": {"field": "text"}},
        },
    ]


def _cusum_subtitle(
    result: CusumResult, thresholds: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> list[str]:
    resets = sum(1 for row in rows if row["reset"])
    words = [f"{result.signals.size} signal{'s' if result.signals.size != 1 else ''}"]
    if resets:
        words.append(f"restarted from zero after {resets}")
    if result.direction == "improvement":
        words.append("the chart looks for an improvement")
    lines = ["; ".join(words)]
    if not thresholds:
        lines.append("No threshold: the chart is drawn without signals")
    return lines


def _vlad_words(final: float | None, events: str) -> str:
    if final is None:
        return "No cases yet"
    if final >= 0:
        return f"So far {final:,.1f} fewer {events} than predicted"
    return f"So far {-final:,.1f} more {events} than predicted"
