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
from caresignal.domain.actions import UNFINISHED, RecommendationDetail, RecommendationState
from caresignal.domain.board import BoardHistory, BoardItem, BoardMeeting
from caresignal.domain.episodes import Episode, EpisodeState
from caresignal.errors import CaresignalError
from caresignal.store import actions as action_repo
from caresignal.store import audit, repo
from caresignal.store import board as board_repo
from caresignal.store import episodes as episode_repo
from caresignal.store.service import ConflictError, UnknownError
from caresignal.store.session import transaction
from caresignal.workflow import access, concerns_board, signals
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
ENTITIES = ("signal_episode", "action", "recommendation", "concern")

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
        organisation, summary, _ = _describe(session, entity, entity_id, meeting.held_on)
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


def _describe(
    session: Session, entity: str, entity_id: int, as_of: date = date.min
) -> tuple[str, str, str]:
    """The organisation of an item, a sentence on how it stands now, and a few words on where it
    has got to (as of ``as_of``, for what is overdue)."""
    if entity == "signal_episode":
        episode = episode_repo.find_episode(session, entity_id)
        if episode is None:
            raise _not_found(entity, entity_id)
        return episode.unit, _episode_summary(episode), _standing(episode)
    if entity == "action":
        action = action_repo.find_action(session, entity_id)
        if action is None:
            raise _not_found(entity, entity_id)
        late = ", overdue" if action.is_overdue(as_of) else ""
        rung = "" if action.rung == 0 else f", escalated (rung {action.rung})"
        summary = (
            f"action #{action.id} {action.organisation} {action.title!r}: {action.status.value}, "
            f"owner {action.owner}, due {action.due_on.isoformat()}{rung}{late}"
        )
        return action.organisation, summary, f"{action.status.value.replace('_', ' ')}{late}"
    if entity == "recommendation":
        recommendation = action_repo.find_recommendation(session, entity_id)
        if recommendation is None:
            raise _not_found(entity, entity_id)
        detail = RecommendationDetail(
            recommendation, tuple(action_repo.actions(session, recommendation_id=entity_id))
        )
        standing = detail.summary(as_of)
        summary = (
            f"recommendation #{recommendation.id} {recommendation.organisation} "
            f"{recommendation.reference} ({recommendation.source.value}) "
            f"{recommendation.title!r}: {standing}"
        )
        return recommendation.organisation, summary, standing
    if entity == "concern":  # never its words: docs/concerns.md
        described = concerns_board.describe(session, entity_id, as_of)
        if described is None:
            raise _not_found(entity, entity_id)
        return described
    raise CaresignalError(
        f"{entity!r} cannot be presented to the board",
        hint=f"choose one of: {', '.join(ENTITIES)}",
    )


def _episode_summary(episode: Episode) -> str:
    """How a signal episode stands, in words: e.g. "signal #7 at RZZ01-MAT, term stillbirth,
    amber: open, owned by the executive safety champion, due 2026-12-09; never closed"."""
    owner = "nobody" if episode.owner_role is None else f"the {_words(episode.owner_role)}"
    due = "" if episode.deadline is None else f", due {episode.deadline.isoformat()}"
    return (
        f"signal #{episode.id} at {episode.unit}, {_words(episode.indicator)}, "
        f"{_words(episode.level)}: {_words(episode.state)}, owned by {owner}{due}; "
        f"{signals.closed_before(episode.times_closed)}"
    )


def _words(code: str) -> str:
    """A code as words: ``executive_safety_champion`` → "executive safety champion"."""
    return str(code).replace("_", " ")


def _standing(episode: Episode) -> str:
    if episode.state is S.CLOSED:
        closed = "" if episode.closed_on is None else f" on {episode.closed_on.isoformat()}"
        return f"closed{closed}"
    return _WHERE_IT_STANDS[episode.state]


