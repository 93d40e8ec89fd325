"""Use cases of Martha's Rule urgent reviews: ask for one (no sign-in), begin the review, record
its outcome, and the clock that escalates a review not begun in time (docs/concerns.md,
"Martha's Rule").

Who answers: the site's ``outreach_team`` is told at once, and its ``on_call_senior`` when the
review has not begun within the site's limit (the rules file's ``[urgent_review]``, default 30
minutes). Only those two roles, held in the call's site, may read or handle a call; to anyone
else it does not exist. The call-back number is shown only to them, never written to the audit
log or an e-mail, and removed from the store (and from the paging messages, if the webhook is
trusted with it) when the outcome is recorded. Each change is one transaction with its audit
entry; the messages go into the outbox in the same transaction, and the caller
(:func:`caresignal.workflow.urgent_notify.notify_now`) sends them as soon as it has committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Role
from caresignal.domain.urgent import WAITING_STATES, Caller, CallState, Outcome, UrgentCall
from caresignal.errors import CaresignalError
from caresignal.store import audit, repo, transaction
from caresignal.store import outbox as outbox_repo
from caresignal.store import urgent as urgent_repo
from caresignal.store.actions import StaleChangeError
from caresignal.store.service import UnknownError
from caresignal.workflow import access
from caresignal.workflow.rules import DEFAULT_RULES, Rules
from caresignal.workflow.urgent_notify import Paging, tell_escalated, tell_outreach

__all__ = [
    "HANDLERS",
    "MAX_NOTE",
    "MAX_PATIENT",
    "MAX_WORRY",
    "PUBLIC",
    "UrgentRuleError",
    "begin_review",
    "call",
    "escalate_calls",
    "get_call",
    "list_calls",
    "may_see_callback",
    "record_outcome",
    "run_urgent_clock",
    "wards",
]

#: The roles that read and handle a site's calls (held in that site).
HANDLERS = frozenset({Role.OUTREACH_TEAM, Role.ON_CALL_SENIOR})
#: The actor of a call made through the public page or API.
PUBLIC = "public"
MAX_PATIENT, MAX_WORRY, MAX_NOTE = 100, 200, 2000
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,25}$")
ENTITY = "urgent_review"


class UrgentRuleError(CaresignalError, ValueError):
    """A call or a move on it that the rules refuse."""


def _line(value: str, what: str, limit: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise UrgentRuleError(f"{what} is empty", hint=f"give {what}")
    if len(text) > limit:
        raise UrgentRuleError(
            f"{what} is {len(text)} characters long", hint=f"keep it to {limit} characters"
        )
    return text


def _phone(value: str) -> str:
    number = value.strip()
    digits = sum(ch.isdigit() for ch in number)
    if not _PHONE.match(number) or digits < 6:
        raise UrgentRuleError(
            "the call-back number is not a telephone number",
            hint="give a number the outreach team can ring, e.g. 07700 900123",
        )
    return number


def wards(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    """Every ward or unit a call can be about, as ``(code, "unit name, site name")``, by name."""
    with sessions() as session:
        found = {o.code: o for o in repo.organisations(session)}
    return sorted(
        (
            (o.code, f"{o.name}, {found[o.parent_code].name}")
            for o in found.values()
            if o.level == "unit" and o.parent_code in found
        ),
        key=lambda each: each[1],
    )


def _site_of(session: Session, unit: str) -> str:
    organisation = repo.find_organisation(session, unit)
    if organisation is None or organisation.level != "unit" or organisation.parent_code is None:
        raise UnknownError(
            f"there is no ward or unit with code {unit!r}", hint="choose the ward from the list"
        )
    return organisation.parent_code


def _record(
    session: Session, clock: Clock, actor: str, action: str,
    before: UrgentCall | None, after: UrgentCall, reason: str,
) -> None:  # fmt: skip
    """The audit entry of a change: never the words, the bed or name, or the number."""
    audit.append(
        session, clock=clock, actor=actor, action=action, entity=ENTITY, entity_id=str(after.id),
        before=None if before is None else before.to_dict(with_words=False),
        after={**after.to_dict(with_words=False), "callback_kept": after.callback is not None},
        reason=reason,
    )  # fmt: skip


def call(
    sessions: sessionmaker[Session],
    unit: str,
    caller: Caller,
    patient: str,
    worry: str,
    callback: str,
    *,
    clock: Clock,
    rules: Rules = DEFAULT_RULES,
    paging: Paging | None = None,
) -> UrgentCall:
    """Ask for an urgent review on ``unit``; committed, with its audit entry and the messages to
    the outreach team (and the paging webhook), before it returns."""
    patient = _line(patient, "the bed or patient's name", MAX_PATIENT)
    worry = _line(worry, "what worries you", MAX_WORRY)
    number = _phone(callback)
    with transaction(sessions) as session:
        site = _site_of(session, unit)
        now = clock.now()
        limit = rules.urgent_limit(site)
        made = urgent_repo.add_call(
            session,
            UrgentCall(
                id=0, reference="", unit=unit, site=site, caller=caller, patient=patient,
                worry=worry, callback=number, state=CallState.CALLED, called_at=now,
                limit_minutes=limit, due_at=now + timedelta(minutes=limit), escalated_at=None,
                review_begun_at=None, review_begun_by=None, outcomes=(), outcome_note=None,
                outcome_at=None, outcome_by=None, version=0,
            ),
        )  # fmt: skip
        _record(session, clock, PUBLIC, "urgent.call", None, made, f"asked for by {caller.value}")
        tell_outreach(session, clock, made, paging or Paging())
    return made


def _visible(session: Session, actor: str, call_id: int) -> UrgentCall:
    """The call, if ``actor`` holds a handling role in its site; "not found" otherwise."""
    user = access.user(session, actor)
    found = urgent_repo.find_call(session, call_id)
    if found is None or not access.holds(session, user, HANDLERS, found.site):
        raise UnknownError(
            f"there is no urgent review {call_id}", hint="see `caresignal urgent list`"
        )
    return found


def may_see_callback(sessions: sessionmaker[Session], actor: str, call: UrgentCall) -> bool:
    """Whether ``actor`` may see the call's call-back number (a handler in its site)."""
    with sessions() as session:
        user = access.user(session, actor)
        return access.holds(session, user, HANDLERS, call.site)


