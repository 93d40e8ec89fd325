"""The actions tracker: the recommendations a person's roles reach, with how far each has got,
their own actions, overdue first, and one recommendation with its actions and the moves on them
(start, done with evidence, verify by a second person, reopen, close the recommendation), each
page beside its JSON twin under ``/api/v1`` (docs/web.md, docs/recommendations.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from caresignal.domain.actions import Action, RecommendationDetail, RecommendationState
from caresignal.errors import CaresignalError
from caresignal.web.deps import CurrentViewer, State
from caresignal.web.pages import back_to, lines, render
from caresignal.web.security import check_csrf
from caresignal.workflow import actions, board, tracker

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


def _tracker(state: State, viewer: CurrentViewer, status: str | None) -> dict[str, Any]:
    """Everything the tracker page shows, as JSON-ready data."""
    today = state.clock.today()
    chosen = None if status is None else RecommendationState(status)
    found = tracker.visible_recommendations(state.sessions, viewer.name, chosen)
    mine = tracker.own_actions(state.sessions, viewer.name, today)
    return {
        "as_of": today.isoformat(),
        "recommendations": [detail.to_dict(today) for detail in found],
        "my_actions": [own.to_dict() for own in mine],
    }


def _recommendation(state: State, viewer: CurrentViewer, recommendation_id: int) -> dict[str, Any]:
    """Everything the recommendation page shows, as JSON-ready data."""
    detail = tracker.visible_recommendation(state.sessions, viewer.name, recommendation_id)
    today = state.clock.today()
    allowed, closing = tracker.allowed_on(state.sessions, viewer.name, detail)
    history = board.board_history(  # the person reaches it: checked just above
        state.sessions, "recommendation", recommendation_id, actor=None, as_of=today
    )
    data = detail.to_dict(today)
    for action in data["actions"]:
        action["allowed"] = allowed[action["id"]].to_dict()
    return {**data, "may_close": closing, "board": history.to_dict()}


@router.get("/actions", include_in_schema=False)
def tracker_page(
    request: Request, state: State, viewer: CurrentViewer, status: str | None = None
) -> Response:
    """The recommendations the person's roles reach, and their own actions."""
    chosen = _status(status)
    return render(request, "actions.html", {"t": _tracker(state, viewer, chosen), "status": chosen})


@router.get("/api/v1/actions", tags=["actions"])
def tracker_view(state: State, viewer: CurrentViewer, status: str | None = None) -> dict[str, Any]:
    """The recommendations the person reaches (or those ``open`` or ``closed``), each with
    its actions and summary ("open: 3 of 5 actions verified, 1 overdue"), and the person's own
    actions, overdue first."""
    return _tracker(state, viewer, _status(status))


def _status(status: str | None) -> str | None:
    """``open``, ``closed`` or None (all of them); anything else is refused."""
    states = [state.value for state in RecommendationState]
    if status is None or status in states:
        return status
    raise CaresignalError(
        f"there is no recommendation state {status!r}", hint=f"choose one of: {', '.join(states)}"
    )


@router.get("/recommendations/{recommendation_id}", include_in_schema=False)
def recommendation_page(
    request: Request, state: State, viewer: CurrentViewer, recommendation_id: int
) -> Response:
    """One recommendation: how far it has got, its actions and the moves the person may make."""
    data = _recommendation(state, viewer, recommendation_id)
    notice = request.session.pop("notice", None)
    return render(request, "recommendation.html", {"r": data, "notice": notice})


@router.get("/api/v1/recommendations/{recommendation_id}", tags=["actions"])
def recommendation(state: State, viewer: CurrentViewer, recommendation_id: int) -> dict[str, Any]:
    """One recommendation: its fields, summary, actions (each with the moves the person may
    make, and why they may not verify it when that is so), whether they may close it, and its
    history at the board."""
    return _recommendation(state, viewer, recommendation_id)


class Version(BaseModel):
    """A move of an action (start, verify) made on the version the person saw."""

    version: int | None = None


class Done(BaseModel):
    """Marking an action done: the evidence of what was done, and the version seen."""

    evidence: list[str]
    version: int | None = None


class Reason(BaseModel):
    """Reopening an action, or closing a recommendation: why, and the version seen."""

    reason: str
    version: int | None = None


def _start(state: State, viewer: CurrentViewer, action_id: int, change: Version) -> Action:
    tracker.action_recommendation(state.sessions, viewer.name, action_id)  # not found unless seen
    return actions.start_action(
        state.sessions, action_id, actor=viewer.name, clock=state.clock,
        expected_version=change.version,
    )  # fmt: skip


def _done(state: State, viewer: CurrentViewer, action_id: int, done: Done) -> Action:
    tracker.action_recommendation(state.sessions, viewer.name, action_id)
    return actions.complete_action(
        state.sessions, action_id, done.evidence, actor=viewer.name, clock=state.clock,
        expected_version=done.version,
    )  # fmt: skip


