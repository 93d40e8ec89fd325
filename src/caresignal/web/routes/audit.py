"""The audit log: whether its chain verifies (checked as the page is asked for), and the trail
of any entity (who, when, what, why, and the fields each entry changed), each page beside its
JSON twin under ``/api/v1`` (docs/web.md, docs/store.md).

Administrators, quality analysts, executive safety champions and regulators may read it; a trail
of something their roles do not reach is "not found". A concern's trail is for the roles with
concern access where the concern is, as the concern itself
(:mod:`caresignal.workflow.concerns_trail`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from caresignal.web.deps import CurrentViewer, State
from caresignal.web.pages import render
from caresignal.web.security import check_csrf
from caresignal.workflow import tracker
from caresignal.workflow.concerns_trail import concern_trail

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])

#: Where the page of each kind of entity is, for a link from its trail.
PAGES = {
    "signal_episode": "/signals/{}",
    "recommendation": "/recommendations/{}",
    "concern": "/concerns/{}",
}


def _status(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    return tracker.chain_status(state.sessions, viewer.name, state.clock.now()).to_dict()


def _trail(state: State, viewer: CurrentViewer, entity: str, entity_id: str) -> dict[str, Any]:
    if entity == "concern":
        entries = concern_trail(state.sessions, viewer.name, entity_id)
    else:
        entries = tracker.trail(state.sessions, viewer.name, entity, entity_id)
    page = PAGES.get(entity)
    return {
        "entity": entity,
        "entity_id": entity_id,
        "href": None if page is None else page.format(entity_id),
        "entries": [entry.to_dict() for entry in entries],
    }


@router.get("/audit", include_in_schema=False)
def audit_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Whether the audit chain is intact, checked now."""
    return render(request, "audit.html", {"status": _status(state, viewer), "trail": None})


@router.get("/api/v1/audit", tags=["audit"])
def audit_status(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """The audit chain, verified now: ``intact``, the ``first_break`` (its entry and what is
    wrong) if not, the number of ``entries``, the ``last_hash`` and ``verified_at``."""
    return _status(state, viewer)


@router.get("/audit/{entity}/{entity_id}", include_in_schema=False)
def trail_page(
    request: Request, state: State, viewer: CurrentViewer, entity: str, entity_id: str
) -> Response:
    """The trail of one entity, oldest first."""
    data = _trail(state, viewer, entity, entity_id)
    return render(request, "audit.html", {"status": None, "trail": data})


@router.get("/api/v1/audit/{entity}/{entity_id}", tags=["audit"])
def trail(state: State, viewer: CurrentViewer, entity: str, entity_id: str) -> dict[str, Any]:
    """Every audit entry about one entity (``signal_episode``, ``action``, ``recommendation``;
    ``concern`` for roles with concern access where it is; for administrators also ``user``,
    ``role_grant``, ``organisation``, ``notification``, ``board_meeting``), oldest first: who,
    when, what and why, with the fields it changed (``before`` and ``after`` of each)."""
    return _trail(state, viewer, entity, entity_id)
