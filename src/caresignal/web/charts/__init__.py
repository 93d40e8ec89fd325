"""Charts as Vega-Lite specifications, built from the statistics' result objects.

Each function takes a result from :mod:`caresignal.stats` and returns a plain, JSON-ready dict
(a Vega-Lite v6 specification with its data inline): the browser draws it with the vendored
vega-embed (``static/vendor/``), and :func:`to_svg` draws the same specification for print.
How to read each chart, and its colours, is in ``docs/charts.md``.

>>> from caresignal.stats.spc import xmr
>>> spec = spc_chart(xmr([3, 4, 3, 5, 4, 4]), title="Falls", y_title="Falls a month")
>>> spec["$schema"]
'https://vega.github.io/schema/vega-lite/v6.json'
"""

from caresignal.web.charts._spec import SCHEMA, Spec
from caresignal.web.charts.cusum import change_began, cusum_chart, vlad_chart
from caresignal.web.charts.funnel import funnel_chart
from caresignal.web.charts.render import to_json, to_svg
from caresignal.web.charts.spc import spc_chart

__all__ = [
    "SCHEMA",
    "Spec",
    "change_began",
    "cusum_chart",
    "funnel_chart",
    "spc_chart",
    "to_json",
    "to_svg",
    "vlad_chart",
]
