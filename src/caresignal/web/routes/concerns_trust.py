"""The trust's concern pages, for people whose roles give concern access (docs/concerns.md): the
concerns their roles reach, overdue first, with each clock in working days (``/concerns``), and
one concern with its conversation, deadlines and the moves its state allows: acknowledge,
triage, link or unlink a patient-safety incident, agree a response date, reply, explain the
delay, send the final response, close (``/concerns/{id}``); each page and move beside its
JSON twin under ``/api/v1``; and the trust's concerns as a CSV or Excel download with their
words redacted (``/concerns.csv``, ``/concerns.xlsx``,
:mod:`caresignal.workflow.concerns_export`).

Who may read a concern is decided in :mod:`caresignal.workflow.concerns_handling`: to anyone
without concern access in its organisation, it does not exist (404).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from caresignal.domain.concerns import HCAT, Concern, Severity
from caresignal.errors import CaresignalError
from caresignal.text.themes import suggest
from caresignal.web.deps import CurrentViewer, State
from caresignal.web.pages import back_to, render
from caresignal.web.security import check_csrf
from caresignal.workflow import concern_views, concerns_export
from caresignal.workflow import concerns_handling as handling
from caresignal.workflow.concern_rules import MAX_TEXT, parse_severity, parse_state
from caresignal.workflow.concerns_incidents import MAX_INCIDENTS

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])
#: Room above the workflow's limit, so that its own message explains a long text.
LONG = MAX_TEXT * 4


def _list(state: State, viewer: CurrentViewer, chosen: str | None) -> dict[str, Any]:
    today = state.clock.today()
    wanted = None if chosen is None else parse_state(chosen)
    found = concern_views.handling_list(state.sessions, viewer.name, today, wanted)
    trusts = concerns_export.export_trusts(state.sessions, viewer.name)
    exports = [
        {"trust": t.code, "name": t.name, "csv": f"/concerns.csv?trust={t.code}",
         "xlsx": f"/concerns.xlsx?trust={t.code}"}
        for t in trusts
    ]  # fmt: skip
    return {"as_of": today.isoformat(), "state": chosen, "concerns": found, "exports": exports}


def _day(value: str, what: str) -> date | None:
    """An ISO day from a query (empty: none)."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        hint = "write it as 2026-11-23, or leave it empty"
        raise CaresignalError(f"{what} {value!r} is not a date", hint=hint) from None


def _download(
    state: State, viewer: CurrentViewer, trust: str, start: str, end: str, kind: str
) -> Response:
    """The trust's concerns that the person may read, redacted, as a CSV or Excel file; the
    export's audit entry is committed before the file is sent."""
    first, last = _day(start, "from"), _day(end, "to")
    made = concerns_export.export(
        state.sessions, trust, actor=viewer.name, clock=state.clock, start=first, end=last,
        kind=kind,
    )  # fmt: skip
    media = MEDIA[kind]
    headers = {"Content-Disposition": f'attachment; filename="{made.file_name(kind)}"',
               "Cache-Control": "no-store"}  # fmt: skip
    return Response(made.to_bytes(kind), media_type=media, headers=headers)


#: The media type of each kind of download (as the overview's).
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Trust = Annotated[str, Query(max_length=100, description="The trust's code.")]
From = Annotated[str, Query(alias="from", max_length=20, description="Received on or after.")]
To = Annotated[str, Query(alias="to", max_length=20, description="Received on or before.")]


@router.get("/concerns.csv", include_in_schema=False)
@router.get("/api/v1/concerns.csv", tags=["concerns"])
def concerns_csv(
    state: State, viewer: CurrentViewer, trust: Trust, start: From = "", end: To = ""
) -> Response:
    """The trust's concerns that the person may read, received ``from`` and ``to`` (ISO days,
    both included, either left open), one row each, with names, telephone numbers, e-mail
    addresses and the person's own details taken out of the words and the conversation. 404
    without concern access in the trust; each export is in the audit log."""
    return _download(state, viewer, trust, start, end, "csv")


@router.get("/concerns.xlsx", include_in_schema=False)
@router.get("/api/v1/concerns.xlsx", tags=["concerns"])
def concerns_xlsx(
    state: State, viewer: CurrentViewer, trust: Trust, start: From = "", end: To = ""
) -> Response:
    """As ``/api/v1/concerns.csv``, as an Excel workbook."""
    return _download(state, viewer, trust, start, end, "xlsx")


