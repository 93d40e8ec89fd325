"""What every chart shares: the schema, the colours, JSON-safe numbers and the time axis (private).

Every chart module builds its specification from these pieces, so a colour, a date or a missing
number means the same on every chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "GREY",
    "INK",
    "MAX_POINTS",
    "ONE_ROW",
    "SCHEMA",
    "Spec",
    "chart",
    "check_length",
    "data",
    "json_safe",
    "label_layer",
    "number",
    "steps",
    "thin",
    "x_encoding",
    "x_tooltip",
]

#: The Vega-Lite schema every specification declares (the vendored vega-lite is 6.x).
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

#: A Vega-Lite specification: plain, JSON-ready data.
Spec = dict[str, Any]

#: Lines and text that carry no verdict: NHS dark grey, and the NHS text colour.
GREY = "#425563"
INK = "#212B32"

_FONT = "Frutiger W01, Arial, sans-serif"


def number(value: Any) -> float | None:
    """A float for JSON, or None where the value is missing, infinite or not a number.

    >>> number(1), number(float("nan")), number(float("-inf"))
    (1.0, None, None)
    """
    if value is None:
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars made plain and every NaN or infinity made None (JSON null).

    >>> json_safe({"a": [np.float64("nan"), np.int64(2), (1.5, "x")]})
    {'a': [None, 2, [1.5, 'x']]}
    """
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, np.ndarray):
        return [json_safe(item) for item in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return number(value)
    return value


def check_length(name: str, values: Sequence[Any] | None, length: int) -> None:
    """Refuse per-point values (dates, labels) whose count differs from the chart's points."""
    if values is not None and len(values) != length:
        raise ValueError(f"{name} has {len(values)} values but the chart has {length} points")


def steps(length: int, dates: Any) -> list[dict[str, Any]]:
    """One row per point: its 1-based ``position`` and, when dates are given, its ``date``.

    ``dates`` may be a list of :class:`datetime.date`, ISO strings, numpy ``datetime64`` values or
    a polars or pandas Series; times of day are dropped. Each date is written as local midnight
    (``2024-03-07T00:00:00``, no time zone), which browsers and Vega read as that day wherever
    they are; a bare ``2024-03-07`` would be read as midnight UTC, the day before west of London.

    >>> steps(2, ["2024-03-07", "2024-04-07"])  # doctest: +NORMALIZE_WHITESPACE
    [{'position': 1, 'date': '2024-03-07T00:00:00'},
     {'position': 2, 'date': '2024-04-07T00:00:00'}]
    """
    rows: list[dict[str, Any]] = [{"position": i + 1} for i in range(length)]
    if dates is None:
        return rows
    if hasattr(dates, "to_numpy") and not isinstance(dates, np.ndarray):
        dates = dates.to_numpy()
    try:
        days = np.asarray(dates).astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"dates must be dates (ISO strings, date or datetime64): {exc}") from exc
    if days.ndim != 1:
        raise ValueError("dates must be one date per point")
    check_length("dates", days.tolist(), length)
    for row, day in zip(rows, days, strict=True):
        row["date"] = None if np.isnat(day) else f"{day}T00:00:00"
    return rows


#: The most points a line chart sends to the browser; longer series are thinned (:func:`thin`).
MAX_POINTS = 2000


def thin(
    rows: list[dict[str, Any]],
    field: str,
    keep: Sequence[int] = (),
    limit: int = MAX_POINTS,
) -> list[dict[str, Any]]:
    """At most about ``limit`` of ``rows``, still drawing the same line: the series is cut into
    buckets and each keeps its lowest and highest ``field`` (min–max decimation), and the first
    and last rows and the rows at ``keep`` (signals, resets, markers) are always kept, in order.

    Ten years of births at one site are tens of thousands of cases: sent whole, one chart would
    weigh megabytes, and at any screen or page width its line looks the same thinned.

    Examples
    --------
    >>> rows = [{"position": i, "statistic": float(i % 7)} for i in range(100)]
    >>> kept = thin(rows, "statistic", keep=[50], limit=20)
    >>> len(kept) <= 20 + 3, kept[0]["position"], kept[-1]["position"], 50 in [
    ...     r["position"] for r in kept]
    (True, 0, 99, True)
    """
    if len(rows) <= limit:
        return rows
    values = np.array([np.nan if r[field] is None else r[field] for r in rows], dtype=float)
    size = max(1, -(-len(rows) * 2 // limit))
    chosen = {0, len(rows) - 1, *keep}
    for start in range(0, len(rows), size):
        window = values[start : start + size]
        if np.all(np.isnan(window)):
            chosen.add(start)
            continue
        chosen.add(start + int(np.nanargmin(window)))
        chosen.add(start + int(np.nanargmax(window)))
    return [rows[i] for i in sorted(chosen) if 0 <= i < len(rows)]


def x_encoding(dates: Any, title: str) -> dict[str, Any]:
    """The x channel: dates on a time axis, or the 1-based position (case or period number)."""
    if dates is not None:
        return {"field": "date", "type": "temporal", "title": title}
    return {
        "field": "position",
        "type": "quantitative",
        "title": title,
        "scale": {"zero": False, "nice": False},
        "axis": {"format": "d", "tickMinStep": 1},
    }


def x_tooltip(dates: Any, title: str) -> dict[str, Any]:
    """The tooltip line naming the point: its date in words, or its number."""
    if dates is not None:
        return {"field": "date", "type": "temporal", "title": title, "format": "%-d %B %Y"}
    return {"field": "position", "type": "quantitative", "title": title}


def data(name: str) -> dict[str, Any]:
    """A reference to one of the spec's named datasets."""
    return {"name": name}


#: The data of a layer that draws only constants (a threshold, a target): one empty row.
ONE_ROW: dict[str, Any] = {"values": [{}]}


def label_layer(name: str, x: dict[str, Any], *, colour: str = GREY) -> dict[str, Any]:
    """Text at the right-hand end of the chart's lines, naming each.

    Dataset ``name`` has one row per label, with the ``position`` (and ``date``) of the point it
    stands beside, its height ``y`` and its ``text``.
    """
    return {
        "data": data(name),
        "mark": {"type": "text", "align": "left", "dx": 8, "fontSize": 11, "color": colour},
        "encoding": {
            "x": x,
            "y": {"field": "y", "type": "quantitative"},
            "text": {"field": "text"},
        },
    }


def chart(
    *,
    title: str,
    subtitle: Sequence[str],
    description: str,
    width: int,
    height: int,
    datasets: Mapping[str, list[dict[str, Any]]],
    layer: list[dict[str, Any]],
    meta: Mapping[str, Any],
) -> Spec:
    """Put a chart's pieces together into one JSON-safe specification."""
    spec: Spec = {
        "$schema": SCHEMA,
        "description": description,
        "title": {"text": title, "subtitle": list(subtitle), "anchor": "start"},
        "width": width,
        "height": height,
        "autosize": {"type": "pad"},
        "datasets": dict(datasets),
        "layer": layer,
        "config": {
            "font": _FONT,
            "title": {"fontSize": 16, "subtitleFontSize": 12, "color": INK, "subtitleColor": GREY},
            "axis": {"labelColor": INK, "titleColor": INK, "labelFontSize": 11},
            "legend": {"labelColor": INK, "titleColor": INK, "orient": "bottom"},
            "view": {"stroke": None},
        },
        "usermeta": {"caresignal": dict(meta)},
    }
    safe: Spec = json_safe(spec)
    return safe
