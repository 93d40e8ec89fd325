"""Use cases of concerns for the trust: read them, acknowledge, triage, link and unlink
patient-safety incidents, agree a response date, reply, send the final response, close
(docs/concerns.md).

Only a user holding a role with concern access
(:data:`~caresignal.workflow.concern_rules.CONCERN_ROLES`) in the concern's organisation or
above may read or handle it; to anyone else it does not exist ("not found"), so that no one
learns a concern's words, or that it exists, from an answer. Each change is one transaction with
its audit entry, which records what was done but never the person's words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain.concerns import (
    Concern,
    ConcernContact,
    ConcernEvent,
    ConcernState,
    EventKind,
    Severity,
)
from caresignal.store import concerns as concern_repo
from caresignal.store import episodes as episode_repo
from caresignal.store import repo, transaction
from caresignal.store.actions import StaleChangeError
from caresignal.store.service import UnknownError
from caresignal.text.themes import suggest
from caresignal.workflow import access
from caresignal.workflow.concern_rules import (
    CONCERN_ROLES,
    ConcernRuleError,
    check_state,
    check_text,
    default_response_due,
    parse_hcat,
)
from caresignal.workflow.concerns import record, with_deadline
from caresignal.workflow.concerns_incidents import (
    check_incident_reference,
    check_incident_references,
)

__all__ = [
    "ConcernDetail",
    "acknowledge",
    "agree_response_date",
    "close",
    "get_concern",
    "link_incident",
    "list_concerns",
    "reply",
    "respond",
    "triage",
    "unlink_incident",
]

S = ConcernState
#: States in which the trust is still working towards the final response.
WORKING = {S.ACKNOWLEDGED, S.TRIAGED, S.REOPENED}
#: States in which incidents may be linked or unlinked: acknowledged, and not yet closed.
LINKING = WORKING | {S.RESPONDED}


@dataclass(frozen=True, slots=True)
class ConcernDetail:
    """A concern with how to reach the person (if they said) and its conversation."""

    concern: Concern
    contact: ConcernContact | None
    events: tuple[ConcernEvent, ...]

    def to_dict(self, as_of: date) -> dict[str, Any]:
        """For JSON: the concern, ``overdue`` as of ``as_of``, ``contact`` and ``events``."""
        return {
            **self.concern.to_dict(),
            "overdue": self.concern.is_overdue(as_of),
            "contact": None if self.contact is None else self.contact.to_dict(),
            "events": [event.to_dict() for event in self.events],
        }


def _not_found(concern_id: int) -> UnknownError:
    return UnknownError(f"there is no concern {concern_id}", hint="see `caresignal concerns list`")


def _readable(session: Session, concern_id: int, actor: str) -> Concern:
    """The concern, if ``actor`` holds a role with concern access in its organisation or above;
    "not found" otherwise."""
    found = concern_repo.find_concern(session, concern_id)
    user = repo.find_user(session, actor)
    if found is None or user is None:
        raise _not_found(concern_id)
    if not access.holds(session, user, CONCERN_ROLES, found.organisation):
        raise _not_found(concern_id)
    return found


def _change(
    sessions: sessionmaker[Session],
    concern_id: int,
    *,
    actor: str,
    clock: Clock,
    allowed: set[ConcernState],
    doing: str,
    action: str,
    reason: str,
    change: Callable[[Session, Concern], Concern],
    event: tuple[EventKind, str] | None = None,
    expected_version: int | None = None,
    noted: dict[str, Any] | None = None,
) -> Concern:
    """Read the concern (if ``actor`` may), check its state and version, apply ``change``, save
    it, add ``event`` to its conversation, and write the audit entry (with ``noted``, which
    ``change`` may fill in)."""
    with transaction(sessions) as session:
        before = _readable(session, concern_id, actor)
        if expected_version is not None and before.version != expected_version:
            raise StaleChangeError(
                f"concern {before.reference} was changed by someone else since you read it "
                f"(version {expected_version}, now {before.version})",
                hint=f"look again with `caresignal concerns show {concern_id}`, then retry",
            )
        check_state(before, allowed, doing)
        after = with_deadline(replace(change(session, before), updated_at=clock.now()))
        after = concern_repo.save_concern(session, after)
        extra: dict[str, Any] = dict(noted or {})
        if event is not None:
            kind, text = event
            added = concern_repo.add_event(
                session, after.id, at=clock.now(), actor=actor, kind=kind, text=text
            )
            extra |= {"event_id": added.id, "event_chars": len(text)}
        record(session, clock, actor, action, before, after, reason, extra)
    return after


def acknowledge(
    sessions: sessionmaker[Session],
    concern_id: int,
    *,
    actor: str,
    clock: Clock,
    text: str = "",
    reason: str = "acknowledged",
    expected_version: int | None = None,
) -> Concern:
    """Acknowledge a received concern; the response is due 25 working days later unless a date
    is agreed. ``text`` (optional) is the acknowledgement sent to the person."""
    today = clock.today()
    words = text.strip()
    return _change(
        sessions, concern_id, actor=actor, clock=clock, allowed={S.RECEIVED},
        doing="be acknowledged", action="concern.acknowledge", reason=reason,
        change=lambda _, c: replace(c, state=S.ACKNOWLEDGED, acknowledged_on=today,
                                    response_due=default_response_due(today)),
        event=None if not words else (EventKind.REPLY, check_text(words, "the text", "say it")),
        expected_version=expected_version,
    )  # fmt: skip


def triage(
    sessions: sessionmaker[Session],
    concern_id: int,
    *,
    category: str,
    severity: Severity,
    duty_of_candour: bool,
    episode_ids: Sequence[int] = (),
    incident_references: Sequence[str] | None = None,
    organisation: str | None = None,
    actor: str,
    clock: Clock,
    reason: str = "triaged",
) -> Concern:
    """Code the concern (HCAT category, hence its domain, and severity), link the signal
    episodes it bears on and (``incident_references``, when given: they replace those linked)
    the patient-safety incidents recorded about it, say whether the duty of candour applies,
    and (``organisation``) move it to the unit it is about, where the actor also needs concern
    access."""
    domain, chosen = parse_hcat(category)
    noted: dict[str, Any] = {}

    def coded(session: Session, concern: Concern) -> Concern:
        # The theme suggested from the words, kept beside the person's choice: a correction is
        # on record (the words themselves never go into the audit log).
        suggested = suggest(concern.text)
        noted["suggested_category"] = suggested[0][1] if suggested else None
        noted["corrected"] = bool(suggested) and suggested[0][1] != chosen
        for number in episode_ids:
            if episode_repo.find_episode(session, number) is None:
                raise UnknownError(
                    f"there is no signal episode {number}", hint="see `caresignal signals list`"
                )
        incidents = concern.incident_references
        if incident_references is not None:
            incidents = check_incident_references(incident_references)
        moved = organisation or concern.organisation
        if moved != concern.organisation:
            access.authorise(session, actor, CONCERN_ROLES, moved, "move it there", "a concern")
        return replace(
            concern, state=S.TRIAGED, hcat_domain=domain, hcat_category=chosen,
            severity=severity, duty_of_candour=duty_of_candour,
            episode_ids=tuple(sorted(set(episode_ids))), organisation=moved,
            incident_references=incidents,
        )  # fmt: skip

    return _change(
        sessions, concern_id, actor=actor, clock=clock, allowed=WORKING, doing="be triaged",
        action="concern.triage", reason=reason, change=coded, noted=noted,
    )  # fmt: skip


def link_incident(
    sessions: sessionmaker[Session],
    concern_id: int,
    reference: str,
    *,
    actor: str,
    clock: Clock,
    expected_version: int | None = None,
) -> Concern:
    """Link the patient-safety incident ``reference`` (of the trust's incident system) to an
    acknowledged concern that is not closed; refused if it is linked already. The reference is
    checked after the concern is found, its version and its state (as every move's rules)."""
    kept = reference.strip()

    def linked(_: Session, concern: Concern) -> Concern:
        check_incident_reference(kept)
        if kept in concern.incident_references:
            raise ConcernRuleError(
                f"the incident {kept} is already linked to concern {concern.reference}",
                hint=f"see `caresignal concerns show {concern.id}`",
            )
        incidents = check_incident_references((*concern.incident_references, kept))
        return replace(concern, incident_references=incidents)

    return _change(
        sessions, concern_id, actor=actor, clock=clock, allowed=LINKING,
        doing="have an incident linked", action="concern.link_incident",
        reason=f"incident {kept} linked", change=linked, expected_version=expected_version,
        noted={"incident": kept},
    )  # fmt: skip


def unlink_incident(
    sessions: sessionmaker[Session],
    concern_id: int,
    reference: str,
    *,
    actor: str,
    clock: Clock,
    expected_version: int | None = None,
) -> Concern:
    """Unlink the patient-safety incident ``reference`` from a concern that is not closed;
    refused if it is not linked."""
    kept = reference.strip()

    def unlinked(_: Session, concern: Concern) -> Concern:
        check_incident_reference(kept)
        if kept not in concern.incident_references:
            raise ConcernRuleError(
                f"the incident {kept} is not linked to concern {concern.reference}",
                hint=f"see `caresignal concerns show {concern.id}` for the incidents linked",
            )
        rest = tuple(r for r in concern.incident_references if r != kept)
        return replace(concern, incident_references=rest)

    return _change(
        sessions, concern_id, actor=actor, clock=clock, allowed=LINKING,
        doing="have an incident unlinked", action="concern.unlink_incident",
        reason=f"incident {kept} unlinked", change=unlinked, expected_version=expected_version,
        noted={"incident": kept},
    )  # fmt: skip


def agree_response_date(
    sessions: sessionmaker[Session],
    concern_id: int,
    due: date,
    *,
    actor: str,
    clock: Clock,
    reason: str = "response date agreed with the person",
) -> Concern:
    """Record the response date agreed with the person (today or later)."""
    if due < clock.today():
        raise ConcernRuleError(
            f"the response date {due.isoformat()} has already passed",
            hint="agree a day from today on",
        )
    return _change(
        sessions, concern_id, actor=actor, clock=clock, allowed=WORKING,
        doing="have a response date agreed", action="concern.agree_date", reason=reason,
        change=lambda _, c: replace(c, response_due=due, response_agreed=True),
    )  # fmt: skip


def reply(
    sessions: sessionmaker[Session],
    concern_id: int,
    text: str,
    *,
    explanation: bool = False,
    actor: str,
    clock: Clock,
) -> Concern:
    """Send the person a reply that is not the final response; ``explanation`` marks it as the
    written explanation of why there is no final response yet (due at six months)."""
    words = check_text(text, "the reply", "write the reply with --text")
    today = clock.today()
    kind = EventKind.EXPLANATION if explanation else EventKind.REPLY

    def replied(_: Session, concern: Concern) -> Concern:
        return replace(concern, explained_on=today) if explanation else concern

    return _change(
        sessions, concern_id, actor=actor, clock=clock,
        allowed=WORKING | {S.RECEIVED, S.RESPONDED}, doing="take a reply",
        action="concern.explain" if explanation else "concern.reply",
        reason="explanation of the delay sent" if explanation else "reply sent",
        change=replied, event=(kind, words),
    )  # fmt: skip


def respond(
    sessions: sessionmaker[Session],
    concern_id: int,
    text: str,
    *,
    actor: str,
    clock: Clock,
    expected_version: int | None = None,
) -> Concern:
    """Send the final response to a triaged (or reopened and triaged again) concern."""
    words = check_text(text, "the final response", "write it with --text")
    today = clock.today()
    return _change(
        sessions, concern_id, actor=actor, clock=clock, allowed={S.TRIAGED},
        doing="take a final response (it is triaged first)", action="concern.respond",
        reason="final response sent",
        change=lambda _, c: replace(c, state=S.RESPONDED, responded_on=today),
        event=(EventKind.FINAL_RESPONSE, words), expected_version=expected_version,
    )  # fmt: skip


def close(
    sessions: sessionmaker[Session],
    concern_id: int,
    *,
    reason: str,
    actor: str,
    clock: Clock,
) -> Concern:
    """Close a responded concern whose writer has not answered, with a written reason (a
    person's "resolved" closes it by itself)."""
    why = check_text(reason, "the reason for closing", "say why with --reason")
    today = clock.today()
    return _change(
        sessions, concern_id, actor=actor, clock=clock, allowed={S.RESPONDED},
        doing="be closed", action="concern.close", reason=why,
        change=lambda _, c: replace(c, state=S.CLOSED, closed_on=today, outcome="closed"),
    )  # fmt: skip


def get_concern(sessions: sessionmaker[Session], concern_id: int, *, actor: str) -> ConcernDetail:
    """The concern with its contact details and conversation, if ``actor`` may read it."""
    with sessions() as session:
        concern = _readable(session, concern_id, actor)
        return ConcernDetail(
            concern,
            concern_repo.contact_of(session, concern_id),
            tuple(concern_repo.events_of(session, concern_id)),
        )


def list_concerns(
    sessions: sessionmaker[Session],
    *,
    actor: str,
    organisation: str | None = None,
    state: ConcernState | None = None,
    overdue_on: date | None = None,
) -> list[Concern]:
    """The concerns ``actor`` may read (of an organisation and those below it, in one state,
    overdue on a day), by id."""
    with sessions() as session:
        user = repo.find_user(session, actor)
        if user is None:
            return []
        scope = None
        if organisation is not None:
            if repo.find_organisation(session, organisation) is None:
                raise UnknownError(f"there is no organisation with code {organisation!r}")
            scope = repo.organisation_and_below(session, organisation)
        reach = access.Reach(session, user)
        found = concern_repo.concerns(session, organisations=scope, state=state)
        return [
            c
            for c in found
            if reach.holds(c.organisation, CONCERN_ROLES)
            and (overdue_on is None or c.is_overdue(overdue_on))
        ]
