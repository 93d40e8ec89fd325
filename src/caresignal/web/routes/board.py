"""The board view of each trust: what should go to the board (open, overdue and escalated, with
how many times each has reached it), its meetings, and what was presented and decided at each,
with the forms that record them; each page beside its JSON twin under ``/api/v1``
(docs/web.md).

Anyone holding a role in the trust (a regulator: in its region) reads its board ledger; a board
member, the executive safety champion or an administrator of the trust records meetings and
decisions. Another trust's board is "not found".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from caresignal.domain.board import BoardItem, BoardMeeting
from caresignal.store.service import UnknownError
from caresignal.web.deps import CurrentViewer, State
from caresignal.web.pages import back_to, render
from caresignal.web.security import check_csrf
from caresignal.workflow import board, tracker

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])

Entity = Literal["signal_episode", "action", "recommendation"]


def _may_record(state: State, viewer: CurrentViewer, trust: str) -> bool:
    return tracker.holds_role(state.sessions, viewer.name, board.BOARD_ROLES, trust)


def _boards(state: State, viewer: CurrentViewer) -> list[dict[str, Any]]:
    """The trusts whose boards the person's roles reach."""
    return [
        {"code": trust.code, "name": trust.name, "region": trust.region}
        for trust in tracker.visible_trusts(state.sessions, viewer.name)
    ]


def _board(state: State, viewer: CurrentViewer, trust: str) -> dict[str, Any]:
    """Everything the board page shows, as JSON-ready data."""
    found = tracker.board_trust(state.sessions, viewer.name, trust)
    meetings = board.list_meetings(state.sessions, trust, actor=viewer.name)
    return {
        "trust": {"code": found.code, "name": found.name, "region": found.region},
        "as_of": state.clock.today().isoformat(),
        "agenda": _agenda(state, viewer, trust),
        "meetings": [meeting.to_dict() for meeting in meetings],
        "may_record": _may_record(state, viewer, trust),
    }


def _href(state: State, viewer: CurrentViewer, entity: str, entity_id: int | str) -> str | None:
    """The page that shows an item that goes to the board (an action: its recommendation's);
    None for a concern, which has no page for the board: the board sees concerns only as
    their standing, never their words (docs/concerns.md)."""
    if entity == "signal_episode":
        return f"/signals/{entity_id}"
    if entity == "action":
        number = tracker.action_recommendation(state.sessions, viewer.name, int(entity_id))
        return f"/recommendations/{number}#action-{entity_id}"
    if entity == "recommendation":
        return f"/recommendations/{entity_id}"
    return None


def _item(state: State, viewer: CurrentViewer, item: BoardItem) -> dict[str, Any]:
    return {**item.to_dict(), "href": _href(state, viewer, item.entity, item.entity_id)}


def _agenda(state: State, viewer: CurrentViewer, trust: str) -> list[dict[str, Any]]:
    """What should go to the trust's board as of today, with the page that shows each."""
    today = state.clock.today()
    items = board.agenda(state.sessions, trust, today, actor=viewer.name, rules=state.rules)
    return [
        {**item.to_dict(), "href": _href(state, viewer, item.entity, item.entity_id)}
        for item in items
    ]


def _meeting_in(
    state: State, viewer: CurrentViewer, trust: str, meeting_id: int
) -> tuple[BoardMeeting, list[BoardItem]]:
    """The meeting and its items, if it is a meeting of ``trust`` the person may read."""
    meeting, items = board.get_meeting(state.sessions, meeting_id, actor=viewer.name)
    if meeting.trust != trust:
        raise UnknownError(f"there is no board meeting {meeting_id}")
    return meeting, items


def _meeting(state: State, viewer: CurrentViewer, trust: str, meeting_id: int) -> dict[str, Any]:
    """Everything the meeting page shows, as JSON-ready data."""
    meeting, items = _meeting_in(state, viewer, trust, meeting_id)
    shown = {(item.entity, item.entity_id) for item in items}
    waiting = _agenda(state, viewer, trust)
    return {
        "meeting": meeting.to_dict(),
        "items": [_item(state, viewer, item) for item in items],
        "agenda": [a for a in waiting if (a["entity"], str(a["id"])) not in shown],
        "may_record": _may_record(state, viewer, trust),
    }


@router.get("/boards", include_in_schema=False)
def boards_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The trusts whose boards the person's roles reach."""
    return render(request, "boards.html", {"boards": _boards(state, viewer)})


@router.get("/api/v1/boards", tags=["boards"])
def boards(state: State, viewer: CurrentViewer) -> list[dict[str, Any]]:
    """The trusts whose board ledgers the person's roles reach: code, name and region."""
    return _boards(state, viewer)


