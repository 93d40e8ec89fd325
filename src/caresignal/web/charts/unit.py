"""One unit's charts of one indicator, as :func:`caresignal.monitor.unit_charts.unit_charts`
computes them, turned into titled Vega-Lite specifications: the same chart on a signal's page,
an organisation's indicator page and the board pack (docs/charts.md).

Each :class:`UnitChartSpec` carries the chart's title and a text alternative: the title and the
sentences of the findings drawn on that chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from caresignal.domain.episodes import EpisodeFinding
from caresignal.monitor.unit_charts import (
    Chart,
    CusumChart,
    FunnelChart,
    SpcChart,
    UnitCharts,
    VladChart,
)
from caresignal.web.charts._spec import Spec
from caresignal.web.charts.cusum import cusum_chart, vlad_chart
from caresignal.web.charts.funnel import funnel_chart
from caresignal.web.charts.spc import spc_chart

__all__ = ["INK", "UnitChartSpec", "findings_on", "for_page", "marked", "unit_chart"]

#: The colour of the ring and name that mark a unit among the others in a funnel.
INK = "#212B32"
#: On a page, each chart fills the width of its column (its height stays as drawn).
_FILL = {"width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}


class _Size(TypedDict, total=False):
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class UnitChartSpec:
    """A chart ready to draw: the catalogue method it shows, its title, its text alternative
    and its Vega-Lite specification."""

    method: str
    title: str
    description: str
    spec: Spec

    def to_dict(self) -> dict[str, Any]:
        """For JSON: ``{"method", "title", "description", "spec"}``."""
        return {
            "method": self.method,
            "title": self.title,
            "description": self.description,
            "spec": self.spec,
        }


def findings_on(chart: Chart, findings: Sequence[EpisodeFinding]) -> list[EpisodeFinding]:
    """The findings that ``chart`` carries: a CUSUM's by its words, the others by method."""
    if isinstance(chart, CusumChart):
        return [f for f in findings if f.chart == chart.words]
    if isinstance(chart, VladChart):
        return []
    return [f for f in findings if f.method == chart.method.method]


def unit_chart(
    drawn: UnitCharts,
    chart: Chart,
    findings: Sequence[EpisodeFinding] = (),
    *,
    size: tuple[int, int] | None = None,
) -> UnitChartSpec:
    """One chart of ``drawn`` (a funnel with the unit ringed and named), at ``size`` (width and
    height in pixels of the plotting area) or each chart's own size."""
    title, spec = _titled(
        drawn, chart, {} if size is None else {"width": size[0], "height": size[1]}
    )
    sentences = " ".join(dict.fromkeys(f.explanation for f in findings_on(chart, findings)))
    return UnitChartSpec(chart.method.method, title, f"{title}. {sentences}".strip(), spec)


def _titled(drawn: UnitCharts, chart: Chart, size: _Size) -> tuple[str, Spec]:
    where = f"{drawn.indicator.title}, {drawn.unit}"
    events = drawn.indicator.events
    if isinstance(chart, CusumChart):
        title = f"{where}: {chart.words}"
        began: int | Literal["estimate"] = (
            "estimate" if chart.episode is None else int(chart.episode.began)
        )
        monthly = chart.method.method == "poisson_cusum"
        spec = cusum_chart(
            chart.result, title=title, amber=chart.amber, red=chart.red, dates=chart.days,
            x_title="Month" if monthly else None, began=began, **size,
        )  # fmt: skip
        return title, spec
    if isinstance(chart, VladChart):
        title = f"{where}: expected minus observed {events} (VLAD)"
        return title, vlad_chart(chart.result, title=title, events=events, dates=chart.days, **size)
    if isinstance(chart, SpcChart):
        title = f"{where}: monthly {chart.method.method.replace('_', ' ')}"
        spec = spc_chart(
            chart.result, title=title, y_title=_spc_axis(drawn, chart), dates=chart.periods,
            target=_number(chart.method.get("target")), **size,
        )  # fmt: skip
        return title, spec
    return _funnel(drawn, chart, size)


def _funnel(drawn: UnitCharts, chart: FunnelChart, size: _Size) -> tuple[str, Spec]:
    indicator = drawn.indicator
    title = (
        f"{indicator.title}: every {indicator.level}, "
        f"{chart.start:%B %Y} to {chart.end:%B %Y}, {drawn.unit} marked"
    )
    if "height" in size:  # a funnel needs more height than a line to show its limits
        size = {**size, "height": size["height"] + 40}
    spec = funnel_chart(
        chart.result, title=title, unadjusted=chart.unadjusted,
        unit=indicator.level.capitalize(), **size,
    )  # fmt: skip
    return title, marked(spec, drawn.unit)


def _spc_axis(drawn: UnitCharts, chart: SpcChart) -> str:
    """The values' axis title, with the chart's units (per cent, or per 1,000)."""
    multiplier = _number(chart.method.get("multiplier")) or 1.0
    title = drawn.indicator.title
    if multiplier == 100.0:
        return f"{title} (%)"
    if multiplier > 1.0 and " per " not in title:
        return f"{title} (per {multiplier:,g})"
    return title


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def marked(spec: Spec, unit: str) -> Spec:
    """The funnel with ``unit``'s point ringed and named, so a reader finds it among the rest."""
    spec["datasets"]["marked"] = [row for row in spec["datasets"]["units"] if row["label"] == unit]
    where = {
        "x": {"field": "denominator", "type": "quantitative"},
        "y": {"field": "value", "type": "quantitative"},
    }
    ring = {"type": "point", "shape": "circle", "size": 260, "strokeWidth": 2.5, "color": INK}
    label = {"type": "text", "align": "left", "dx": 12, "dy": -12, "fontSize": 12,
             "fontWeight": "bold", "color": INK}  # fmt: skip
    spec["layer"] += [
        {"data": {"name": "marked"}, "mark": {**ring, "filled": False}, "encoding": where},
        {"data": {"name": "marked"}, "mark": label,
         "encoding": {**where, "text": {"field": "label"}}},
    ]  # fmt: skip
    return spec


def for_page(spec: Spec) -> Spec:
    """The specification sized to fill the width of its column on a page."""
    return {**spec, **_FILL}
