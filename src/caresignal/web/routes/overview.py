"""The overview: every indicator's funnel of the last 12 months and a table of the units the
person's roles reach, with each unit's Making Data Count icons, observed and expected events and
open signals; sorted and filtered by query parameters, and downloaded as CSV or Excel
(docs/web.md).

A regulator's roles reach the trusts of their region (the regional overview); anyone else's the
organisations where they hold a role and everything below them, by the same rule as signals
(:class:`caresignal.workflow.access.Reach`). The numbers come from
:func:`caresignal.monitor.overview.overview` on the server's data directory, as of the latest
scan's day; nothing is kept between requests.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from caresignal.monitor.overview import IndicatorStandings
from caresignal.web.data_state import json_response
from caresignal.web.deps import AppState, CurrentViewer, State
from caresignal.web.errors import WebError
from caresignal.web.pages import render
from caresignal.web.security import check_csrf
from caresignal.web.standings import Seen, reached_funnel, row_of, seen

__all__ = ["PAGE_ROWS", "Filters", "router", "table"]

router = APIRouter(dependencies=[Depends(check_csrf)])

#: The ``variation`` filter: a kind of variation, or ``none`` (no monthly chart).
VARIATION_FILTERS = ("concern", "improvement", "neither", "common_cause", "none")
#: The ``sort`` orders: each its key (rows tie-broken by trust, unit and indicator).
SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "unit": lambda row: (row["trust"], row["unit"], row["indicator"]),
    "indicator": lambda row: (row["indicator_title"], row["trust"], row["unit"]),
    "variation": lambda row: (_variation_rank(row["variation"]), row["trust"], row["unit"]),
    "signals": lambda row: (-row["open_signals"], row["trust"], row["unit"]),
    "ratio": lambda row: (row["ratio"] is None, -(row["ratio"] or 0.0), row["trust"], row["unit"]),
}


def _variation_rank(variation: str | None) -> int:
    order = ("concern", "neither", "improvement", "common_cause")
    return next((i for i, kind in enumerate(order) if variation and kind in variation), 4)


#: Rows of the table on one page of the overview; the downloads hold every row.
PAGE_ROWS = 100


@dataclass(frozen=True, slots=True)
class Filters:
    """The table's query parameters, checked: ``indicator`` None means every indicator (the
    downloads), ``page`` counts from 1."""

    indicator: str | None = None
    trust: str | None = None
    variation: str | None = None
    sort: str = "unit"
    page: int = 1

    def to_dict(self) -> dict[str, str | None]:
        """The filters by name (the page aside)."""
        return {"indicator": self.indicator, "trust": self.trust,
                "variation": self.variation, "sort": self.sort}  # fmt: skip


def _one_of(name: str, value: str | None, allowed: Iterable[str]) -> str | None:
    """``value`` if it is empty or allowed; refused (422) naming the allowed values otherwise."""
    choices = list(allowed)
    if value in (None, "") or value in choices:
        return value or None
    raise WebError(422, f"{name} must be one of: {', '.join(choices)}", "leave it out for all")


def _filters(view: Seen, asked: dict[str, str | None], every: bool) -> Filters:
    """The checked filters: without ``indicator``, the page shows the first indicator with an
    open signal the person sees (else the catalogue's first), the downloads (``every``) every
    indicator."""
    ids = [] if view.catalogue is None else list(view.catalogue.ids)
    chosen = _one_of("indicator", asked.get("indicator"), ids)
    if chosen is None and not every:
        chosen = _first_indicator(view, ids)
    trust = asked.get("trust")
    if trust and trust not in _trusts(view):
        raise WebError(404, f"there is no trust with code {trust!r} in the store")
    page = asked.get("page") or "1"
    if not page.isdigit() or int(page) < 1:
        raise WebError(422, "page must be a whole number from 1", "leave it out for the first")
    return Filters(
        chosen,
        trust or None,
        _one_of("variation", asked.get("variation"), VARIATION_FILTERS),
        _one_of("sort", asked.get("sort"), SORTS) or "unit",
        int(page),
    )


def _first_indicator(view: Seen, ids: list[str]) -> str | None:
    """The first indicator of the catalogue with an open signal the person sees, else the first."""
    signalled = {indicator for _, indicator in view.signals}
    return next((i for i in ids if i in signalled), ids[0] if ids else None)


def _trusts(view: Seen) -> list[str]:
    """The trusts the person reaches, by code."""
    return sorted(
        code
        for code, o in view.organisations.items()
        if o.level == "trust" and code in view.reached
    )


def _matches(row: dict[str, Any], chosen: Filters) -> bool:
    if chosen.trust and row["trust"] != chosen.trust:
        return False
    if chosen.variation == "none":
        return row["variation"] is None
    return not chosen.variation or chosen.variation in (row["variation"] or "")


def table(view: Seen, chosen: Filters, under: str | None = None) -> list[dict[str, Any]]:
    """The rows the person reaches (those of ``under`` and below only, when given), filtered and
    sorted as ``chosen`` says (every row: the page cuts them into pages)."""
    below = None if under is None else _below(view, under)
    rows = [
        row_of(view, words)
        for indicator, each in view.computed.words.items()
        if chosen.indicator in (None, indicator)
        for words in each
        if words["unit"] in view.reached and (below is None or words["unit"] in below)
    ]
    return sorted((row for row in rows if _matches(row, chosen)), key=SORTS[chosen.sort])


def _below(view: Seen, under: str) -> set[str]:
    """``under`` and every organisation below it."""
    children: dict[str, list[str]] = {}
    for code, organisation in view.organisations.items():
        if organisation.parent_code is not None:
            children.setdefault(organisation.parent_code, []).append(code)
    found, todo = {under}, [under]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _asked(
    indicator: str | None = None,
    trust: str | None = None,
    variation: str | None = None,
    sort: str | None = None,
    page: str | None = None,
) -> dict[str, str | None]:
    """The table's query parameters, as sent."""
    return {"indicator": indicator, "trust": trust, "variation": variation, "sort": sort,
            "page": page}  # fmt: skip


Asked = Annotated[dict[str, str | None], Depends(_asked)]


def _overview(state: AppState, viewer: CurrentViewer, asked: dict[str, str | None]) -> Overview:
    """Everything the overview shows, as JSON-ready data: one indicator's funnel and one page
    of its table."""
    view = seen(state, viewer)
    chosen = _filters(view, asked, every=False)
    rows = table(view, chosen)
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    number = min(chosen.page, pages)
    shown = [
        item
        for item in (view.standings.indicators if view.standings else ())
        if item.indicator.id == chosen.indicator
    ]
    counted: dict[str, int] = {}
    for (_, indicator), count in view.signals.items():
        counted[indicator] = counted.get(indicator, 0) + count
    return {
        "as_of": None if view.standings is None else view.standings.as_of.isoformat(),
        "note": view.note,
        "filters": chosen.to_dict(),
        "choices": {
            "indicators": [
                {"id": i.id, "title": i.title, "open_signals": counted.get(i.id, 0)}
                for i in (view.catalogue or ())
            ],
            "trusts": [{"code": code, "name": view.name(code)} for code in _trusts(view)],
            "variations": list(VARIATION_FILTERS),
            "sorts": list(SORTS),
        },
        "indicators": [_indicator(view, item) for item in shown],
        "page": {"number": number, "pages": pages, "rows": len(rows), "per_page": PAGE_ROWS},
        "rows": rows[(number - 1) * PAGE_ROWS : number * PAGE_ROWS],
    }


Overview = dict[str, Any]


def _indicator(view: Seen, item: IndicatorStandings) -> dict[str, Any]:
    """An indicator's heading data and its funnel."""
    i = item.indicator
    title = f"{i.title}: every {i.level}"
    if item.start is not None and item.end is not None:
        title += f", {item.start:%B %Y} to {item.end:%B %Y}"
    return {
        "id": i.id,
        "title": i.title,
        "level": i.level,
        "start": None if item.start is None else item.start.isoformat(),
        "end": None if item.end is None else item.end.isoformat(),
        "funnel": reached_funnel(view, item, title),
        "note": item.note,
    }


#: The downloads' columns: (heading, the row's field).
COLUMNS = (
    ("Indicator", "indicator_title"), ("Indicator id", "indicator"), ("Trust", "trust"),
    ("Trust name", "trust_name"), ("Organisation", "unit"), ("Name", "unit_name"),
    ("Chart", "method"), ("Variation", "variation_text"), ("Assurance", "assurance_text"),
    ("Latest month", "month"), ("Latest value", "value"), ("Centre line", "centre"),
    ("Observed (12 months)", "observed"), ("Cases (12 months)", "cases"),
    ("Expected (12 months)", "expected"), ("Expected from", "expected_from"),
    ("Observed / expected", "ratio"), ("Open signals", "open_signals"),
)  # fmt: skip


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema: dict[str, type[pl.DataType]] = {
        h: pl.Float64 if f in _NUMBERS else pl.String for h, f in COLUMNS
    }
    schema["Open signals"] = pl.Int64
    return pl.DataFrame([[row[f] for _, f in COLUMNS] for row in rows], schema=schema,
                        orient="row")  # fmt: skip


_NUMBERS = {"value", "centre", "observed", "cases", "expected", "ratio"}


def _download(state: AppState, viewer: CurrentViewer, asked: dict[str, str | None],
              kind: str) -> Response:  # fmt: skip
    """The table, every row of it (every indicator unless one is asked for), as a CSV or Excel
    file named by the day of its data."""
    view = seen(state, viewer)
    frame = _frame(table(view, _filters(view, asked, every=True)))
    as_of = None if view.standings is None else view.standings.as_of.isoformat()
    name = f"caresignal-overview-{as_of or 'no-data'}.{kind}"
    if kind == "csv":
        body, media = frame.write_csv().encode("utf-8"), "text/csv; charset=utf-8"
    else:
        buffer = io.BytesIO()
        frame.write_excel(buffer, worksheet="Overview", autofit=True)
        body = buffer.getvalue()
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)


