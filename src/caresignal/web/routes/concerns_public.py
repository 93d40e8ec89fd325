"""Raising and following a concern, with no sign-in: the public form (``/concerns/new``), the
staff form with the choice to stay anonymous (``/concerns/speak-up``), the page that shows the
reference and the private link once (``/concerns/submitted``), and the person's own view
through their private link (``/concerns/follow/{token}``), each page beside its JSON twin under
``/api/v1`` (docs/web.md, docs/concerns.md).

The rules are the workflow's (:mod:`caresignal.workflow.concerns`). What is here is for the
web only: a limit on how many concerns one connection may send, a honeypot field that makes a
bot's submission look accepted while nothing is stored, and never writing down the private
token or, for a staff concern, the address it came from.

A form's submission is answered Post/Redirect/Get: the concern is stored, its reference and
token go into the signed session cookie (never into an address, which would land in a server's
log and the browser's history), and the browser is sent (303) to ``/concerns/submitted``, which
takes the token out of the session as it shows it. Refreshing that page sends nothing again and
shows the reference without the link, for :data:`REMEMBERED` after sending; then the session
forgets the concern, so that a computer shared on a ward does not show the next person that a
concern was sent from it.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from caresignal.domain.concerns import ConcernChannel, ConcernContact
from caresignal.errors import CaresignalError
from caresignal.web.deps import State
from caresignal.web.errors import WebError
from caresignal.web.pages import back_to, render
from caresignal.web.security import ConnectionLimiter, check_csrf, csrf_token
from caresignal.workflow import concern_views, concerns
from caresignal.workflow.concern_rules import (
    CONTACT_BY,
    MAX_CONTACT,
    MAX_TEXT,
    RELATIONSHIPS,
    ContactRuleError,
)

__all__ = ["SubmissionLimiter", "router"]

router = APIRouter(dependencies=[Depends(check_csrf)])

#: At most this many concerns from one connection in :data:`WINDOW` seconds.
SUBMISSIONS = 20
WINDOW = 60 * 60
#: Generous room above the workflow's own limits, so that its message explains a long text
#: and anything far longer is refused before it is read.
ROOM = 4


class SubmissionLimiter(ConnectionLimiter):
    """At most ``attempts`` concerns per connection in ``window`` seconds, in the memory of one
    process (several worker processes allow that many times more)."""

    def __init__(self, attempts: int = SUBMISSIONS, window: float = WINDOW) -> None:
        super().__init__(attempts, window)

    def submitted(self, keys: tuple[str, ...]) -> None:
        """Count one concern sent (or one a bot thinks it sent)."""
        self.failed(keys)


def _limiter(request: Request) -> SubmissionLimiter:
    found: SubmissionLimiter = request.app.state.concern_limiter
    return found


class NewConcern(BaseModel):
    """A concern as sent by the person. ``website`` is the honeypot: people leave it empty."""

    organisation: str = Field(max_length=100)
    text: str = Field(max_length=MAX_TEXT * ROOM)
    happened_on: date | None = None
    relationship: str = Field(default="patient", max_length=40)
    contact_by: str = Field(default="link", max_length=40)
    name: str | None = Field(default=None, max_length=MAX_CONTACT * ROOM)
    email: str | None = Field(default=None, max_length=MAX_CONTACT * ROOM)
    phone: str | None = Field(default=None, max_length=MAX_CONTACT * ROOM)
    address: str | None = Field(default=None, max_length=MAX_CONTACT * ROOM)
    anonymous: bool = False
    website: str = Field(default="", max_length=MAX_CONTACT * ROOM)


def _choices(state: State, staff: bool) -> dict[str, Any]:
    return {
        "staff": staff,
        "places": concern_views.places(state.sessions),
        "relationships": list(RELATIONSHIPS),
        "contact_by": list(CONTACT_BY),
        "max_text": MAX_TEXT,
    }


def _decoy(state: State) -> dict[str, Any]:
    """What a bot that filled the honeypot is told: a reference and a link that look real and
    open nothing."""
    number = secrets.randbelow(900_000) + 100_000
    reference = f"CON-{state.clock.today().year}-{number:06d}"
    return {"reference": reference, "token": secrets.token_urlsafe(32)}


def _raise(request: Request, state: State, given: NewConcern, staff: bool) -> dict[str, Any]:
    """Store the concern (or, for a bot, pretend to) and give its reference and token."""
    limiter = _limiter(request)
    keys = limiter.keys(request)
    if limiter.wait(keys) > 0:
        raise WebError(
            429,
            "too many concerns have been sent from this connection in the last hour",
            "try again in an hour, or phone the trust's Patient Advice and Liaison Service",
        )
    if given.website.strip():
        limiter.submitted(keys)
        made = _decoy(state)
    else:
        anonymous = staff and given.anonymous
        details = ConcernContact(given.name, given.email, given.phone, given.address)
        given_any = any(v and v.strip() for v in details.to_dict().values())
        submitted = concerns.submit(
            state.sessions, given.organisation.strip(),
            ConcernChannel.STAFF if staff else ConcernChannel.ONLINE, given.text,
            clock=state.clock, happened_on=given.happened_on,
            relationship="staff" if staff else given.relationship,
            contact_by="link" if anonymous else given.contact_by,
            contact=details if given_any else None, anonymous=anonymous,
        )  # fmt: skip
        limiter.submitted(keys)
        made = {"reference": submitted.concern.reference, "token": submitted.token}
    return {**made, "follow": f"/concerns/follow/{made['token']}", "reply_within_days": 3}


def _new_page(
    request: Request,
    state: State,
    staff: bool,
    values: dict[str, str] | None = None,
    problem: str | None = None,
    field: str | None = None,
) -> Response:
    """The form, with what was typed and, after a refusal, the problem (beside ``field`` when
    it is one field's)."""
    context = {
        "c": _choices(state, staff), "values": values or {}, "problem": problem,
        "problem_field": field,
    }  # fmt: skip
    return render(request, "concern_new.html", context, status_code=400 if problem else 200)


def _sentence(error: CaresignalError) -> str:
    """The error and its hint as sentences."""
    problem = f"{error.message[:1].upper()}{error.message[1:]}."
    if error.hint:
        problem += f" {error.hint[:1].upper()}{error.hint[1:]}."
    return problem


@router.get("/concerns/new", include_in_schema=False)
def new_page(request: Request, state: State) -> Response:
    """The form to raise a concern: no sign-in needed."""
    return _new_page(request, state, staff=False)


@router.get("/concerns/speak-up", include_in_schema=False)
def speak_up_page(request: Request, state: State) -> Response:
    """The form for staff to speak up, anonymously if they wish."""
    return _new_page(request, state, staff=True)


@router.get("/api/v1/concerns/new", tags=["concerns"])
def new(request: Request, state: State) -> dict[str, Any]:
    """The choices of the form (``places`` by trust, ``relationships``, ``contact_by``), the
    longest text kept, and the ``csrf_token`` to send in the ``X-CSRF-Token`` header with
    ``POST /api/v1/concerns``. No sign-in needed."""
    return {**_choices(state, False), "csrf_token": csrf_token(request)}


@router.get("/api/v1/concerns/speak-up", tags=["concerns"])
def speak_up(request: Request, state: State) -> dict[str, Any]:
    """As ``/api/v1/concerns/new``, for ``POST /api/v1/concerns/speak-up``."""
    return {**_choices(state, True), "csrf_token": csrf_token(request)}


@router.post("/api/v1/concerns", tags=["concerns"], status_code=201)
def raise_concern(request: Request, state: State, given: NewConcern) -> dict[str, Any]:
    """Raise a concern; once it is stored, its ``reference`` and the private ``token`` of its
    link ``follow`` (given once only). No sign-in needed; ``anonymous`` is ignored. A
    ``contact_by`` of ``email``, ``phone`` or ``letter`` needs a plausible ``email``, ``phone``
    or ``address`` (400 otherwise, and nothing is stored)."""
    return _raise(request, state, given, staff=False)


@router.post("/api/v1/concerns/speak-up", tags=["concerns"], status_code=201)
def raise_staff_concern(request: Request, state: State, given: NewConcern) -> dict[str, Any]:
    """A member of staff speaks up; with ``anonymous`` true, nothing identifying is kept and
    no contact details are accepted. As ``POST /api/v1/concerns`` otherwise."""
    return _raise(request, state, given, staff=True)


Text = Annotated[str, Form(max_length=MAX_TEXT * ROOM)]
#: Form fields read apart from the rest.
SET_APART = {"happened_on", "anonymous"}
Short = Annotated[str, Form(max_length=MAX_CONTACT * ROOM)]


def _form(
    request: Request, state: State, staff: bool, values: dict[str, str], anonymous: bool
) -> Response:
    try:
        day = date.fromisoformat(values["happened_on"]) if values["happened_on"] else None
    except ValueError:
        return _new_page(request, state, staff, values, "The day it happened is not a date.")
    kept = {k: v for k, v in values.items() if k in NewConcern.model_fields and k not in SET_APART}
    given = NewConcern(**kept, happened_on=day, anonymous=anonymous)
    try:
        made = _raise(request, state, given, staff)
    except ContactRuleError as error:
        return _new_page(request, state, staff, values, _sentence(error), error.field)
    except CaresignalError as error:
        return _new_page(request, state, staff, values, _sentence(error))
    request.session[SUBMITTED] = {
        "reference": made["reference"], "token": made["token"], "staff": staff,
        "sent_at": state.clock.now().isoformat(),
    }  # fmt: skip
    return RedirectResponse("/concerns/submitted", status_code=303)


#: The session's key for the concern just sent: its reference, whether it came from the staff
#: form, when it was sent, and its token until the token has been shown.
SUBMITTED = "submitted_concern"
#: How long after sending the page still shows the concern's reference.
REMEMBERED = timedelta(minutes=15)


def _recent(kept: object, now: datetime) -> dict[str, Any] | None:
    """What the session keeps of the concern just sent, if it was sent within
    :data:`REMEMBERED`."""
    if not isinstance(kept, dict) or not isinstance(kept.get("reference"), str):
        return None
    try:
        sent = datetime.fromisoformat(str(kept.get("sent_at")))
    except ValueError:
        return None
    return kept if timedelta(0) <= now - sent <= REMEMBERED else None


def _submitted(request: Request, state: State) -> dict[str, Any]:
    """The concern this browser has just sent: its ``reference`` (None if it sent none, or
    longer ago than :data:`REMEMBERED`) and, the first time only, its private ``token`` and link
    ``follow`` (taken out of the session here, so that it is shown once); ``shown_before`` once
    the link has been shown."""
    kept = _recent(request.session.pop(SUBMITTED, None), state.clock.now())
    if kept is None:
        return {"reference": None, "token": None, "follow": None, "staff": False,
                "shown_before": False, "reply_within_days": 3}  # fmt: skip
    token = kept.get("token")
    staff = kept.get("staff") is True
    request.session[SUBMITTED] = {"reference": kept["reference"], "staff": staff,
                                  "sent_at": kept["sent_at"]}  # fmt: skip
    fresh = isinstance(token, str)
    return {
        "reference": kept["reference"], "token": token if fresh else None,
        "follow": f"/concerns/follow/{token}" if fresh else None, "staff": staff,
        "shown_before": not fresh, "reply_within_days": 3,
    }  # fmt: skip


@router.get("/concerns/submitted", include_in_schema=False)
def submitted_page(request: Request, state: State) -> Response:
    """The reference of the concern this browser has just sent and, once only, its private
    link; after that (a refresh), the reference and that the link was shown once."""
    made = _submitted(request, state)
    link = None if made["follow"] is None else str(request.base_url).rstrip("/") + made["follow"]
    return render(request, "concern_submitted.html", {"s": made, "link": link,
                                                      "staff": made["staff"]})  # fmt: skip


@router.get("/api/v1/concerns/submitted", tags=["concerns"])
def submitted(request: Request, state: State) -> dict[str, Any]:
    """As ``/concerns/submitted``: the ``reference`` of the concern this session's form has just
    sent, and its ``token`` and link ``follow`` the first time only (null after, with
    ``shown_before`` true; all null when it sent none, or more than 15 minutes ago)."""
    return _submitted(request, state)


@router.post("/concerns", include_in_schema=False)
def raise_form(
    request: Request,
    state: State,
    organisation: Short = "",
    text: Text = "",
    happened_on: Short = "",
    relationship: Short = "patient",
    contact_by: Short = "link",
    name: Short = "",
    email: Short = "",
    phone: Short = "",
    address: Short = "",
    website: Short = "",
) -> Response:
    """The form twin of raising a concern: once it is stored, to ``/concerns/submitted`` (303),
    which shows the reference and the private link; or the form again with what to put
    right."""
    values = {
        "organisation": organisation, "text": text, "happened_on": happened_on,
        "relationship": relationship, "contact_by": contact_by, "name": name, "email": email,
        "phone": phone, "address": address, "website": website,
    }  # fmt: skip
    return _form(request, state, False, values, anonymous=False)


@router.post("/concerns/speak-up", include_in_schema=False)
def speak_up_form(
    request: Request,
    state: State,
    organisation: Short = "",
    text: Text = "",
    anonymous: Short = "yes",
    happened_on: Short = "",
    contact_by: Short = "link",
    name: Short = "",
    email: Short = "",
    phone: Short = "",
    website: Short = "",
) -> Response:
    """The form twin of speaking up; staying anonymous unless "no" is chosen."""
    values = {
        "organisation": organisation, "text": text, "happened_on": happened_on,
        "contact_by": contact_by, "name": name, "email": email, "phone": phone,
        "website": website, "anonymous": anonymous,
    }  # fmt: skip
    return _form(request, state, True, values, anonymous=anonymous != "no")


def _follow(state: State, token: str) -> dict[str, Any]:
    view = concerns.view_by_token(state.sessions, token)
    data = view.to_dict()
    dates = ("received_on", "acknowledge_by", "acknowledged_on", "response_due", "responded_on")
    return {
        **data,
        "said": concern_views.said_to_person(view.concern),
        "may": concern_views.person_moves(view.concern),
        "anonymous": view.concern.anonymous,
        "in_words": {key: _long(data[key]) for key in dates},
    }


def _long(day: str | None) -> str | None:
    """An ISO day as people write it: "24 November 2026"."""
    return None if day is None else date.fromisoformat(day).strftime("%-d %B %Y")


@router.get("/concerns/follow/{token}", include_in_schema=False)
def follow_page(request: Request, state: State, token: str) -> Response:
    """The person's own view of their concern, with the forms to add information and to answer
    the final response."""
    data = _follow(state, token)
    notice = request.session.pop("notice", None)
    return render(request, "concern_follow.html", {"f": data, "token": token, "notice": notice})


@router.get("/api/v1/concerns/follow/{token}", tags=["concerns"])
def follow(state: State, token: str) -> dict[str, Any]:
    """The concern the private token opens, as its writer sees it: reference, ``state`` and
    ``said`` (in words), dates, the conversation (``from`` "you" or "the trust"), what they
    ``may`` do, and the Ombudsman route once answered. Any other token: 404."""
    return _follow(state, token)


class Message(BaseModel):
    """More information or a question from the person."""

    text: str = Field(max_length=MAX_TEXT * ROOM)


class Answer(BaseModel):
    """The person's answer to the final response."""

    resolved: bool
    text: str = Field(default="", max_length=MAX_TEXT * ROOM)


@router.post("/api/v1/concerns/follow/{token}/messages", tags=["concerns"])
def message(state: State, token: str, given: Message) -> dict[str, Any]:
    """Add information or a question (until the concern is closed); the person's view after."""
    concerns.message_by_token(state.sessions, token, given.text, clock=state.clock)
    return _follow(state, token)


@router.post("/api/v1/concerns/follow/{token}/answer", tags=["concerns"])
def answer(state: State, token: str, given: Answer) -> dict[str, Any]:
    """Say whether the final response resolved the concern: resolved closes it; not resolved
    reopens it (a new answer is due) and offers the Ombudsman route."""
    concerns.answer_by_token(state.sessions, token, given.resolved, given.text, clock=state.clock)
    return _follow(state, token)


@router.post("/concerns/follow/{token}/messages", include_in_schema=False)
def message_form(request: Request, state: State, token: str, text: Text) -> Response:
    """The form twin of adding information."""
    concerns.message_by_token(state.sessions, token, text, clock=state.clock)
    return back_to(request, f"/concerns/follow/{token}", "Thank you. Your message was added.")


@router.post("/concerns/follow/{token}/answer", include_in_schema=False)
def answer_form(
    request: Request, state: State, token: str, resolved: Short, text: Text = ""
) -> Response:
    """The form twin of answering the final response (``resolved`` is "yes" or "no")."""
    if resolved not in ("yes", "no"):
        raise WebError(400, "say yes or no", "choose whether the answer sorted things out")
    concerns.answer_by_token(state.sessions, token, resolved == "yes", text, clock=state.clock)
    notice = (
        "Thank you. Your concern is now closed."
        if resolved == "yes"
        else "Thank you. The trust will look at your concern again."
    )
    return back_to(request, f"/concerns/follow/{token}", notice)