@router.get("/boards/{trust}", include_in_schema=False)
def board_page(request: Request, state: State, viewer: CurrentViewer, trust: str) -> Response:
    """One trust's board: its agenda as of today, its meetings, and the form to record one."""
    data = _board(state, viewer, trust)
    notice = request.session.pop("notice", None)
    return render(request, "board.html", {"board": data, "notice": notice})


@router.get("/api/v1/boards/{trust}", tags=["boards"])
def board_view(state: State, viewer: CurrentViewer, trust: str) -> dict[str, Any]:
    """One trust's board: what should go to it as of today (each item with why, how it stands
    and its history at the board), its meetings, and whether the person may record them."""
    return _board(state, viewer, trust)


@router.get("/boards/{trust}/meetings/{meeting_id}", include_in_schema=False)
def meeting_page(
    request: Request, state: State, viewer: CurrentViewer, trust: str, meeting_id: int
) -> Response:
    """One meeting: what was presented and what the board decided, and the form to record it."""
    data = _meeting(state, viewer, trust, meeting_id)
    notice = request.session.pop("notice", None)
    return render(request, "board_meeting.html", {"m": data, "notice": notice})


@router.get("/api/v1/boards/{trust}/meetings/{meeting_id}", tags=["boards"])
def meeting(state: State, viewer: CurrentViewer, trust: str, meeting_id: int) -> dict[str, Any]:
    """One meeting: each item presented (how it stood then, the decision, who recorded it), what
    is on the agenda and not yet presented at it, and whether the person may record more."""
    return _meeting(state, viewer, trust, meeting_id)


class NewMeeting(BaseModel):
    """A meeting of the board: the day it was held and its title."""

    held_on: date
    title: str = "Board meeting"


class Presentation(BaseModel):
    """An item presented at a meeting and what the board decided."""

    entity: Entity
    id: int
    decision: str


def _add_meeting(state: State, viewer: CurrentViewer, trust: str, new: NewMeeting) -> BoardMeeting:
    tracker.board_trust(state.sessions, viewer.name, trust)  # not found unless visible
    return board.add_meeting(
        state.sessions, trust, new.held_on, new.title, actor=viewer.name, clock=state.clock
    )


def _present(
    state: State, viewer: CurrentViewer, trust: str, meeting_id: int, given: Presentation
) -> BoardItem:
    _meeting_in(state, viewer, trust, meeting_id)
    return board.present(
        state.sessions,
        meeting_id,
        given.entity,
        given.id,
        given.decision,
        actor=viewer.name,
        clock=state.clock,
    )


@router.post("/api/v1/boards/{trust}/meetings", tags=["boards"])
def add_meeting(state: State, viewer: CurrentViewer, trust: str, new: NewMeeting) -> dict[str, Any]:
    """Record a meeting of the trust's board."""
    return _add_meeting(state, viewer, trust, new).to_dict()


@router.post("/api/v1/boards/{trust}/meetings/{meeting_id}/items", tags=["boards"])
def present(
    state: State, viewer: CurrentViewer, trust: str, meeting_id: int, given: Presentation
) -> dict[str, Any]:
    """Record that a signal episode, action or recommendation was presented at the meeting, and
    what the board decided."""
    return _item(state, viewer, _present(state, viewer, trust, meeting_id, given))


@router.post("/boards/{trust}/meetings", include_in_schema=False)
def add_meeting_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    trust: str,
    held_on: Annotated[date, Form()],
    title: Annotated[str, Form()],
) -> RedirectResponse:
    """The form twin of recording a meeting: on to the new meeting's page."""
    made = _add_meeting(state, viewer, trust, NewMeeting(held_on=held_on, title=title))
    notice = f"The meeting of {made.held_on.isoformat()} is recorded."
    return back_to(request, f"/boards/{trust}/meetings/{made.id}", notice)


@router.post("/boards/{trust}/meetings/{meeting_id}/items", include_in_schema=False)
def present_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    trust: str,
    meeting_id: int,
    entity: Annotated[Entity, Form()],
    entity_id: Annotated[int, Form()],
    decision: Annotated[str, Form()],
) -> RedirectResponse:
    """The form twin of recording an item presented and the board's decision."""
    given = Presentation(entity=entity, id=entity_id, decision=decision)
    item = _present(state, viewer, trust, meeting_id, given)
    name = f"{item.entity.replace('_', ' ')} {item.entity_id}"
    notice = f"The board's decision on {name} is recorded."
    return back_to(request, f"/boards/{trust}/meetings/{meeting_id}", notice)
