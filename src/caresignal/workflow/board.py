"""Use cases of the board ledger: meetings, what was presented at each and what the board
decided, every item's history at the board, and the agenda of what should go to it
(docs/accountability.md).

What an item looked like when presented is written down with it (``summary``), so the ledger
still says what the board was shown after the item has moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Role
from caresignal.domain.board import BoardHistory, BoardItem, BoardMeeting
from caresignal.domain.episodes import Episode, EpisodeState
from caresignal.errors import CaresignalError
from caresignal.store import audit, repo
from caresignal.store import board as board_repo
from caresignal.store import episodes as episode_repo
from caresignal.store.service import ConflictError, UnknownError
from caresignal.store.session import transaction
from caresignal.workflow import access, signals
from caresignal.workflow.rules import DEFAULT_RULES, Rules

__all__ = [
    "BOARD_ROLES",
    "ENTITIES",
    "AgendaItem",
    "add_meeting",
    "agenda",
    "board_history",
    "get_meeting",
    "list_meetings",
    "present",
]

#: Roles that may record meetings and what the board decided (held in the trust).
BOARD_ROLES = frozenset({Role.BOARD_MEMBER, Role.EXECUTIVE_SAFETY_CHAMPION, Role.ADMINISTRATOR})
#: Roles that may read the ledger of a trust (a regulator: of the trusts in its region).
READING_ROLES = frozenset(Role)
#: What can be presented to a board.
ENTITIES = ("signal_episode",)

S = EpisodeState

_WHERE_IT_STANDS = {
    S.OPEN: "not acknowledged and no action plan yet",
    S.ACKNOWLEDGED: "no action plan yet",
    S.UNDER_REVIEW: "under review; no action plan yet",
    S.ACTION_PLANNED: "an action plan is in place",
    S.MONITORING: "actions done; being monitored",
}


def add_meeting(
    sessions: sessionmaker[Session],
    trust: str,
    held_on: date,
    title: str,
    *,
    actor: str,
    clock: Clock,
) -> BoardMeeting:
    """Record a meeting of ``trust``'s board (a board member, the executive safety champion or
    an administrator of the trust may)."""
    title = title.strip() or "Board meeting"
    with transaction(sessions) as session:
        _trust(session, trust)
        access.authorise(session, actor, BOARD_ROLES, trust, "record board meetings", trust)
        if any(
            m.held_on == held_on and m.title == title for m in board_repo.meetings(session, trust)
        ):
            raise ConflictError(
                f"{trust}'s board already has a meeting {title!r} on {held_on.isoformat()}",
                hint="see `caresignal board meetings`",
            )
        meeting = board_repo.add_meeting(session, trust, held_on, title, at=clock.now(), by=actor)
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="board.meeting",
            entity="board_meeting",
            entity_id=str(meeting.id),
            before=None,
            after=meeting.to_dict(),
            reason=f"board meeting of {trust} on {held_on.isoformat()}",
        )
    return meeting


def _trust(session: Session, code: str) -> None:
    organisation = repo.find_organisation(session, code)
    if organisation is None or organisation.level != "trust":
        raise UnknownError(
            f"there is no trust with code {code!r} in the store",
            hint="give a trust's code (`caresignal store sync` copies them from the data)",
        )


def present(
    sessions: sessionmaker[Session],
    meeting_id: int,
    entity: str,
    entity_id: int,
    decision: str,
    *,
    actor: str,
    clock: Clock,
) -> BoardItem:
    """Record that an item was presented at the meeting and what the board decided; how the
    item stood at that moment is written beside it."""
    decision = decision.strip()
    if not decision:
        raise CaresignalError(
            "a presentation to the board needs the decision the board made",
            hint='say it with --decision, e.g. --decision "noted; no action agreed"',
        )
    with transaction(sessions) as session:
        meeting = _meeting(session, meeting_id, actor)
        access.authorise(
            session, actor, BOARD_ROLES, meeting.trust, "record board decisions", meeting.trust
        )
        organisation, summary = _describe(session, entity, entity_id)
        if meeting.trust not in access.organisation_and_above(session, organisation):
            raise _not_found(entity, entity_id, f"in {meeting.trust}")
        key = str(entity_id)
        if board_repo.find_item(session, meeting, entity, key) is not None:
            raise ConflictError(
                f"{_name(entity, entity_id)} is already recorded at board meeting {meeting.id}",
                hint="each item is recorded once per meeting",
            )
        item = board_repo.add_item(
            session, meeting, entity, key, summary, decision, at=clock.now(), by=actor
        )
        audit.append(
            session,
            clock=clock,
            actor=actor,
            action="board.present",
            entity=entity,
            entity_id=key,
            before=None,
            after=item.to_dict(),
            reason=decision,
        )
    return item


def _may_read(session: Session, actor: str | None, organisation: str) -> bool:
    """Whether ``actor`` holds a role in ``organisation`` or above; ``None`` is the operator at
    the command line, who reads the database directly anyway."""
    if actor is None:
        return True
    return access.holds(session, access.user(session, actor), READING_ROLES, organisation)


def _meeting(session: Session, meeting_id: int, actor: str | None) -> BoardMeeting:
    """The meeting, if ``actor`` may read its trust's ledger; "not found" otherwise."""
    meeting = board_repo.find_meeting(session, meeting_id)
    if meeting is None or not _may_read(session, actor, meeting.trust):
        raise UnknownError(
            f"there is no board meeting {meeting_id}", hint="see `caresignal board meetings`"
        )
    return meeting


