"""What one person may see and do: the episodes their roles reach, the ones they own, and the
moves they may make on one (for the web app's pages and their JSON twins; docs/web.md).

Someone asking for an episode their roles do not reach is told it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.domain import Role
from caresignal.domain.episodes import Episode, EpisodeState
from caresignal.store import episodes as episode_repo
from caresignal.store.service import UnknownError
from caresignal.workflow import access, signals
from caresignal.workflow.calendar import working_days_between
from caresignal.workflow.service import EpisodeDetail, get_episode

__all__ = [
    "Clocked",
    "allowed_moves",
    "clocked",
    "inbox",
    "visible_detail",
    "visible_episodes",
]

S = EpisodeState


@dataclass(frozen=True, slots=True)
class Clocked:
    """An episode with its deadline counted in working days from today: positive, the days
    left; negative, the days overdue; None, no deadline."""

    episode: Episode
    working_days_left: int | None

    @property
    def overdue(self) -> bool:
        """Whether its deadline has passed."""
        return self.working_days_left is not None and self.working_days_left < 0

    def clock_text(self) -> str:
        """The clock in words: "due today", "3 working days left", "overdue by 2 working days"."""
        left = self.working_days_left
        if left is None:
            return "no deadline"
        if left == 0:
            return "due today"
        days = abs(left)
        unit = "working day" if days == 1 else "working days"
        return f"{days} {unit} left" if left > 0 else f"overdue by {days} {unit}"

    def to_dict(self) -> dict[str, Any]:
        """The episode's fields with ``working_days_left``, ``overdue`` and ``clock``."""
        return {
            **self.episode.to_dict(),
            "working_days_left": self.working_days_left,
            "overdue": self.overdue,
            "clock": self.clock_text(),
        }


def clocked(episode: Episode, today: date) -> Clocked:
    """``episode`` with its deadline counted in working days from ``today``."""
    left = None if episode.deadline is None else working_days_between(today, episode.deadline)
    return Clocked(episode, left)


def _order(item: Clocked) -> tuple[int, int, int]:
    """Overdue first (most overdue first), then by days left, then those with no deadline."""
    left = item.working_days_left
    return (1, 0, item.episode.id) if left is None else (0, left, item.episode.id)


def visible_episodes(
    sessions: sessionmaker[Session], user_name: str, today: date, state: EpisodeState | None = None
) -> list[Clocked]:
    """The episodes the user's roles reach (or those in ``state``), overdue first."""
    with sessions() as session:
        reach = access.Reach(session, access.user(session, user_name))
        found = [
            clocked(episode, today)
            for episode in episode_repo.episodes(session, state)
            if reach.holds(episode.unit)
        ]
    return sorted(found, key=_order)


def inbox(sessions: sessionmaker[Session], user_name: str, today: date) -> list[Clocked]:
    """The open episodes whose owner role the user holds where the episode is, overdue first."""
    with sessions() as session:
        reach = access.Reach(session, access.user(session, user_name))
        found = [
            clocked(episode, today)
            for episode in episode_repo.episodes(session)
            if episode.state is not S.CLOSED
            and episode.owner_role is not None
            and reach.holds(episode.unit, {episode.owner_role})
        ]
    return sorted(found, key=_order)


def visible_detail(
    sessions: sessionmaker[Session], user_name: str, episode_id: int
) -> EpisodeDetail:
    """The episode with its findings and history, if the user's roles reach it; otherwise it
    does not exist, as far as they are told."""
    with sessions() as session:
        user = access.user(session, user_name)
        episode = episode_repo.find_episode(session, episode_id)
        if episode is None or not access.holds(session, user, frozenset(Role), episode.unit):
            raise UnknownError(f"there is no signal episode {episode_id}")
    return get_episode(sessions, episode_id)


def allowed_moves(
    sessions: sessionmaker[Session], user_name: str, episode: Episode
) -> dict[str, Any]:
    """What the user may do to the episode now: the states they may move it to, whether they
    may close it, and whether they may comment."""
    with sessions() as session:
        user = access.user(session, user_name)
        acting = access.holds(session, user, signals.ACTING_ROLES, episode.unit)
        closers = signals.RED_CLOSING_ROLES if episode.level == "red" else signals.CLOSING_ROLES
        closing = access.holds(session, user, closers, episode.unit)
        commenting = access.holds(session, user, frozenset(Role), episode.unit)
    states = sorted(
        (state for state in signals.TRANSITIONS[episode.state] if state is not S.CLOSED),
        key=list(EpisodeState).index,
    )
    return {
        "move_to": [state.value for state in states] if acting else [],
        "close": closing and S.CLOSED in signals.TRANSITIONS[episode.state],
        "comment": commenting,
    }
