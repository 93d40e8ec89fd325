"""A unit's charts of an indicator as the chart routes answer them, computed once per data state
(docs/web.md, "Charts").

:func:`drawn` runs :func:`caresignal.monitor.unit_charts.unit_charts` and turns each chart into
its Vega-Lite specification, as JSON text, once per (data directory, unit, indicator, as-of day)
and state of the data directory (:func:`caresignal.web.data_state.data_version`), keeping the
last :data:`KEPT` in the process. :func:`charts_json` then writes a route's answer around the
kept texts: each chart's text alternative (its title and the sentences of the findings it
carries) and, for a funnel, only the points of the units the person reaches.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from caresignal.domain.episodes import EpisodeFinding
from caresignal.errors import CaresignalError
from caresignal.monitor.unit_charts import Chart, UnitCharts
from caresignal.web.charts._spec import Spec, json_safe
from caresignal.web.charts.render import to_json
from caresignal.web.charts.unit import findings_on, unit_chart
from caresignal.web.data_state import Kept, data_version

__all__ = ["KEPT", "Drawn", "Piece", "charts_json", "charts_response", "drawn"]

#: How many units' charts of an indicator are kept (the least recently asked for go first).
KEPT = 128


@dataclass(frozen=True, slots=True, eq=False)
class Piece:
    """One chart: the result it draws, its method and title, its specification and the same as
    JSON text."""

    chart: Chart
    method: str
    title: str
    spec: Spec
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class Drawn:
    """A unit's charts of an indicator (``pieces``), or ``note``: why there are none."""

    as_of: dt.date | None
    pieces: tuple[Piece, ...]
    note: str | None


_DRAWN = Kept(KEPT)
_FUNNELS = Kept(4 * KEPT)


def drawn(
    directory: Path,
    key: tuple[str, str, dt.date | None],
    compute: Callable[[], UnitCharts | str],
) -> Drawn:
    """The charts of ``key`` (unit, indicator, as-of day) in the data directory's present state:
    ``compute()`` gives them (or why there are none) when they are not kept."""
    version = data_version(directory)
    found: Drawn = _DRAWN.get((str(directory), *key), version, lambda: _draw(key, compute))
    return found


def _draw(key: tuple[str, str, dt.date | None], compute: Callable[[], UnitCharts | str]) -> Drawn:
    unit, _, as_of = key
    try:
        made = compute()
    except CaresignalError as error:
        return Drawn(as_of, (), f"No charts: {error.message}.")
    if isinstance(made, str):
        return Drawn(as_of, (), made)
    pieces = []
    for chart in made.charts:
        spec = unit_chart(made, chart)
        safe = json_safe(spec.spec)
        pieces.append(Piece(chart, spec.method, spec.title, safe, to_json(safe)))
    note = None
    if not pieces:
        why = "; ".join(f"{s.method.replace('_', ' ')}: {s.reason}" for s in made.skipped)
        note = f"No charts for {unit} as of {made.as_of}" + (f" ({why})." if why else ".")
    return Drawn(made.as_of, tuple(pieces), note)


def charts_json(
    found: Drawn,
    findings: Sequence[EpisodeFinding] = (),
    reached: Collection[str] | None = None,
) -> bytes:
    """The chart route's answer: ``{"charts": [{"method", "title", "description", "spec"}],
    "charts_as_of", "charts_note"}``, each description the title and the sentences of
    ``findings`` drawn on the chart; a funnel's points only those of ``reached`` (when given)."""
    items = []
    for piece in found.pieces:
        carried = findings_on(piece.chart, findings)
        sentences = " ".join(dict.fromkeys(f.explanation for f in carried))
        described = f"{piece.title}. {sentences}".strip()
        text = piece.text
        if piece.method == "funnel" and reached is not None:
            text = _reached_text(piece, frozenset(reached))
        head = json.dumps(
            {"method": piece.method, "title": piece.title, "description": described},
            ensure_ascii=False,
        )
        items.append(f'{head[:-1]}, "spec": {text}}}')
    tail: dict[str, Any] = {
        "charts_as_of": None if found.as_of is None else found.as_of.isoformat(),
        "charts_note": found.note,
    }
    return f'{{"charts": [{", ".join(items)}], {json.dumps(tail)[1:]}'.encode()


def charts_response(
    request: Request,
    found: Drawn,
    findings: Sequence[EpisodeFinding] = (),
    reached: Collection[str] | None = None,
) -> Response:
    """:func:`charts_json` as a JSON answer, compressed with gzip when the client accepts it
    (a CUSUM over ten years of cases is most of a megabyte of JSON, a sixth of it compressed);
    both kept with the charts, for these findings and organisations reached."""
    key = (
        id(found),
        tuple((f.chart, f.method, f.explanation) for f in findings),
        None if reached is None else frozenset(reached),
    )
    body, packed = _ANSWERS.get(key, found, lambda: _pack(charts_json(found, findings, reached)))
    headers = {"Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type="application/json", headers=headers)
    return Response(body, media_type="application/json", headers=headers)


_ANSWERS = Kept(2 * KEPT)


def _pack(body: bytes) -> tuple[bytes, bytes]:
    return body, gzip.compress(body, compresslevel=6, mtime=0)


def _reached_text(piece: Piece, reached: frozenset[str]) -> str:
    """The funnel's text with only the points of ``reached``, kept per set reached."""
    text: str = _FUNNELS.get((id(piece), reached), piece, lambda: _reached(piece, reached))
    return text


def _reached(piece: Piece, reached: Collection[str]) -> str:
    units = piece.spec["datasets"]["units"]
    datasets = {**piece.spec["datasets"], "units": [u for u in units if u["label"] in reached]}
    return to_json({**piece.spec, "datasets": datasets})
