"""A problem's charts for print: the charts of its unit and indicator that carry its findings,
and the monthly Making Data Count chart, as Vega-Lite specifications drawn to SVG by vl-convert
(docs/board-pack.md, docs/charts.md).

The specifications come from :mod:`caresignal.web.charts`: pure functions of the statistics'
results (numpy, vl-convert; nothing of the web app is imported with them), so the pack and the
signal page draw the same chart from one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from caresignal.domain.episodes import EpisodeFinding
from caresignal.monitor.unit_charts import (
    Chart,
    CusumChart,
    FunnelChart,
    SpcChart,
    UnitCharts,
    VladChart,
)
from caresignal.reports.model import ChartImage
from caresignal.web import charts

__all__ = ["MAX_CHARTS", "chart_images", "chosen", "for_print"]

#: At most this many charts on a problem's page: the pack is read on paper.
MAX_CHARTS = 3
#: The plotting area of a chart on an A4 page, in pixels (CSS px: 96 to the inch).
WIDTH = 560
HEIGHT = 170
INK = "#212B32"


def chosen(drawn: UnitCharts, findings: Sequence[EpisodeFinding]) -> list[Chart]:
    """The charts worth a board member's time: those carrying one of the findings, then the
    monthly chart, in the catalogue's order; at most :data:`MAX_CHARTS`."""
    picked = [c for c in drawn.charts if _mine(c, findings) or isinstance(c, SpcChart)]
    if not picked:
        picked = [c for c in drawn.charts if not isinstance(c, VladChart)]
    return picked[:MAX_CHARTS]


def _mine(chart: Chart, findings: Sequence[EpisodeFinding]) -> list[EpisodeFinding]:
    if isinstance(chart, CusumChart):
        return [f for f in findings if f.chart == chart.words]
    if isinstance(chart, VladChart):
        return []
    return [f for f in findings if f.method == chart.method.method]


def chart_images(drawn: UnitCharts, findings: Sequence[EpisodeFinding]) -> list[ChartImage]:
    """Each chosen chart drawn to SVG, with its title and text alternative."""
    images: list[ChartImage] = []
    for chart in chosen(drawn, findings):
        title, spec = _spec(drawn, chart)
        sentences = " ".join(dict.fromkeys(f.explanation for f in _mine(chart, findings)))
        svg = charts.to_svg(for_print(spec))
        images.append(ChartImage(title, f"{title}. {sentences}".strip(), svg))
    return images


def for_print(spec: charts.Spec) -> charts.Spec:
    """The specification without what only a pointer uses: hover labels, and the invisible
    marks that carry them (a layer drawn at opacity 0 except where a test holds keeps only
    those rows). A CUSUM of 2,000 steps then draws a few dozen marks instead of 2,000, and the
    PDF prints several times faster."""
    return {key: _printed(key, value) for key, value in spec.items()}


def _printed(key: str, value: Any) -> Any:
    if key == "layer" and isinstance(value, list):
        return [_printed_layer(layer) for layer in value]
    return value


def _printed_layer(layer: dict[str, Any]) -> dict[str, Any]:
    layer = for_print(layer)
    encoding = {k: v for k, v in layer.get("encoding", {}).items() if k != "tooltip"}
    if not encoding:
        return layer
    opacity = encoding.get("opacity")
    if isinstance(opacity, dict) and opacity.get("value") == 0 and "condition" in opacity:
        test = opacity["condition"].get("test")
        if isinstance(test, str):
            layer["transform"] = [*layer.get("transform", []), {"filter": test}]
    return {**layer, "encoding": encoding}


def _spec(drawn: UnitCharts, chart: Chart) -> tuple[str, charts.Spec]:
    """The chart's title and specification, sized for the page."""
    indicator = drawn.indicator
    if isinstance(chart, CusumChart):
        title = f"{indicator.title}, {drawn.unit}: {chart.words}"
        monthly = chart.method.method == "poisson_cusum"
        began: int | Literal["estimate"] = (
            "estimate" if chart.episode is None else int(chart.episode.began)
        )
        spec = charts.cusum_chart(
            chart.result, title=title, amber=chart.amber, red=chart.red, dates=chart.days,
            x_title="Month" if monthly else None, began=began, width=WIDTH, height=HEIGHT,
        )  # fmt: skip
        return title, spec
    if isinstance(chart, VladChart):
        title = f"{indicator.title}, {drawn.unit}: expected minus observed {indicator.events}"
        spec = charts.vlad_chart(
            chart.result, title=title, events=indicator.events, dates=chart.days, width=WIDTH,
            height=HEIGHT,
        )  # fmt: skip
        return title, spec
    if isinstance(chart, SpcChart):
        title = f"{indicator.title}, {drawn.unit}: month by month"
        target = chart.method.get("target")
        spec = charts.spc_chart(
            chart.result, title=title, y_title=_spc_axis(drawn, chart), dates=chart.periods,
            target=float(target) if isinstance(target, int | float) else None, width=WIDTH,
            height=HEIGHT,
        )  # fmt: skip
        return title, spec
    return _funnel(drawn, chart)


def _spc_axis(drawn: UnitCharts, chart: SpcChart) -> str:
    """The values' axis title, with the chart's units (per cent, or per 1,000)."""
    multiplier = chart.method.get("multiplier")
    scale = float(multiplier) if isinstance(multiplier, int | float) else 1.0
    title = drawn.indicator.title
    if scale == 100.0:
        return f"{title} (%)"
    if scale > 1.0 and " per " not in title:
        return f"{title} (per {scale:,g})"
    return title


def _funnel(drawn: UnitCharts, chart: FunnelChart) -> tuple[str, charts.Spec]:
    """Every unit's funnel with this unit ringed and named."""
    indicator = drawn.indicator
    title = f"{indicator.title}: every {indicator.level}, {chart.start:%B %Y} to {chart.end:%B %Y}"
    spec = charts.funnel_chart(
        chart.result, title=title, unadjusted=chart.unadjusted,
        unit=indicator.level.capitalize(), width=WIDTH, height=HEIGHT + 40,
    )  # fmt: skip
    marked = [row for row in spec["datasets"]["units"] if row["label"] == drawn.unit]
    spec["datasets"]["marked"] = marked
    where = {
        "x": {"field": "denominator", "type": "quantitative"},
        "y": {"field": "value", "type": "quantitative"},
    }
    ring = {"type": "point", "shape": "circle", "size": 220, "strokeWidth": 2.5, "color": INK}
    label = {"type": "text", "align": "left", "dx": 11, "dy": -11, "fontWeight": "bold",
             "color": INK}  # fmt: skip
    spec["layer"] += [
        {"data": {"name": "marked"}, "mark": {**ring, "filled": False}, "encoding": where},
        {"data": {"name": "marked"}, "mark": label,
         "encoding": {**where, "text": {"field": "label"}}},
    ]  # fmt: skip
    return title, spec