def _query(data: Overview, **changed: object) -> str:
    """The overview's query string with ``changed`` parameters (None leaves one out)."""
    wanted: dict[str, object] = {**data["filters"], "page": None, **changed}
    if wanted.get("sort") == "unit":
        wanted["sort"] = None
    pairs = {name: value for name, value in wanted.items() if value not in (None, "")}
    return f"?{urlencode(pairs)}" if pairs else ""


@router.get("/overview", include_in_schema=False)
def overview_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    asked: Asked,
) -> Response:
    """The overview: one indicator's funnel and table, as the query parameters filter and sort
    it, a page of rows at a time."""
    data = _overview(state, viewer, asked)
    drawings = [i["funnel"] for i in data["indicators"] if i["funnel"] is not None]
    page = data["page"]
    links = {
        "query": _query(data, page=page["number"] if page["number"] > 1 else None),
        "every": _query(data, indicator=None),
        "previous": _query(data, page=page["number"] - 1) if page["number"] > 1 else None,
        "next": _query(data, page=page["number"] + 1) if page["number"] < page["pages"] else None,
    }
    context = {"o": data, "drawings": drawings, "links": links}
    return render(request, "overview.html", context)


@router.get("/api/v1/overview", tags=["overview"])
def overview_view(
    state: State,
    viewer: CurrentViewer,
    asked: Asked,
) -> Response:
    """One indicator's funnel and a page of the table of the units the person's roles reach,
    with their icons, observed and expected events and open signals: the indicator ``indicator``
    (by default the first with an open signal), filtered by ``trust`` and ``variation``
    (concern, improvement, neither, common_cause, none), sorted by ``sort`` (unit, indicator,
    variation, signals, ratio), ``page`` by ``page`` (100 rows each)."""
    data = _overview(state, viewer, asked)
    for item in data["indicators"]:
        if item["funnel"] is not None:
            item["funnel"] = {k: v for k, v in item["funnel"].items() if k != "json"}
    return json_response(data)


@router.get("/overview.csv", include_in_schema=False)
@router.get("/api/v1/overview.csv", tags=["overview"])
def overview_csv(
    state: State,
    viewer: CurrentViewer,
    asked: Asked,
) -> Response:
    """The overview's table as CSV, every row, with the same filters and order (every indicator
    unless ``indicator`` names one)."""
    return _download(state, viewer, asked, "csv")


@router.get("/overview.xlsx", include_in_schema=False)
@router.get("/api/v1/overview.xlsx", tags=["overview"])
def overview_xlsx(
    state: State,
    viewer: CurrentViewer,
    asked: Asked,
) -> Response:
    """The overview's table as an Excel workbook, every row, with the same filters and order."""
    return _download(state, viewer, asked, "xlsx")
