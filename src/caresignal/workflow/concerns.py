"""Use cases of concerns for the person who raised one: raise it, follow it through the private
link, add information, and answer the final response (docs/concerns.md). The trust's side is in
:mod:`caresignal.workflow.concerns_handling`; the rules in :mod:`.concern_rules`.

Each use case opens one transaction, writes its change with its audit entry and commits them
together. :func:`submit` returns the reference and the private token only after the commit.
The token is never stored, only its SHA-256 hash. An anonymous concern keeps nothing that could
identify its writer: no user, no contact details, no address, and its times (in the store, the
audit log and the outbox) are only the day, so that they cannot be matched against a rota or a
server's log; its audit entries' actor is ``anonymous``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain.concerns import (
    Concern,
    ConcernChannel,
    ConcernContact,
    ConcernEvent,
    ConcernState,
    EventKind,
)
from caresignal.store import audit, repo, transaction
from caresignal.store import concerns as concern_repo
from caresignal.store.service import UnknownError
from caresignal.workflow import outbox
from caresignal.workflow.concern_rules import (
    CONTACT_BY,
    MAX_CONTACT,
    RELATIONSHIPS,
    TOLD_ON_ARRIVAL,
    ConcernRuleError,
    acknowledge_by,
    check_choice,
    check_contact_route,
    check_state,
    check_text,
    default_response_due,
    explanation_due,
    statutory_deadline,
)

__all__ = [
    "ANONYMOUS",
    "PUBLIC",
    "PersonView",
    "Submitted",
    "answer_by_token",
    "hash_token",
    "message_by_token",
    "record",
    "submit",
    "view_by_token",
    "with_deadline",
]

#: The actor of everything the writer of an anonymous concern does.
ANONYMOUS = "anonymous"
#: The actor of everything the writer of any other concern does through their link.
PUBLIC = "public"
OMBUDSMAN = (
    "If you are not satisfied, you can ask the Parliamentary and Health Service Ombudsman to "
    "look at your complaint: www.ombudsman.org.uk, 0345 015 4033."
)


@dataclass(frozen=True, slots=True)
class Submitted:
    """What the person is given once their concern is safely stored: its reference and the
    private token of their link (shown once; caresignal cannot show it again)."""

    concern: Concern
    token: str


@dataclass(frozen=True, slots=True)
class DayClock:
    """A clock that tells only the day (midnight UTC of the day in England): for everything
    written about an anonymous concern."""

    clock: Clock

    def now(self) -> datetime:
        """Midnight at the start of today, in UTC."""
        return datetime.combine(self.clock.today(), time(0), tzinfo=UTC)

    def today(self) -> date:
        """Today's date in England."""
        return self.clock.today()


def hash_token(token: str) -> str:
    """The SHA-256 of a follow-up token, in hex: what the store keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def record(
    session: Session,
    clock: Clock,
    actor: str,
    action: str,
    before: Concern | None,
    after: Concern,
    reason: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """The audit entry of a change to a concern, in the caller's transaction: what was done,
    never the person's words or details."""
    audit.append(
        session, clock=clock, actor=actor, action=action, entity="concern",
        entity_id=str(after.id), before=None if before is None else before.to_dict(with_text=False),
        after={**after.to_dict(with_text=False), **(extra or {})}, reason=reason,
    )  # fmt: skip


def with_deadline(concern: Concern) -> Concern:
    """``concern`` with its ``deadline`` set to its next statutory deadline (its rung is kept:
    an escalated concern is never handed back down)."""
    due = statutory_deadline(concern)
    return replace(concern, deadline=None if due is None else due[0])


def _contact(
    anonymous: bool, contact_by: str, contact: ConcernContact | None
) -> ConcernContact | None:
    if anonymous:
        if contact is not None or contact_by != "link":
            raise ConcernRuleError(
                "an anonymous concern keeps no contact details",
                hint="follow it through the private link, or give details and do not stay "
                "anonymous",
            )
        return None
    if contact is None:
        check_contact_route(contact_by, None, None, None)
        return None
    check_contact_route(contact_by, contact.email, contact.phone, contact.address)
    kept = {
        key: None if value is None or not value.strip() else value.strip()
        for key, value in contact.to_dict().items()
    }
    for key, value in kept.items():
        if value is not None and len(value) > MAX_CONTACT:
            raise ConcernRuleError(f"the contact {key} is too long", hint="shorten it")
    return None if all(v is None for v in kept.values()) else ConcernContact(**kept)


