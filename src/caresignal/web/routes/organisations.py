"""Trust, site and unit pages: each organisation's indicators with their icons (its own and
those of everything below it), and one indicator's charts for one unit with its observed and
case-mix-adjusted expected events month by month; each page beside its JSON twin under
``/api/v1`` (docs/web.md).

An organisation is reached as in the overview (:func:`caresignal.web.routes.overview.seen`);
one the person's roles do not reach is "not found", exactly as one that does not exist.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from caresignal.data.dataset import Dataset
from caresignal.monitor.overview import IndicatorStandings
from caresignal.monitor.unit_charts import unit_charts
from caresignal.store.service import UnknownError
from caresignal.web.charts import kept
from caresignal.web.data_state import Kept, json_response
from caresignal.web.deps import AppState, CurrentViewer, State
from caresignal.web.pages import render
from caresignal.web.routes.bedside import bedside_href
from caresignal.web.routes.overview import Filters, table
from caresignal.web.security import check_csrf
from caresignal.web.standings import Seen, row_of, seen

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


def _reached(view: Seen, code: str) -> dict[str, Any]:
    """The organisation, if the person's roles reach it; "not found" otherwise."""
    found = view.organisations.get(code)
    if found is None or code not in view.reached:
        raise UnknownError(f"there is no organisation with code {code!r} in the store")
    return found.to_dict()


def _chain(view: Seen, code: str) -> list[dict[str, Any]]:
    """The organisation's trust and site, trust first: each linked when it is reached."""
    chain = []
    found = view.organisations.get(code)
    while found is not None and found.parent_code is not None:
        found = view.organisations.get(found.parent_code)
        if found is not None:
            href = f"/organisations/{found.code}" if found.code in view.reached else None
            chain.append({"code": found.code, "name": found.name, "level": found.level,
                          "href": href})  # fmt: skip
    return chain[::-1]


def _organisation(state: AppState, viewer: CurrentViewer, code: str) -> dict[str, Any]:
    """Everything the organisation page shows, as JSON-ready data."""
    view = seen(state, viewer)
    organisation = _reached(view, code)
    children = sorted(
        (o for o in view.organisations.values() if o.parent_code == code), key=lambda o: o.code
    )
    return {
        "organisation": organisation,
        "chain": _chain(view, code),
        "children": [
            {"code": o.code, "name": o.name, "level": o.level, "href": f"/organisations/{o.code}"}
            for o in children
        ],
        "as_of": None if view.standings is None else view.standings.as_of.isoformat(),
        "note": view.note,
        "rows": table(view, Filters(), under=code),
        "bedside_href": bedside_href(view, viewer, code),
    }


def _item(view: Seen, indicator: str, code: str) -> IndicatorStandings:
    """The indicator's standings, if it watches the organisation; "not found" otherwise."""
    found = next(
        (
            item
            for item in (view.standings.indicators if view.standings else ())
            if item.indicator.id == indicator and any(s.unit == code for s in item.standings)
        ),
        None,
    )
    if found is None:
        raise UnknownError(f"there is no indicator {indicator!r} of {code}")
    return found


#: Each unit's last months of each indicator, kept with the standings they come from.
_MONTHS = Kept(1024)


def _months(view: Seen, item: IndicatorStandings, code: str) -> list[dict[str, Any]]:
    """The unit's last 12 complete months: cases, events and expected events, newest first;
    kept until the standings change (each would otherwise filter every unit's months)."""
    found: list[dict[str, Any]] = _MONTHS.get(
        (item.indicator.id, code), view.computed.key, lambda: _months_now(item, code)
    )
    return found


def _months_now(item: IndicatorStandings, code: str) -> list[dict[str, Any]]:
    rows = item.points.filter(pl.col("unit") == code).sort("period_start", descending=True)
    return [
        {
            "month": row["period_start"].isoformat(),
            "cases": row["denominator"],
            "observed": row["numerator"],
            "expected_risk_model": row["risk_model"],
            "expected_reference": row["reference"],
        }
        for row in rows.head(12).iter_rows(named=True)
    ]


