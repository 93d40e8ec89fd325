"""Charts out of Python: JSON for the browser's vega-embed, SVG for print (vl-convert).

Both work offline: the specifications carry their data inline, and :func:`to_svg` refuses to
fetch anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import vl_convert

from caresignal.web.charts._spec import json_safe

__all__ = ["VEGA_LITE_VERSION", "to_json", "to_svg"]

#: The Vega-Lite version vl-convert renders with: the newest 6.x it bundles, the major version
#: the specifications are written for and the browser's vendored vega-lite runs.
VEGA_LITE_VERSION = max(
    (v for v in vl_convert.get_vegalite_versions() if v.split(".")[0] == "6"),
    key=lambda v: tuple(int(part) for part in v.split(".")),
)


def to_svg(spec: Mapping[str, Any]) -> str:
    """Render a Vega-Lite specification to an SVG document, for print and the board pack.

    The data must be inline: any URL in the specification is refused, so rendering never uses
    the network.

    Examples
    --------
    >>> from caresignal.stats.spc import xmr
    >>> from caresignal.web.charts import spc_chart
    >>> svg = to_svg(spc_chart(xmr([3, 4, 3, 5, 4, 4]), title="Falls", y_title="Falls"))
    >>> svg.startswith("<svg"), "Upper process limit" in svg
    (True, True)
    """
    svg: str = vl_convert.vegalite_to_svg(
        json_safe(spec), vl_version=VEGA_LITE_VERSION, allowed_base_urls=[]
    )
    return svg


def to_json(spec: Mapping[str, Any]) -> str:
    """The specification as JSON that is safe to put inside an HTML ``<script>`` element.

    NaN and infinities become ``null`` (JSON has neither), and ``<``, ``>`` and ``&`` are
    escaped so that a unit's name cannot close the script element.

    >>> to_json({"label": "</script>", "value": float("nan")})
    '{"label": "\\\\u003c/script\\\\u003e", "value": null}'
    """
    text = json.dumps(json_safe(spec), allow_nan=False, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