def submit(
    sessions: sessionmaker[Session],
    organisation: str,
    channel: ConcernChannel,
    text: str,
    *,
    clock: Clock,
    happened_on: date | None = None,
    relationship: str = "patient",
    contact_by: str = "link",
    contact: ConcernContact | None = None,
    anonymous: bool = False,
) -> Submitted:
    """Raise a concern about ``organisation`` (a trust, site or unit in the store); committed,
    with its audit entry and the message telling its handlers, before it returns."""
    text = check_text(text, "what happened", "say what happened, in your own words")
    relationship = check_choice(relationship, RELATIONSHIPS, "who you are to the patient")
    contact_by = check_choice(contact_by, CONTACT_BY, "how to contact you")
    kept = _contact(anonymous, contact_by, contact)
    if anonymous:
        clock = DayClock(clock)
    today = clock.today()
    if happened_on is not None and happened_on > today:
        raise ConcernRuleError("the day it happened is in the future", hint="give a past day")
    token = secrets.token_urlsafe(32)
    with transaction(sessions) as session:
        if repo.find_organisation(session, organisation) is None:
            raise UnknownError(
                f"there is no organisation with code {organisation!r}",
                hint="choose the trust, site or ward from the list",
            )
        now = clock.now()
        concern = with_deadline(
            Concern(
                id=0, reference="", organisation=organisation, channel=channel, text=text,
                happened_on=happened_on, relationship=relationship, contact_by=contact_by,
                anonymous=anonymous, state=ConcernState.RECEIVED, received_on=today,
                acknowledge_by=acknowledge_by(today), acknowledged_on=None, response_due=None,
                response_agreed=False, responded_on=None, explanation_due=explanation_due(today),
                explained_on=None, closed_on=None, outcome=None, ombudsman_offered=False,
                hcat_domain=None, hcat_category=None, severity=None, episode_ids=(),
                duty_of_candour=None, source_reference=None, rung=0, deadline=None,
                escalated_on=None, version=0, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        made = concern_repo.add_concern(session, concern, hash_token(token), kept)
        actor = ANONYMOUS if anonymous else PUBLIC
        extra = {"contact_given": kept is not None}
        record(session, clock, actor, "concern.submit", None, made, f"raised by {channel}", extra)
        _tell_handlers(session, clock, made)
    return Submitted(made, token)


def _tell_handlers(session: Session, clock: Clock, concern: Concern) -> None:
    outbox.tell(
        session, clock=clock, roles=TOLD_ON_ARRIVAL, organisation=concern.organisation,
        subject=f"caresignal: new concern {concern.reference} ({concern.organisation})",
        body=(
            f"A concern ({concern.channel.value}) about {concern.organisation} was received on "
            f"{concern.received_on.isoformat()}. Acknowledge it by "
            f"{concern.acknowledge_by.isoformat()}: `caresignal concerns show {concern.id}`."
        ),
        entity="concern", entity_id=str(concern.id),
    )  # fmt: skip


def _by_token(session: Session, token: str) -> Concern:
    """The concern the token opens; "not found" for any other token."""
    found = None
    if 20 <= len(token) <= 100:
        found = concern_repo.find_by_token_hash(session, hash_token(token))
    if found is None:
        raise UnknownError(
            "no concern matches this link",
            hint="check the link you were given, or quote your reference to the trust",
        )
    return found


@dataclass(frozen=True, slots=True)
class PersonView:
    """What the person who raised a concern sees through their link: their own words, where it
    stands, the dates the trust must keep, and the conversation; nothing of the trust's internal
    triage and no member of staff's name."""

    concern: Concern
    organisation_name: str
    events: tuple[ConcernEvent, ...]

    def to_dict(self) -> dict[str, Any]:
        """For JSON and the page."""
        c = self.concern
        answered = c.state in (ConcernState.RESPONDED, ConcernState.CLOSED, ConcernState.REOPENED)
        return {
            "reference": c.reference, "organisation": self.organisation_name,
            "state": c.state.value, "text": c.text, "received_on": c.received_on.isoformat(),
            "acknowledge_by": c.acknowledge_by.isoformat(),
            "acknowledged_on": None if c.acknowledged_on is None else c.acknowledged_on.isoformat(),
            "response_due": None if c.response_due is None else c.response_due.isoformat(),
            "responded_on": None if c.responded_on is None else c.responded_on.isoformat(),
            "ombudsman": OMBUDSMAN if answered else None,
            "events": [event.for_the_person() for event in self.events],
        }  # fmt: skip


def view_by_token(sessions: sessionmaker[Session], token: str) -> PersonView:
    """The person's own view of the concern their token opens."""
    with sessions() as session:
        concern = _by_token(session, token)
        organisation = repo.find_organisation(session, concern.organisation)
        name = concern.organisation if organisation is None else organisation.name
        return PersonView(concern, name, tuple(concern_repo.events_of(session, concern.id)))


def _person_event(
    sessions: sessionmaker[Session],
    token: str,
    kind: EventKind,
    text: str,
    clock: Clock,
    allowed: set[ConcernState],
) -> Concern:
    """Add the person's ``kind`` of event and move the concern on as it says."""
    with transaction(sessions) as session:
        before = _by_token(session, token)
        if before.anonymous:
            clock = DayClock(clock)
        doing = "take a message" if kind is EventKind.MESSAGE else "take an answer"
        check_state(before, allowed, doing)
        actor = ANONYMOUS if before.anonymous else PUBLIC
        event = concern_repo.add_event(
            session, before.id, at=clock.now(), actor=actor, kind=kind, text=text
        )
        after = _answered(before, kind, clock)
        if after != before:
            after = concern_repo.save_concern(session, after)
        action = {EventKind.MESSAGE: "concern.message", EventKind.RESOLVED: "concern.resolved",
                  EventKind.NOT_RESOLVED: "concern.not_resolved"}[kind]  # fmt: skip
        record(session, clock, actor, action, before, after, f"{kind.value} from the person",
               {"event_id": event.id, "event_chars": len(text)})  # fmt: skip
    return after


def _answered(concern: Concern, kind: EventKind, clock: Clock) -> Concern:
    today = clock.today()
    if kind is EventKind.RESOLVED:
        return replace(concern, state=ConcernState.CLOSED, closed_on=today, outcome="resolved",
                       deadline=None, updated_at=clock.now())  # fmt: skip
    if kind is EventKind.NOT_RESOLVED:
        reopened = replace(
            concern, state=ConcernState.REOPENED, outcome="not_resolved",
            ombudsman_offered=True, response_due=default_response_due(today),
            response_agreed=False, updated_at=clock.now(),
        )  # fmt: skip
        return with_deadline(reopened)
    return concern


def message_by_token(
    sessions: sessionmaker[Session], token: str, text: str, *, clock: Clock
) -> Concern:
    """Add information or a question from the person to their concern (not once closed)."""
    text = check_text(text, "your message", "write what you want to add")
    allowed = set(ConcernState) - {ConcernState.CLOSED}
    return _person_event(sessions, token, EventKind.MESSAGE, text, clock, allowed)


def answer_by_token(
    sessions: sessionmaker[Session], token: str, resolved: bool, text: str = "", *, clock: Clock
) -> Concern:
    """The person's answer to the final response: resolved closes the concern; not resolved
    reopens it (a new response is due in 25 working days) and offers the Ombudsman route."""
    kind = EventKind.RESOLVED if resolved else EventKind.NOT_RESOLVED
    words = text.strip() or ("Resolved." if resolved else "Not resolved.")
    words = check_text(words, "your answer", "say whether the response resolved your concern")
    return _person_event(sessions, token, kind, words, clock, {ConcernState.RESPONDED})
