"""Martha's Rule, the outreach team's side: the open calls of the sites where the person is in
the outreach team or the on-call senior, with minutes left or how long overdue and the
call-back number, and the forms to begin a review and record its outcome, each beside its JSON
twin under ``/api/v1`` (docs/web.md, docs/concerns.md "Martha's Rule").

To anyone else a call does not exist: their list is empty and a call's moves answer 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from caresignal.domain.urgent import Outcome, UrgentCall
from caresignal.errors import CaresignalError
from caresignal.web.deps import CurrentViewer, State
from caresignal.web.pages import back_to, render
from caresignal.web.security import check_csrf
from caresignal.workflow import urgent
from caresignal.workflow.urgent_notify import hhmm

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])
OUTCOMES = {
    Outcome.REVIEW_DONE: "Review done",
    Outcome.CARE_ESCALATED: "Care escalated",
    Outcome.FAMILY_TOLD: "Family told",
}


def _row(state: State, call: UrgentCall) -> dict[str, Any]:
    left = call.minutes_left(state.clock.now())
    return {
        **call.to_dict(with_callback=True),
        "minutes_left": left,
        "overdue": left is not None and left < 0,
        "called_hhmm": hhmm(call.called_at),
        "due_hhmm": hhmm(call.due_at),
    }


def _calls(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    found = urgent.list_calls(state.sessions, actor=viewer.name)
    return {
        "as_of": state.clock.now().isoformat(),
        "calls": [_row(state, call) for call in found],
        "outcomes": [{"value": o.value, "label": label} for o, label in OUTCOMES.items()],
    }


@router.get("/urgent-reviews", include_in_schema=False)
def calls_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The open calls of the person's sites, overdue ones marked, with the forms to act."""
    notice = request.session.pop("notice", None)
    return render(request, "urgent_reviews.html", {"d": _calls(state, viewer), "notice": notice})


@router.get("/api/v1/urgent-reviews", tags=["urgent reviews"])
def calls(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """The open calls of the sites where the person is in the outreach team or the on-call
    senior, oldest first, each with ``minutes_left`` (negative: overdue; null once the review
    has begun) and its ``callback`` number. Empty for everyone else."""
    return _calls(state, viewer)


class Begin(BaseModel):
    """Beginning a review, on the version the person saw."""

    version: int | None = None


class Result(BaseModel):
    """The outcome of a review: one or more of review_done, care_escalated, family_told."""

    outcomes: list[str] | str
    note: str = ""
    version: int | None = None


def _outcomes(given: list[str] | str) -> list[Outcome]:
    names = [given] if isinstance(given, str) else given
    try:
        return [Outcome(name) for name in names if name]
    except ValueError:
        choices = ", ".join(o.value for o in Outcome)
        raise CaresignalError("that is not an outcome", hint=f"choose from: {choices}") from None


def _begin(state: State, viewer: CurrentViewer, call_id: int, given: Begin) -> UrgentCall:
    return urgent.begin_review(
        state.sessions, call_id, actor=viewer.name, clock=state.clock,
        expected_version=given.version,
    )  # fmt: skip


def _result(state: State, viewer: CurrentViewer, call_id: int, given: Result) -> UrgentCall:
    urgent.get_call(state.sessions, call_id, actor=viewer.name)  # not found before anything else
    return urgent.record_outcome(
        state.sessions, call_id, _outcomes(given.outcomes), given.note, actor=viewer.name,
        clock=state.clock, expected_version=given.version,
    )  # fmt: skip


@router.post("/api/v1/urgent-reviews/{call_id}/begin", tags=["urgent reviews"])
def begin(state: State, viewer: CurrentViewer, call_id: int, given: Begin) -> dict[str, Any]:
    """Record that the review has begun (its clock stops): the site's outreach team or
    on-call senior."""
    return _row(state, _begin(state, viewer, call_id, given))


@router.post("/api/v1/urgent-reviews/{call_id}/outcome", tags=["urgent reviews"])
def outcome(state: State, viewer: CurrentViewer, call_id: int, given: Result) -> dict[str, Any]:
    """Record the outcome of a review that has begun and close the call; its call-back number
    is removed."""
    return _row(state, _result(state, viewer, call_id, given))


@router.post("/urgent-reviews/{call_id}/begin", include_in_schema=False)
def begin_form(
    request: Request, state: State, viewer: CurrentViewer, call_id: int,
    version: Annotated[int | None, Form()] = None,
) -> RedirectResponse:  # fmt: skip
    """The form twin of beginning a review."""
    done = _begin(state, viewer, call_id, Begin(version=version))
    return back_to(request, "/urgent-reviews", f"Review of {done.reference} begun.")


@router.post("/urgent-reviews/{call_id}/outcome", include_in_schema=False)
def outcome_form(
    request: Request, state: State, viewer: CurrentViewer, call_id: int,
    outcomes: Annotated[list[str] | None, Form()] = None, note: Annotated[str, Form()] = "",
    version: Annotated[int | None, Form()] = None,
) -> RedirectResponse:  # fmt: skip
    """The form twin of recording the outcome."""
    given = Result(outcomes=outcomes or [], note=note, version=version)
    done = _result(state, viewer, call_id, given)
    return back_to(request, "/urgent-reviews", f"Outcome of {done.reference} recorded.")
