"""The public transparency pages: for each trust, its signals now and how each was dealt with,
for anyone to read without signing in, each page beside its JSON twin under ``/api/v1``
(docs/web.md, "The public transparency page").

What is published, and what is not, is decided in :mod:`caresignal.workflow.transparency`:
levels, states, dates, counts, indicator titles and the roles that hold a signal; never a
person's name, an e-mail address, or anything a person typed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from caresignal.monitor.catalogue import CatalogueError
from caresignal.web.deps import State
from caresignal.web.pages import render
from caresignal.workflow import catalogue_view, transparency

__all__ = ["router"]

router = APIRouter()


def _titles(state: State) -> dict[str, str]:
    """Each indicator's title by id, from the catalogue the scans use (ids alone when the
    catalogue cannot be read)."""
    try:
        return {i.id: i.title for i in catalogue_view.catalogue_of(state.settings.data_dir)}
    except CatalogueError:
        return {}


def _trusts(state: State) -> dict[str, Any]:
    return {
        "as_of": state.clock.today().isoformat(),
        "trusts": transparency.public_trusts(state.sessions),
    }


def _trust(state: State, code: str) -> dict[str, Any]:
    today = state.clock.today()
    return transparency.trust_report(state.sessions, code, today, _titles(state)).to_dict()


def _public(request: Request, template: str, context: dict[str, Any]) -> Response:
    """The page, without leaving a cookie on a stranger's browser (the layout's sign-out form
    needs a CSRF token only for someone signed in)."""
    stranger = not request.session
    response = render(request, template, context)
    if stranger:
        request.session.clear()  # nothing to keep, so no session cookie is sent
    return response


@router.get("/public", include_in_schema=False)
def trusts_page(request: Request, state: State) -> Response:
    """Every trust, with how many signals it has open."""
    return _public(request, "public.html", {"d": _trusts(state)})


@router.get("/api/v1/public", tags=["public"])
def trusts(state: State) -> dict[str, Any]:
    """Every trust (``code``, ``name``, ``region``) with how many signals are ``open`` and how
    many of those are ``red``, as of today. No sign-in needed."""
    return _trusts(state)


@router.get("/public/trusts/{code}", include_in_schema=False)
def trust_page(request: Request, state: State, code: str) -> Response:
    """One trust's signals: levels by indicator, each open signal, and each closed one."""
    return _public(request, "public_trust.html", {"d": _trust(state, code)})


@router.get("/api/v1/public/trusts/{code}", tags=["public"])
def trust(state: State, code: str) -> dict[str, Any]:
    """What caresignal publishes about one trust as of today: open signals by indicator and
    level (``levels``), each ``open`` signal longest open first, and each ``closed`` one with
    its ``outcome``. Levels, states, dates, counts, indicator titles and roles only: no names,
    e-mail addresses or free text. No sign-in needed."""
    return _trust(state, code)