def _detail(state: State, viewer: CurrentViewer, concern_id: int) -> dict[str, Any]:
    detail = handling.get_concern(state.sessions, concern_id, actor=viewer.name)
    today = state.clock.today()
    return {
        **detail.to_dict(today),
        "clock": concern_views.clock_of(detail.concern, today),
        "may": concern_views.moves(detail.concern),
        "may_link_incidents": detail.concern.state in handling.LINKING,
        "hcat": HCAT,
        "severities": [s.value for s in Severity],
        "suggested_themes": [
            {"domain": domain, "category": category, "confidence": confidence}
            for domain, category, confidence in suggest(detail.concern.text)[:3]
        ],
    }


@router.get("/concerns", include_in_schema=False)
def list_page(
    request: Request, state: State, viewer: CurrentViewer, status: str | None = None
) -> Response:
    """The concerns the person's roles reach, overdue first."""
    data = _list(state, viewer, status or None)
    states = ["received", "acknowledged", "triaged", "responded", "reopened", "closed"]
    return render(request, "concerns.html", {"d": data, "states": states})


@router.get("/api/v1/concerns", tags=["concerns"])
def list_concerns(state: State, viewer: CurrentViewer, status: str | None = None) -> dict[str, Any]:
    """The concerns the person may handle (``status``: one state only), overdue first, then by
    the next date owed; each without its words, with ``clock`` (what is owed next, by when, and
    ``working_days`` left, negative when overdue)."""
    return _list(state, viewer, status or None)


@router.get("/concerns/{concern_id}", include_in_schema=False)
def concern_page(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int
) -> Response:
    """One concern: the person's words, how to reach them, the conversation, the clocks and the
    forms of the moves its state allows."""
    data = _detail(state, viewer, concern_id)
    notice = request.session.pop("notice", None)
    return render(request, "concern.html", {"c": data, "notice": notice})


@router.get("/api/v1/concerns/{concern_id}", tags=["concerns"])
def concern(state: State, viewer: CurrentViewer, concern_id: int) -> dict[str, Any]:
    """One concern with ``contact``, ``events`` (the conversation, with who wrote each),
    ``clock``, ``may``: the moves its state allows, ``may_link_incidents``, and
    ``incident_references``. 404 without concern access."""
    return _detail(state, viewer, concern_id)


class Acknowledgement(BaseModel):
    """Acknowledging: an optional message to the person, and the version seen."""

    text: str = Field(default="", max_length=LONG)
    version: int | None = None


#: Room above an incident reference's limit, so that the workflow's message explains it.
Reference = Annotated[str, Field(max_length=200)]


class Triage(BaseModel):
    """Triage: HCAT category and severity, the duty of candour, linked signal episodes, the
    references of linked patient-safety incidents (when given, they replace those linked; left
    out, those linked are kept), and optionally the unit the concern is about."""

    category: str = Field(max_length=60)
    severity: str = Field(max_length=20)
    duty_of_candour: bool
    episode_ids: list[int] = Field(default_factory=list, max_length=100)
    incident_references: list[Reference] | None = Field(default=None, max_length=MAX_INCIDENTS * 2)
    organisation: str | None = Field(default=None, max_length=100)


class Incident(BaseModel):
    """One patient-safety incident's reference in the trust's incident system (LFPSE, Datix),
    and the version seen."""

    reference: Reference
    version: int | None = None


class ResponseDate(BaseModel):
    """The response date agreed with the person."""

    due: date


class Reply(BaseModel):
    """A reply to the person; ``explanation`` marks the six-month explanation of the delay."""

    text: str = Field(max_length=LONG)
    explanation: bool = False


class FinalResponse(BaseModel):
    """The final response, and the version seen."""

    text: str = Field(max_length=LONG)
    version: int | None = None


class Closing(BaseModel):
    """Why a responded concern is closed without the person's answer."""

    reason: str = Field(max_length=LONG)


def _acknowledge(state: State, viewer: CurrentViewer, cid: int, given: Acknowledgement) -> Concern:
    return handling.acknowledge(
        state.sessions, cid, actor=viewer.name, clock=state.clock, text=given.text,
        expected_version=given.version,
    )  # fmt: skip


def _triage(state: State, viewer: CurrentViewer, cid: int, given: Triage) -> Concern:
    return handling.triage(
        state.sessions, cid, category=given.category, severity=parse_severity(given.severity),
        duty_of_candour=given.duty_of_candour, episode_ids=given.episode_ids,
        incident_references=given.incident_references, organisation=given.organisation or None,
        actor=viewer.name, clock=state.clock,
    )  # fmt: skip


def _link(state: State, viewer: CurrentViewer, cid: int, given: Incident) -> Concern:
    return handling.link_incident(
        state.sessions, cid, given.reference, actor=viewer.name, clock=state.clock,
        expected_version=given.version,
    )  # fmt: skip