def board_history(
    sessions: sessionmaker[Session],
    entity: str,
    entity_id: int,
    *,
    actor: str | None,
    as_of: date = date.min,
) -> BoardHistory:
    """Every time an item reached the board, and the sentence that sums it up, e.g. "presented
    to the board 3 times since March 2021; no action plan yet" (what is overdue is counted as of
    ``as_of``)."""
    with sessions() as session:
        organisation, _, standing = _describe(session, entity, entity_id, as_of)
        if not _may_read(session, actor, organisation):
            raise _not_found(entity, entity_id)
        items = tuple(board_repo.items_about(session, entity, str(entity_id)))
        return BoardHistory(entity, str(entity_id), items, _sentence(items, standing))


def _sentence(items: tuple[BoardItem, ...], standing: str) -> str:
    if not items:
        return f"never presented to the board; {standing}"
    times = "once" if len(items) == 1 else f"{len(items)} times"
    since = items[0].meeting.held_on.strftime("%B %Y")
    return f"presented to the board {times} since {since}; {standing}"


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
    the executive's rung or above (red, or escalated there), every unfinished action escalated
    there, and every recommendation closed without all its actions verified that the board has
    not yet seen; the most overdue first."""
    executive = rules.rung_of(Role.EXECUTIVE_SAFETY_CHAMPION)
    with sessions() as session:
        _trust(session, trust)
        if not _may_read(session, actor, trust):
            raise UnknownError(f"there is no trust with code {trust!r} in the store")
        found: list[tuple[date, AgendaItem]] = []
        within = repo.organisation_and_below(session, trust)
        for episode in episode_repo.episodes(session, units=within):
            if episode.state is S.CLOSED:
                continue
            if signals.owner_rung(episode.state, episode.rung, rules) < executive:
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
                        _sentence(items, _standing(episode)),
                    ),
                )
            )
        found.extend(_actions_for_the_board(session, trust, as_of, executive))
        for due, number, where, why, summary, standing in concerns_board.for_the_board(
            session, within, as_of, executive
        ):
            items = tuple(board_repo.items_about(session, "concern", str(number)))
            item = AgendaItem("concern", number, where, why, summary, _sentence(items, standing))
            found.append((due, item))
    order = {entity: index for index, entity in enumerate(ENTITIES)}
    found.sort(key=lambda pair: (pair[0], order[pair[1].entity], pair[1].entity_id))
    return [item for _, item in found]


def _actions_for_the_board(
    session: Session, trust: str, as_of: date, executive: int
) -> list[tuple[date, AgendaItem]]:
    """Actions of the trust escalated to the executive's rung or above and not yet done, and
    recommendations closed without all their actions verified that the board has not seen."""
    found: list[tuple[date, AgendaItem]] = []
    within = repo.organisation_and_below(session, trust)
    for action in action_repo.actions(session, organisations=within):
        if action.rung < executive or action.status not in UNFINISHED:
            continue
        organisation, summary, standing = _describe(session, "action", action.id, as_of)
        items = tuple(board_repo.items_about(session, "action", str(action.id)))
        why = f"an action escalated to the board, due {action.deadline.isoformat()}"
        found.append(
            (
                action.deadline,
                AgendaItem(
                    "action", action.id, organisation, why, summary, _sentence(items, standing)
                ),
            )
        )
    for recommendation in action_repo.recommendations(
        session, organisations=within, state=RecommendationState.CLOSED
    ):
        detail = RecommendationDetail(
            recommendation,
            tuple(action_repo.actions(session, recommendation_id=recommendation.id)),
        )
        items = tuple(board_repo.items_about(session, "recommendation", str(recommendation.id)))
        if not detail.closed_without_verification or items:
            continue
        organisation, summary, standing = _describe(
            session, "recommendation", recommendation.id, as_of
        )
        found.append(
            (
                recommendation.closed_on or as_of,
                AgendaItem(
                    "recommendation",
                    recommendation.id,
                    organisation,
                    "closed without all its actions verified",
                    summary,
                    _sentence(items, standing),
                ),
            )
        )
    return found


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