def _verify(state: State, viewer: CurrentViewer, action_id: int, change: Version) -> Action:
    tracker.action_recommendation(state.sessions, viewer.name, action_id)
    return actions.verify_action(
        state.sessions, action_id, actor=viewer.name, clock=state.clock,
        expected_version=change.version,
    )  # fmt: skip


def _reopen(state: State, viewer: CurrentViewer, action_id: int, given: Reason) -> Action:
    tracker.action_recommendation(state.sessions, viewer.name, action_id)
    return actions.reopen_action(
        state.sessions, action_id, actor=viewer.name, clock=state.clock, reason=given.reason,
        expected_version=given.version,
    )  # fmt: skip


def _close(
    state: State, viewer: CurrentViewer, recommendation_id: int, given: Reason
) -> RecommendationDetail:
    tracker.visible_recommendation(state.sessions, viewer.name, recommendation_id)
    return actions.close_recommendation(
        state.sessions, recommendation_id, actor=viewer.name, clock=state.clock,
        reason=given.reason, expected_version=given.version,
    )  # fmt: skip


@router.post("/api/v1/actions/{action_id}/start", tags=["actions"])
def start(state: State, viewer: CurrentViewer, action_id: int, change: Version) -> dict[str, Any]:
    """Start a planned action: its owner, or a unit lead or above."""
    return _start(state, viewer, action_id, change).to_dict()


@router.post("/api/v1/actions/{action_id}/done", tags=["actions"])
def done(state: State, viewer: CurrentViewer, action_id: int, given: Done) -> dict[str, Any]:
    """Mark an action in progress done, with at least one piece of evidence."""
    return _done(state, viewer, action_id, given).to_dict()


@router.post("/api/v1/actions/{action_id}/verify", tags=["actions"])
def verify(state: State, viewer: CurrentViewer, action_id: int, change: Version) -> dict[str, Any]:
    """Verify a done action: a second person (never the one who marked it done) holding a
    verifying role."""
    return _verify(state, viewer, action_id, change).to_dict()


@router.post("/api/v1/actions/{action_id}/reopen", tags=["actions"])
def reopen(state: State, viewer: CurrentViewer, action_id: int, given: Reason) -> dict[str, Any]:
    """Send a done action back to in progress, with the reason the work was not accepted."""
    return _reopen(state, viewer, action_id, given).to_dict()


@router.post("/api/v1/recommendations/{recommendation_id}/close", tags=["actions"])
def close(
    state: State, viewer: CurrentViewer, recommendation_id: int, given: Reason
) -> dict[str, Any]:
    """Close the recommendation with a written reason; closing with actions not verified is
    allowed, and shown as such."""
    return _close(state, viewer, recommendation_id, given).to_dict(state.clock.today())


@router.post("/actions/{action_id}/start", include_in_schema=False)
def start_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    action_id: int,
    version: Annotated[int, Form()],
) -> RedirectResponse:
    """The form twin of starting an action."""
    action = _start(state, viewer, action_id, Version(version=version))
    return back_to(
        request,
        f"/recommendations/{action.recommendation_id}",
        f"Action #{action.id} is in progress.",
    )


@router.post("/actions/{action_id}/done", include_in_schema=False)
def done_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    action_id: int,
    evidence: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> RedirectResponse:
    """The form twin of marking an action done: one piece of evidence per line."""
    items = lines(evidence)
    action = _done(state, viewer, action_id, Done(evidence=items, version=version))
    notice = f"Action #{action.id} is done; a second person must now verify it."
    return back_to(request, f"/recommendations/{action.recommendation_id}", notice)


@router.post("/actions/{action_id}/verify", include_in_schema=False)
def verify_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    action_id: int,
    version: Annotated[int, Form()],
) -> RedirectResponse:
    """The form twin of verifying an action."""
    action = _verify(state, viewer, action_id, Version(version=version))
    return back_to(
        request, f"/recommendations/{action.recommendation_id}", f"Action #{action.id} is verified."
    )


@router.post("/actions/{action_id}/reopen", include_in_schema=False)
def reopen_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    action_id: int,
    reason: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> RedirectResponse:
    """The form twin of reopening an action."""
    action = _reopen(state, viewer, action_id, Reason(reason=reason, version=version))
    notice = f"Action #{action.id} is back in progress."
    return back_to(request, f"/recommendations/{action.recommendation_id}", notice)


@router.post("/recommendations/{recommendation_id}/close", include_in_schema=False)
def close_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    recommendation_id: int,
    reason: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> RedirectResponse:
    """The form twin of closing a recommendation."""
    detail = _close(state, viewer, recommendation_id, Reason(reason=reason, version=version))
    notice = f"The recommendation is {detail.summary(state.clock.today())}."
    return back_to(request, f"/recommendations/{recommendation_id}", notice)