def get_call(sessions: sessionmaker[Session], call_id: int, *, actor: str) -> UrgentCall:
    """One call, for its site's outreach team or on-call senior."""
    with sessions() as session:
        return _visible(session, actor, call_id)


def list_calls(
    sessions: sessionmaker[Session], *, actor: str, open_only: bool = True
) -> list[UrgentCall]:
    """The calls of every site where ``actor`` is in the outreach team or the on-call senior
    (only open ones unless ``open_only`` is False), oldest first."""
    with sessions() as session:
        reach = access.Reach(session, access.user(session, actor))
        sites = {
            grant.organisation_code
            for grant in reach.grants
            if grant.role in HANDLERS and grant.organisation_code is not None
        }
        return urgent_repo.calls(session, sites=sites, open_only=open_only)


def _check_version(found: UrgentCall, expected: int | None) -> None:
    if expected is not None and expected != found.version:
        raise StaleChangeError(
            f"urgent review {found.reference} was changed by someone else since you read it",
            hint="look at it again, then retry",
        )


def begin_review(
    sessions: sessionmaker[Session], call_id: int, *, actor: str, clock: Clock,
    expected_version: int | None = None,
) -> UrgentCall:  # fmt: skip
    """Record that the review has begun (the clock stops)."""
    with transaction(sessions) as session:
        before = _visible(session, actor, call_id)
        _check_version(before, expected_version)
        if before.state not in WAITING_STATES:
            raise UrgentRuleError(
                f"the review of {before.reference} has already begun",
                hint="record its outcome instead",
            )
        after = urgent_repo.save_call(
            session,
            replace(before, state=CallState.REVIEW_BEGUN, review_begun_at=clock.now(),
                    review_begun_by=actor),
        )  # fmt: skip
        late = clock.now() > before.due_at
        _record(session, clock, actor, "urgent.begin", before, after,
                "review begun" + (" after the time limit" if late else " in time"))  # fmt: skip
    return after


def record_outcome(
    sessions: sessionmaker[Session], call_id: int, outcomes: Sequence[Outcome], note: str, *,
    actor: str, clock: Clock, expected_version: int | None = None,
) -> UrgentCall:  # fmt: skip
    """Record what came of the review and close the call; its call-back number is removed from
    the store, and from any paging message that held it."""
    chosen = tuple(dict.fromkeys(outcomes))
    if not chosen:
        raise UrgentRuleError(
            "no outcome was given",
            hint=f"choose one or more of: {', '.join(o.value for o in Outcome)}",
        )
    text = note.strip()
    if len(text) > MAX_NOTE:
        raise UrgentRuleError("the note is too long", hint=f"keep it to {MAX_NOTE} characters")
    with transaction(sessions) as session:
        before = _visible(session, actor, call_id)
        _check_version(before, expected_version)
        if before.state is not CallState.REVIEW_BEGUN:
            raise UrgentRuleError(
                f"{before.reference} is {before.state.value.replace('_', ' ')}",
                hint="an outcome is recorded once the review has begun",
            )
        after = urgent_repo.save_call(
            session,
            replace(before, state=CallState.OUTCOME_RECORDED, outcomes=chosen,
                    outcome_note=text or None, outcome_at=clock.now(), outcome_by=actor,
                    callback=None),
        )  # fmt: skip
        if before.callback:
            outbox_repo.scrub(session, ENTITY, str(call_id), before.callback, "[removed]")
        _record(session, clock, actor, "urgent.outcome", before, after,
                "outcome: " + ", ".join(o.value for o in chosen))  # fmt: skip
    return after


def escalate_calls(
    session: Session, now: datetime, *, actor: str, clock: Clock, paging: Paging | None = None
) -> list[UrgentCall]:
    """In the caller's transaction: escalate every call whose review has not begun by its
    ``due_at`` to the site's on-call senior, tell them, and record it. A call is escalated
    once: running it again changes nothing."""
    escalated: list[UrgentCall] = []
    for before in urgent_repo.overdue_calls(session, now):
        if before.state is not CallState.CALLED:
            continue
        after = urgent_repo.save_call(
            session, replace(before, state=CallState.ESCALATED, escalated_at=now)
        )
        reason = (
            f"the review was not begun within {before.limit_minutes} minutes (due "
            f"{before.due_at.isoformat()}): escalated from outreach_team to on_call_senior"
        )
        _record(session, clock, actor, "urgent.escalate", before, after, reason)
        tell_escalated(session, clock, after, paging or Paging())
        escalated.append(after)
    return escalated


def run_urgent_clock(
    sessions: sessionmaker[Session], *, actor: str, clock: Clock, paging: Paging | None = None
) -> list[UrgentCall]:
    """One run of the urgent reviews' clock as of now, in its own transaction."""
    with transaction(sessions) as session:
        return escalate_calls(session, clock.now(), actor=actor, clock=clock, paging=paging)


def references(calls: Iterable[UrgentCall]) -> str:
    """``MR-2026-000001, MR-2026-000002``: for messages and the command line."""
    return ", ".join(each.reference for each in calls)
