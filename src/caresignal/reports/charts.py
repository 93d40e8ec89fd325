"""A problem's charts for print: the charts of its unit and indicator that carry its findings,
and the monthly Making Data Count chart, as Vega-Lite specifications drawn to SVG by vl-convert
(docs/board-pack.md, docs/charts.md).

The specifications come from :mod:`caresignal.web.charts`: pure functions of the statistics'
results (numpy, vl-convert; nothing of the web app is imported with them), so the pack and the
signal page draw the same chart from one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from caresignal.domain.episodes import EpisodeFinding
from caresignal.monitor.unit_charts import Chart, SpcChart, UnitCharts, VladChart
from caresignal.reports.model import ChartImage
from caresignal.web import charts
from caresignal.web.charts.unit import findings_on, unit_chart

__all__ = ["MAX_CHARTS", "chart_images", "chosen", "for_print"]

#: At most this many charts on a problem's page: the pack is read on paper.
MAX_CHARTS = 3
#: The plotting area of a chart on an A4 page, in pixels (CSS px: 96 to the inch).
WIDTH = 560
HEIGHT = 170


def chosen(drawn: UnitCharts, findings: Sequence[EpisodeFinding]) -> list[Chart]:
    """The charts worth a board member's time: those carrying one of the findings, then the
    monthly chart, in the catalogue's order; at most :data:`MAX_CHARTS`."""
    picked = [c for c in drawn.charts if findings_on(c, findings) or isinstance(c, SpcChart)]
    if not picked:
        picked = [c for c in drawn.charts if not isinstance(c, VladChart)]
    return picked[:MAX_CHARTS]


def chart_images(drawn: UnitCharts, findings: Sequence[EpisodeFinding]) -> list[ChartImage]:
    """Each chosen chart drawn to SVG for the page, with its title and text alternative."""
    images: list[ChartImage] = []
    for chart in chosen(drawn, findings):
        made = unit_chart(drawn, chart, findings, size=(WIDTH, HEIGHT))
        images.append(ChartImage(made.title, made.description, charts.to_svg(for_print(made.spec))))
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