def _not_found(entity: str, entity_id: int, where: str = "") -> UnknownError:
    return UnknownError(
        f"there is no {_name(entity, entity_id)}{' ' + where if where else ''}",
        hint=f"items that can go to the board: {', '.join(ENTITIES)}",
    )


def _name(entity: str, entity_id: int | str) -> str:
    return f"{entity.replace('_', ' ')} {entity_id}"


def _describe(session: Session, entity: str, entity_id: int) -> tuple[str, str]:
    """The organisation of an item and a sentence on how it stands now."""
    if entity == "signal_episode":
        episode = episode_repo.find_episode(session, entity_id)
        if episode is None:
            raise _not_found(entity, entity_id)
        return episode.unit, _episode_summary(episode)
    raise CaresignalError(
        f"{entity!r} cannot be presented to the board",
        hint=f"choose one of: {', '.join(ENTITIES)}",
    )


def _episode_summary(episode: Episode) -> str:
    owner = "nobody" if episode.owner_role is None else episode.owner_role.value
    due = "" if episode.deadline is None else f", due {episode.deadline.isoformat()}"
    return (
        f"signal #{episode.id} {episode.unit} {episode.indicator} ({episode.level}): "
        f"{episode.state.value}, owner {owner}{due}; closed {episode.times_closed} time(s) before"
    )


def _standing(episode: Episode) -> str:
    if episode.state is S.CLOSED:
        closed = "" if episode.closed_on is None else f" on {episode.closed_on.isoformat()}"
        return f"closed{closed}"
    return _WHERE_IT_STANDS[episode.state]


def board_history(
    sessions: sessionmaker[Session], entity: str, entity_id: int, *, actor: str | None
) -> BoardHistory:
    """Every time an item reached the board, and the sentence that sums it up, e.g. "presented
    to the board 3 times since March 2021; no action plan yet"."""
    with sessions() as session:
        organisation, _ = _describe(session, entity, entity_id)
        if not _may_read(session, actor, organisation):
            raise _not_found(entity, entity_id)
        items = tuple(board_repo.items_about(session, entity, str(entity_id)))
        return BoardHistory(
            entity, str(entity_id), items, _sentence(session, entity, entity_id, items)
        )


def _sentence(session: Session, entity: str, entity_id: int, items: tuple[BoardItem, ...]) -> str:
    standing = ""
    if entity == "signal_episode":
        episode = episode_repo.find_episode(session, entity_id)
        standing = "" if episode is None else f"; {_standing(episode)}"
    if not items:
        return f"never presented to the board{standing}"
    times = "once" if len(items) == 1 else f"{len(items)} times"
    since = items[0].meeting.held_on.strftime("%B %Y")
    return f"presented to the board {times} since {since}{standing}"


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """Something the board should see: why, how it stands, and its history at the board."""

    entity: str
    entity_id: int
    organisation: str
    why: str
    summary: str
    history: str

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {
            "entity": self.entity,
            "id": self.entity_id,
            "organisation": self.organisation,
            "why": self.why,
            "summary": self.summary,
            "history": self.history,
        }


def agenda(
    sessions: sessionmaker[Session],
    trust: str,
    as_of: date,
    *,
    actor: str | None,
    rules: Rules = DEFAULT_RULES,
) -> list[AgendaItem]:
    """What should go to ``trust``'s board as of ``as_of``: every open signal episode owned at
    the executive's rung or above (red, or escalated there), the most overdue first."""
    executive = rules.rung_of(Role.EXECUTIVE_SAFETY_CHAMPION)
    with sessions() as session:
        _trust(session, trust)
        if not _may_read(session, actor, trust):
            raise UnknownError(f"there is no trust with code {trust!r} in the store")
        found: list[tuple[date, AgendaItem]] = []
        for episode in episode_repo.episodes(session):
            if episode.state is S.CLOSED:
                continue
            if signals.owner_rung(episode.state, episode.rung, rules) < executive:
                continue
            if trust not in access.organisation_and_above(session, episode.unit):
                continue
            items = tuple(board_repo.items_about(session, "signal_episode", str(episode.id)))
            why = "a red signal" if episode.level == "red" else "escalated to the board"
            if episode.deadline is not None and episode.deadline < as_of:
                why += f", overdue since {episode.deadline.isoformat()}"
            found.append(
                (
                    episode.deadline or date.max,
                    AgendaItem(
                        "signal_episode",
                        episode.id,
                        episode.unit,
                        why,
                        _episode_summary(episode),
                        _sentence(session, "signal_episode", episode.id, items),
                    ),
                )
            )
    return [item for _, item in sorted(found, key=lambda pair: (pair[0], pair[1].entity_id))]


def list_meetings(
    sessions: sessionmaker[Session], trust: str, *, actor: str | None
) -> list[BoardMeeting]:
    """The meetings of ``trust``'s board, oldest first."""
    with sessions() as session:
        _trust(session, trust)
        if not _may_read(session, actor, trust):
            raise UnknownError(f"there is no trust with code {trust!r} in the store")
        return board_repo.meetings(session, trust)


def get_meeting(
    sessions: sessionmaker[Session], meeting_id: int, *, actor: str | None
) -> tuple[BoardMeeting, list[BoardItem]]:
    """A meeting and what was presented at it."""
    with sessions() as session:
        meeting = _meeting(session, meeting_id, actor)
        return meeting, board_repo.items_of(session, meeting)