def _unlink(state: State, viewer: CurrentViewer, cid: int, given: Incident) -> Concern:
    return handling.unlink_incident(
        state.sessions, cid, given.reference, actor=viewer.name, clock=state.clock,
        expected_version=given.version,
    )  # fmt: skip


def _agree(state: State, viewer: CurrentViewer, cid: int, given: ResponseDate) -> Concern:
    return handling.agree_response_date(
        state.sessions, cid, given.due, actor=viewer.name, clock=state.clock
    )


def _reply(state: State, viewer: CurrentViewer, cid: int, given: Reply) -> Concern:
    return handling.reply(
        state.sessions, cid, given.text, explanation=given.explanation, actor=viewer.name,
        clock=state.clock,
    )  # fmt: skip


def _respond(state: State, viewer: CurrentViewer, cid: int, given: FinalResponse) -> Concern:
    return handling.respond(
        state.sessions, cid, given.text, actor=viewer.name, clock=state.clock,
        expected_version=given.version,
    )  # fmt: skip


def _close(state: State, viewer: CurrentViewer, cid: int, given: Closing) -> Concern:
    return handling.close(state.sessions, cid, reason=given.reason, actor=viewer.name,
                          clock=state.clock)  # fmt: skip


def _shown(state: State, changed: Concern) -> dict[str, Any]:
    return {**changed.to_dict(), "overdue": changed.is_overdue(state.clock.today())}


@router.post("/api/v1/concerns/{concern_id}/acknowledge", tags=["concerns"])
def acknowledge(
    state: State, viewer: CurrentViewer, concern_id: int, given: Acknowledgement
) -> dict[str, Any]:
    """Acknowledge a received concern (the response is then due in 25 working days)."""
    return _shown(state, _acknowledge(state, viewer, concern_id, given))


@router.post("/api/v1/concerns/{concern_id}/triage", tags=["concerns"])
def triage(state: State, viewer: CurrentViewer, concern_id: int, given: Triage) -> dict[str, Any]:
    """Triage an acknowledged (or reopened) concern."""
    return _shown(state, _triage(state, viewer, concern_id, given))


@router.post("/api/v1/concerns/{concern_id}/incidents", tags=["concerns"])
def link_incident(
    state: State, viewer: CurrentViewer, concern_id: int, given: Incident
) -> dict[str, Any]:
    """Link a patient-safety incident (its ``reference``: up to 40 letters, digits, '-' and
    '/') to an acknowledged concern that is not closed. 404 without concern access, 409 on a
    stale ``version``, 400 on a bad reference or one linked already."""
    return _shown(state, _link(state, viewer, concern_id, given))


@router.post("/api/v1/concerns/{concern_id}/incidents/remove", tags=["concerns"])
def unlink_incident(
    state: State, viewer: CurrentViewer, concern_id: int, given: Incident
) -> dict[str, Any]:
    """Unlink a patient-safety incident from a concern that is not closed (400 if it is not
    linked); otherwise as linking."""
    return _shown(state, _unlink(state, viewer, concern_id, given))


@router.post("/api/v1/concerns/{concern_id}/response-date", tags=["concerns"])
def agree_date(
    state: State, viewer: CurrentViewer, concern_id: int, given: ResponseDate
) -> dict[str, Any]:
    """Record the response date agreed with the person."""
    return _shown(state, _agree(state, viewer, concern_id, given))


@router.post("/api/v1/concerns/{concern_id}/replies", tags=["concerns"])
def reply(state: State, viewer: CurrentViewer, concern_id: int, given: Reply) -> dict[str, Any]:
    """Send the person a reply (or, with ``explanation``, the six-month explanation)."""
    return _shown(state, _reply(state, viewer, concern_id, given))


@router.post("/api/v1/concerns/{concern_id}/respond", tags=["concerns"])
def respond(
    state: State, viewer: CurrentViewer, concern_id: int, given: FinalResponse
) -> dict[str, Any]:
    """Send the final response to a triaged concern."""
    return _shown(state, _respond(state, viewer, concern_id, given))


@router.post("/api/v1/concerns/{concern_id}/close", tags=["concerns"])
def close(state: State, viewer: CurrentViewer, concern_id: int, given: Closing) -> dict[str, Any]:
    """Close a responded concern whose writer has not answered, with the reason."""
    return _shown(state, _close(state, viewer, concern_id, given))


Words = Annotated[str, Form(max_length=LONG)]
Short = Annotated[str, Form(max_length=100)]
#: A field of the form that may be left out (None), as the incidents' references.
Listed = Annotated[str | None, Form(max_length=MAX_INCIDENTS * 50)]


