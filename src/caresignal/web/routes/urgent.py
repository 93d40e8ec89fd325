"""Martha's Rule, the public side: a one-step page on which a patient, a family member, a carer
or a member of staff asks for an urgent review, and its JSON twin (docs/web.md,
docs/concerns.md "Martha's Rule").

No sign-in, but a CSRF token from the page or from ``GET /api/v1/urgent-review``, as for every
change. The call is committed before its reference is shown; its messages to the outreach
team are sent straight after, in the background of the same request. Each connection may make
:data:`CALLS` calls in :data:`WINDOW` seconds (429 after that), known by a keyed hash of its
address so that no address is kept; a hidden ``website`` field that people leave empty catches
bots, which are answered as if their call was taken while nothing is stored.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from caresignal.domain.urgent import Caller, UrgentCall
from caresignal.errors import CaresignalError
from caresignal.web.deps import AppState, State
from caresignal.web.errors import WebError
from caresignal.web.pages import render
from caresignal.web.security import ConnectionLimiter, check_csrf, csrf_token
from caresignal.workflow import urgent
from caresignal.workflow.urgent_notify import hhmm, notify_now, paging_from

__all__ = ["CALLS", "WINDOW", "CallLimiter", "router"]

router = APIRouter(dependencies=[Depends(check_csrf)])
#: Calls one connection may make in :data:`WINDOW` seconds.
CALLS, WINDOW = 5, 15 * 60
CALLERS = {
    Caller.PATIENT: "I am the patient",
    Caller.FAMILY: "I am family",
    Caller.CARER: "I am a carer",
    Caller.STAFF: "I work here",
}
NEXT = (
    "The outreach team will come to see the patient. If nobody has come within {minutes} "
    "minutes, the senior doctor on call is told. If the patient gets worse, tell the nurse in "
    "charge or call 999 now."
)


class CallLimiter(ConnectionLimiter):
    """At most :data:`CALLS` calls per connection in :data:`WINDOW` seconds, in the memory of one
    process."""

    def __init__(self, attempts: int = CALLS, window: float = WINDOW) -> None:
        super().__init__(attempts, window)


def _limiter(request: Request) -> CallLimiter:
    found: CallLimiter = request.app.state.urgent_limiter
    return found


class NewCall(BaseModel):
    """A call as sent. ``website`` is the honeypot: people leave it empty."""

    unit: str = Field(max_length=100)
    caller: Caller
    patient: str = Field(max_length=urgent.MAX_PATIENT * 4)
    worry: str = Field(max_length=urgent.MAX_WORRY * 4)
    callback: str = Field(max_length=100)
    website: str = Field(default="", max_length=400)


def _choices(state: State) -> dict[str, Any]:
    wards = urgent.wards(state.sessions)
    return {
        "wards": [{"code": code, "name": name} for code, name in wards],
        "callers": [{"value": c.value, "label": label} for c, label in CALLERS.items()],
        "limit_minutes": state.rules.urgent_minutes,
        "what_happens": NEXT.format(minutes=state.rules.urgent_minutes),
    }


def _answer(reference: str, called_at: Any, due_at: Any, minutes: int) -> dict[str, Any]:
    return {
        "reference": reference,
        "told_at": hhmm(called_at),
        "due_by": hhmm(due_at),
        "message": f"The outreach team has been told at {hhmm(called_at)}.",
        "what_happens": NEXT.format(minutes=minutes),
    }


def _call(
    request: Request, state: AppState, given: NewCall, tasks: BackgroundTasks
) -> dict[str, Any]:
    """Store the call (or, for a bot, pretend to) and say what happens next."""
    limiter = _limiter(request)
    keys = limiter.keys(request)
    if limiter.wait(keys) > 0:
        raise WebError(
            429,
            "too many urgent review calls have been made from this connection",
            "ask the nurse in charge, or ring the hospital switchboard and ask for the outreach "
            "team; if someone is very unwell call 999",
        )
    now = state.clock.now()
    if given.website.strip():
        limiter.failed(keys)
        number = secrets.randbelow(900_000) + 100_000
        minutes = state.rules.urgent_minutes
        return _answer(f"MR-{now.year}-{number:06d}", now, now, minutes)
    made: UrgentCall = urgent.call(
        state.sessions, given.unit.strip(), given.caller, given.patient, given.worry,
        given.callback, clock=state.clock, rules=state.rules, paging=paging_from(state.settings),
    )  # fmt: skip
    limiter.failed(keys)
    tasks.add_task(notify_now, state.sessions, state.settings, state.clock, made)
    return _answer(made.reference, made.called_at, made.due_at, made.limit_minutes)


@router.get("/urgent-review", include_in_schema=False)
def call_page(request: Request, state: State) -> Response:
    """Worried someone is getting sicker? Ask for an urgent review."""
    return render(request, "urgent_review.html", {"d": _choices(state), "values": {}})


@router.get("/api/v1/urgent-review", tags=["urgent reviews"])
def call_choices(request: Request, state: State) -> dict[str, Any]:
    """What a call needs: the ``wards`` to choose from (``code``, ``name``), who the caller may
    be, the default time limit in minutes, what happens after a call, and the ``csrf_token``
    to send back in the ``X-CSRF-Token`` header. No sign-in needed."""
    return {**_choices(state), "csrf_token": csrf_token(request)}


@router.post("/api/v1/urgent-reviews", tags=["urgent reviews"], status_code=201)
def make_call(
    request: Request, state: State, given: NewCall, tasks: BackgroundTasks
) -> dict[str, Any]:
    """Ask for an urgent review (Martha's Rule): ``unit`` (a ward's code), ``caller``
    (patient, family, carer, staff), ``patient`` (bed or name), ``worry`` (one line, up to 200
    characters) and ``callback`` (a telephone number). Answers the ``reference``, when the
    outreach team was told (``told_at``, HH:MM in England) and what happens next. No sign-in
    needed, but the ``X-CSRF-Token`` header from ``GET /api/v1/urgent-review`` is; at most 5
    calls per connection in 15 minutes (429 after that)."""
    return _call(request, state, given, tasks)


@router.post("/urgent-reviews", include_in_schema=False)
def call_form(
    request: Request,
    state: State,
    tasks: BackgroundTasks,
    unit: Annotated[str, Form(max_length=100)] = "",
    caller: Annotated[str, Form(max_length=20)] = "",
    patient: Annotated[str, Form(max_length=urgent.MAX_PATIENT * 4)] = "",
    worry: Annotated[str, Form(max_length=urgent.MAX_WORRY * 4)] = "",
    callback: Annotated[str, Form(max_length=100)] = "",
    website: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """The form twin: the reference and what happens next, or the form again with what to put
    right."""
    values = {"unit": unit, "caller": caller, "patient": patient, "worry": worry,
              "callback": callback}  # fmt: skip
    try:
        if caller not in {c.value for c in Caller}:
            raise urgent.UrgentRuleError("say who you are", hint="choose one of the answers")
        given = NewCall(unit=unit, caller=Caller(caller), patient=patient, worry=worry,
                        callback=callback, website=website)  # fmt: skip
        done = _call(request, state, given, tasks)
    except CaresignalError as problem:
        context = {"d": _choices(state), "values": values, "problem": problem}
        return render(request, "urgent_review.html", context, status_code=400)
    return render(request, "urgent_review_done.html", {"done": done})