def _indicator(state: AppState, viewer: CurrentViewer, code: str, ident: str) -> dict[str, Any]:
    """Everything the indicator page of one organisation shows, as JSON-ready data."""
    view = seen(state, viewer)
    organisation = _reached(view, code)
    item = _item(view, ident, code)
    i = item.indicator
    return {
        "organisation": organisation,
        "chain": [
            *_chain(view, code),
            {
                "code": code,
                "name": organisation["name"],
                "level": organisation["level"],
                "href": f"/organisations/{code}",
            },
        ],
        "indicator": {"id": i.id, "title": i.title, "level": i.level, "events": i.events},
        "standing": row_of(view, _words_of(view, item, code)),
        "months": _months(view, item, code),
        "charts_href": f"/api/v1/organisations/{code}/indicators/{i.id}/charts",
    }


def _words_of(view: Seen, item: IndicatorStandings, code: str) -> dict[str, Any]:
    return next(w for w in view.computed.words[item.indicator.id] if w["unit"] == code)


def _charts(state: AppState, view: Seen, item: IndicatorStandings, code: str) -> kept.Drawn:
    """Every chart of the unit for the indicator as of the overview's day, as on a signal's
    page, kept until the data directory changes."""
    assert view.standings is not None
    catalogue = view.catalogue
    assert catalogue is not None
    as_of = view.standings.as_of
    directory = state.settings.data_dir
    return kept.drawn(
        directory,
        (code, item.indicator.id, as_of),
        lambda: unit_charts(
            Dataset(directory), catalogue, code, item.indicator.id, as_of, clock=state.clock
        ),
    )


@router.get("/organisations/{code}", include_in_schema=False)
def organisation_page(request: Request, state: State, viewer: CurrentViewer, code: str) -> Response:
    """A trust, site or unit: its place, what is below it, and its indicators' icons."""
    data = _organisation(state, viewer, code)
    return render(request, "organisation.html", {"org": data})


@router.get("/api/v1/organisations/{code}", tags=["overview"])
def organisation(state: State, viewer: CurrentViewer, code: str) -> Response:
    """A trust, site or unit: its fields, its trust and site (``chain``), the organisations
    below it, and the overview's rows of it and everything below it."""
    return json_response(_organisation(state, viewer, code))


@router.get("/organisations/{code}/indicators/{indicator}", include_in_schema=False)
def indicator_page(
    request: Request, state: State, viewer: CurrentViewer, code: str, indicator: str
) -> Response:
    """One indicator of one organisation: its standing and months; its charts are drawn by
    the browser from :func:`indicator_charts`."""
    data = _indicator(state, viewer, code, indicator)
    return render(request, "organisation_indicator.html", {"d": data})


@router.get("/api/v1/organisations/{code}/indicators/{indicator}", tags=["overview"])
def indicator_view(
    state: State, viewer: CurrentViewer, code: str, indicator: str
) -> dict[str, Any]:
    """One indicator of one organisation: the overview's row, its last 12 complete months
    (cases, observed, expected from the risk model and from the reference rate), and where its
    charts are (``charts_href``)."""
    return _indicator(state, viewer, code, indicator)


@router.get("/api/v1/organisations/{code}/indicators/{indicator}/charts", tags=["overview"])
def indicator_charts(
    request: Request, state: State, viewer: CurrentViewer, code: str, indicator: str
) -> Response:
    """Every chart the catalogue runs for the indicator of the organisation, as on a signal's
    page (a funnel's points only those of units the person reaches): ``charts``, each
    ``{"method", "title", "description", "spec"}``, ``charts_as_of`` and ``charts_note``."""
    view = seen(state, viewer)
    _reached(view, code)
    item = _item(view, indicator, code)
    drawn = _charts(state, view, item, code)
    return kept.charts_response(request, drawn, reached=view.reached)