def _back(request: Request, changed: Concern, done: str) -> RedirectResponse:
    return back_to(request, f"/concerns/{changed.id}", f"Concern {changed.reference} {done}.")


def _number(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _references(text: str | None) -> list[str] | None:
    """Incident references written as "W12345, DW/2026/0042" or one a line (None: not asked)."""
    return None if text is None else text.replace(",", " ").split()


@router.post("/concerns/{concern_id}/acknowledge", include_in_schema=False)
def acknowledge_form(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int,
    version: Short = "", text: Words = "",
) -> RedirectResponse:  # fmt: skip
    """The form twin of acknowledging."""
    given = Acknowledgement(text=text, version=_number(version))
    return _back(request, _acknowledge(state, viewer, concern_id, given), "is acknowledged")


def _episodes(text: str) -> list[int]:
    """Signal episode numbers written as "12, 15" or "12 15"."""
    parts = text.replace(",", " ").replace("#", " ").split()
    if not all(part.isdigit() for part in parts):
        raise CaresignalError(
            f"the signal episodes {text!r} are not numbers", hint="write them as 12, 15"
        )
    return [int(part) for part in parts]


@router.post("/concerns/{concern_id}/triage", include_in_schema=False)
def triage_form(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int,
    category: Short = "", severity: Short = "", duty_of_candour: Short = "",
    episode_ids: Words = "", organisation: Short = "", incident_references: Listed = None,
) -> RedirectResponse:  # fmt: skip
    """The form twin of triage (``duty_of_candour`` is "yes" or "no"; the incidents' field,
    shown with those linked, replaces them)."""
    if duty_of_candour not in ("yes", "no"):
        raise CaresignalError("say whether the duty of candour applies", hint="choose yes or no")
    given = Triage(
        category=category, severity=severity, duty_of_candour=duty_of_candour == "yes",
        episode_ids=_episodes(episode_ids), organisation=organisation or None,
        incident_references=_references(incident_references),
    )  # fmt: skip
    return _back(request, _triage(state, viewer, concern_id, given), "is triaged")


@router.post("/concerns/{concern_id}/incidents", include_in_schema=False)
def link_incident_form(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int,
    reference: Short = "", version: Short = "",
) -> RedirectResponse:  # fmt: skip
    """The form twin of linking an incident."""
    given = Incident(reference=reference, version=_number(version))
    changed = _link(state, viewer, concern_id, given)
    return _back(request, changed, f"is linked to the incident {given.reference.strip()}")


@router.post("/concerns/{concern_id}/incidents/remove", include_in_schema=False)
def unlink_incident_form(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int,
    reference: Short = "", version: Short = "",
) -> RedirectResponse:  # fmt: skip
    """The form twin of unlinking an incident."""
    given = Incident(reference=reference, version=_number(version))
    changed = _unlink(state, viewer, concern_id, given)
    return _back(request, changed, f"is no longer linked to the incident {given.reference.strip()}")


@router.post("/concerns/{concern_id}/response-date", include_in_schema=False)
def agree_date_form(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int, due: Short = ""
) -> RedirectResponse:
    """The form twin of agreeing a response date."""
    try:
        day = date.fromisoformat(due)
    except ValueError:
        raise CaresignalError(f"{due!r} is not a date", hint="write it as 2026-12-18") from None
    changed = _agree(state, viewer, concern_id, ResponseDate(due=day))
    return _back(request, changed, f"has a response date agreed: {day.isoformat()}")


@router.post("/concerns/{concern_id}/replies", include_in_schema=False)
def reply_form(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int,
    text: Words = "", explanation: Short = "",
) -> RedirectResponse:  # fmt: skip
    """The form twin of a reply (``explanation`` "yes" marks the six-month explanation)."""
    given = Reply(text=text, explanation=explanation == "yes")
    return _back(request, _reply(state, viewer, concern_id, given), "has a reply sent")


@router.post("/concerns/{concern_id}/respond", include_in_schema=False)
def respond_form(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int,
    text: Words = "", version: Short = "",
) -> RedirectResponse:  # fmt: skip
    """The form twin of the final response."""
    given = FinalResponse(text=text, version=_number(version))
    return _back(request, _respond(state, viewer, concern_id, given), "has its final response")


@router.post("/concerns/{concern_id}/close", include_in_schema=False)
def close_form(
    request: Request, state: State, viewer: CurrentViewer, concern_id: int, reason: Words = ""
) -> RedirectResponse:
    """The form twin of closing."""
    return _back(request, _close(state, viewer, concern_id, Closing(reason=reason)), "is closed")
