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

import polars as pl
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from caresignal.monitor.overview import IndicatorStandings
from caresignal.web import charts
from caresignal.web.charts.unit import for_page
from caresignal.web.deps import AppState, CurrentViewer, State
from caresignal.web.errors import WebError
from caresignal.web.pages import render
from caresignal.web.security import check_csrf
from caresignal.web.standings import Seen, reached_funnel, row_of, seen

__all__ = ["Filters", "router", "table"]

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


@dataclass(frozen=True, slots=True)
class Filters:
    """The table's query parameters, checked."""

    indicator: str | None = None
    trust: str | None = None
    variation: str | None = None
    sort: str = "unit"

    def to_dict(self) -> dict[str, str | None]:
        """The filters by name."""
        return {"indicator": self.indicator, "trust": self.trust,
                "variation": self.variation, "sort": self.sort}  # fmt: skip


def _one_of(name: str, value: str | None, allowed: Iterable[str]) -> str | None:
    """``value`` if it is empty or allowed; refused (422) naming the allowed values otherwise."""
    choices = list(allowed)
    if value in (None, "") or value in choices:
        return value or None
    raise WebError(422, f"{name} must be one of: {', '.join(choices)}", "leave it out for all")


def _filters(
    view: Seen, indicator: str | None, trust: str | None, variation: str | None, sort: str | None
) -> Filters:
    ids = [] if view.catalogue is None else list(view.catalogue.ids)
    chosen = _one_of("indicator", indicator, ids)
    if trust and trust not in _trusts(view):
        raise WebError(404, f"there is no trust with code {trust!r} in the store")
    return Filters(
        chosen,
        trust or None,
        _one_of("variation", variation, VARIATION_FILTERS),
        _one_of("sort", sort, SORTS) or "unit",
    )


def _trusts(view: Seen) -> list[str]:
    """The trusts the person reaches, by code."""
    return sorted(
        code
        for code, o in view.organisations.items()
        if o.level == "trust" and code in view.reached
    )


def _matches(row: dict[str, Any], chosen: Filters) -> bool:
    if chosen.indicator and row["indicator"] != chosen.indicator:
        return False
    if chosen.trust and row["trust"] != chosen.trust:
        return False
    if chosen.variation == "none":
        return row["variation"] is None
    return not chosen.variation or chosen.variation in (row["variation"] or "")


def table(view: Seen, chosen: Filters, under: str | None = None) -> list[dict[str, Any]]:
    """The rows the person reaches (those of ``under`` and below only, when given), filtered and
    sorted as ``chosen`` says."""
    rows = [
        row_of(view, item, standing)
        for item in (view.standings.indicators if view.standings else ())
        for standing in item.standings
        if standing.unit in view.reached and (under is None or _below(view, standing.unit, under))
    ]
    return sorted((row for row in rows if _matches(row, chosen)), key=SORTS[chosen.sort])


def _below(view: Seen, code: str, under: str) -> bool:
    found = view.organisations.get(code)
    while found is not None:
        if found.code == under:
            return True
        found = view.organisations.get(found.parent_code or "")
    return False


def _asked(
    indicator: str | None = None,
    trust: str | None = None,
    variation: str | None = None,
    sort: str | None = None,
) -> dict[str, str | None]:
    """The table's query parameters, as sent."""
    return {"indicator": indicator, "trust": trust, "variation": variation, "sort": sort}


Asked = Annotated[dict[str, str | None], Depends(_asked)]


def _overview(
    state: AppState, viewer: CurrentViewer, asked: dict[str, str | None], funnels: bool = True
) -> dict[str, Any]:
    """Everything the overview shows, as JSON-ready data (the funnels left out without
    ``funnels``: the downloads are the table alone)."""
    view = seen(state, viewer)
    chosen = _filters(view, **asked)
    rows = table(view, chosen)
    shown = [
        item
        for item in (view.standings.indicators if view.standings else ())
        if chosen.indicator in (None, item.indicator.id)
    ]
    return {
        "as_of": None if view.standings is None else view.standings.as_of.isoformat(),
        "note": view.note,
        "filters": chosen.to_dict(),
        "choices": {
            "indicators": [{"id": i.id, "title": i.title} for i in (view.catalogue or ())],
            "trusts": [{"code": code, "name": view.name(code)} for code in _trusts(view)],
            "variations": list(VARIATION_FILTERS),
            "sorts": list(SORTS),
        },
        "indicators": [_indicator(view, item) for item in shown] if funnels else [],
        "rows": rows,
    }


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


def _download(data: dict[str, Any], kind: str) -> Response:
    """The table as a CSV or Excel file named by the day of its data."""
    frame = _frame(data["rows"])
    name = f"caresignal-overview-{data['as_of'] or 'no-data'}.{kind}"
    if kind == "csv":
        body, media = frame.write_csv().encode("utf-8"), "text/csv; charset=utf-8"
    else:
        buffer = io.BytesIO()
        frame.write_excel(buffer, worksheet="Overview", autofit=True)
        body = buffer.getvalue()
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)


@router.get("/overview", include_in_schema=False)
def overview_page(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    asked: Asked,
) -> Response:
    """The overview: funnels and the table, as the query parameters filter and sort it."""
    data = _overview(state, viewer, asked)
    query = request.url.query
    drawings = [
        {**i["funnel"], "json": charts.to_json(for_page(i["funnel"]["spec"]))}
        for i in data["indicators"]
        if i["funnel"] is not None
    ]
    context = {"o": data, "drawings": drawings, "query": f"?{query}" if query else ""}
    return render(request, "overview.html", context)


@router.get("/api/v1/overview", tags=["overview"])
def overview_view(
    state: State,
    viewer: CurrentViewer,
    asked: Asked,
) -> dict[str, Any]:
    """Every indicator's funnel and the table of the units the person's roles reach, with
    their icons, observed and expected events and open signals; filtered by ``indicator``,
    ``trust`` and ``variation`` (concern, improvement, neither, common_cause, none) and
    sorted by ``sort`` (unit, indicator, variation, signals, ratio)."""
    return _overview(state, viewer, asked)


@router.get("/overview.csv", include_in_schema=False)
@router.get("/api/v1/overview.csv", tags=["overview"])
def overview_csv(
    state: State,
    viewer: CurrentViewer,
    asked: Asked,
) -> Response:
    """The overview's table as CSV, with the same filters and order."""
    return _download(_overview(state, viewer, asked, funnels=False), "csv")


@router.get("/overview.xlsx", include_in_schema=False)
@router.get("/api/v1/overview.xlsx", tags=["overview"])
def overview_xlsx(
    state: State,
    viewer: CurrentViewer,
    asked: Asked,
) -> Response:
    """The overview's table as an Excel workbook, with the same filters and order."""
    return _download(_overview(state, viewer, asked, funnels=False), "xlsx")
