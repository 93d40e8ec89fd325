"""What the concern pages show, worked out from the rules (docs/concerns.md, docs/web.md): the
places a person can choose when raising a concern, the trust's list with each clock in working
days (overdue first), the moves a concern's state allows, and the person's own view in words.

Reads only; the changes are the use cases of :mod:`caresignal.workflow.concerns` and
:mod:`caresignal.workflow.concerns_handling`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.domain import Organisation
from caresignal.domain.concerns import Concern, ConcernState
from caresignal.store import repo
from caresignal.workflow.calendar import working_days_between
from caresignal.workflow.concern_rules import statutory_deadline
from caresignal.workflow.concerns_handling import WORKING, list_concerns

__all__ = ["clock_of", "handling_list", "moves", "person_moves", "places", "said_to_person"]

S = ConcernState


def places(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """Every trust, by name, with its own code first ("the whole trust, or not sure") and then
    its sites and units, each unit named with its site: the choices of "where it happened"."""
    with sessions() as session:
        everything = repo.organisations(session)
    below: dict[str | None, list[Organisation]] = {}
    for organisation in everything:
        below.setdefault(organisation.parent_code, []).append(organisation)
    trusts = sorted((o for o in everything if o.level == "trust"), key=lambda o: o.name)
    return [{"code": t.code, "name": t.name, "places": _within(t, below)} for t in trusts]


def _within(
    trust: Organisation, below: dict[str | None, list[Organisation]]
) -> list[dict[str, str]]:
    found = [{"code": trust.code, "name": f"{trust.name}: the whole trust, or not sure"}]
    for site in sorted(below.get(trust.code, []), key=lambda o: o.name):
        found.append({"code": site.code, "name": site.name})
        for unit in sorted(below.get(site.code, []), key=lambda o: o.name):
            found.append({"code": unit.code, "name": f"{site.name}: {unit.name}"})
    return found


def clock_of(concern: Concern, as_of: date) -> dict[str, Any]:
    """What the concern owes next, by when, and how many working days are left (negative:
    overdue by that many), with a sentence saying so."""
    due = statutory_deadline(concern)
    if due is None:
        return {"owed": None, "due": None, "working_days": None, "overdue": False,
                "sentence": "nothing owed"}  # fmt: skip
    day, owed = due
    left = working_days_between(as_of, day)
    overdue = day < as_of
    if overdue:
        sentence = f"{owed} overdue by {_days(-left)} (due {day.isoformat()})"
    elif left == 0:
        sentence = f"{owed} due today ({day.isoformat()})"
    else:
        sentence = f"{owed} due in {_days(left)} ({day.isoformat()})"
    return {"owed": owed, "due": day.isoformat(), "working_days": left, "overdue": overdue,
            "sentence": sentence}  # fmt: skip


def _days(count: int) -> str:
    count = max(count, 1)  # overdue on a weekend is still overdue
    return f"{count} working day{'s' if count != 1 else ''}"


def moves(concern: Concern) -> dict[str, bool]:
    """Which of the trust's moves the concern's state allows (the use cases check again)."""
    reply = concern.state in WORKING | {S.RECEIVED, S.RESPONDED}
    return {
        "acknowledge": concern.state is S.RECEIVED,
        "triage": concern.state in WORKING,
        "agree_date": concern.state in WORKING,
        "reply": reply,
        "explain": reply and concern.explained_on is None and concern.responded_on is None,
        "respond": concern.state is S.TRIAGED,
        "close": concern.state is S.RESPONDED,
    }


def handling_list(
    sessions: sessionmaker[Session], actor: str, as_of: date, state: ConcernState | None = None
) -> list[dict[str, Any]]:
    """The concerns ``actor`` may handle (in one state), overdue first (the longest overdue
    first), then by the next date owed; each without its words, with its clock."""
    found = list_concerns(sessions, actor=actor, state=state)
    rows = [
        {**c.to_dict(with_text=False), "clock": clock_of(c, as_of), "overdue": c.is_overdue(as_of)}
        for c in found
    ]

    def order(row: dict[str, Any]) -> tuple[int, str, int]:
        due = row["clock"]["due"]
        return (0 if row["overdue"] else 1, due or "9999-12-31", row["id"])

    return sorted(rows, key=order)


def person_moves(concern: Concern) -> dict[str, bool]:
    """What the person may do through their link: add information until it is closed, and say
    whether the final response resolved it once it is sent."""
    return {"message": concern.state is not S.CLOSED, "answer": concern.state is S.RESPONDED}


def said_to_person(concern: Concern) -> str:
    """Where the concern stands, in plain words for the person who raised it."""
    due = None if concern.response_due is None else concern.response_due.strftime("%-d %B %Y")
    if concern.state is S.RECEIVED:
        by = concern.acknowledge_by.strftime("%-d %B %Y")
        return f"We have your concern. The trust will reply by {by}."
    if concern.state in (S.ACKNOWLEDGED, S.TRIAGED):
        return f"The trust is looking into your concern. It will send a full answer by {due}."
    if concern.state is S.REOPENED:
        return (
            "You told us the answer did not sort things out. The trust is looking again. "
            f"It will send a new answer by {due}."
        )
    if concern.state is S.RESPONDED:
        return "The trust has sent its full answer. Please tell us if it sorts things out."
    return "This concern is closed."
