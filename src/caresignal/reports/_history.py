"""The store as it stood at the end of a day: signal episodes, recommendations and actions as
their last audit entries on or before that day left them, and what the board had been shown.

The store holds each thing as it is now; the audit log holds every state it passed through
(each entry's ``after`` is the whole thing, docs/store.md). So a pack for a past month reads
the month's end from the log, and a problem closed since then is still open in it. Read only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from caresignal.domain import Role
from caresignal.domain.actions import (
    Action,
    ActionStatus,
    Recommendation,
    RecommendationState,
)
from caresignal.domain.board import BoardItem
from caresignal.domain.episodes import Episode, EpisodeState
from caresignal.store import actions as action_repo
from caresignal.store import audit
from caresignal.store import board as board_repo
from caresignal.store import episodes as episode_repo

__all__ = ["AsAt", "as_at", "last_states"]

#: Audit actions that open a signal episode or reopen it.
OPENINGS = frozenset({"signal.open", "signal.reopen"})


@dataclass(frozen=True, slots=True)
class AsAt:
    """A trust's episodes, recommendations and actions as they stood at the end of ``day``,
    the episodes opened or reopened between ``since`` and ``day``, and every item shown to the
    trust's board up to ``day`` (by entity and id, oldest first)."""

    day: date
    episodes: tuple[Episode, ...]
    opened: frozenset[int]
    recommendations: tuple[Recommendation, ...]
    actions: tuple[Action, ...]
    presented: dict[tuple[str, str], tuple[BoardItem, ...]]


def as_at(session: Session, trust: str, units: Collection[str], since: date, day: date) -> AsAt:
    """Read ``trust``'s things (``units``: the trust and every organisation below it) as they
    stood at the end of ``day``."""
    states = last_states(session, "signal_episode", day, key="rung")
    episodes = tuple(
        _episode(e, states[str(e.id)])
        for e in episode_repo.episodes(session, units=units)
        if str(e.id) in states
    )
    opened = frozenset(
        int(entry.entity_id)
        for entry in audit.entries(session, entity="signal_episode")
        if entry.action in OPENINGS and since <= entry.at.date() <= day
    )
    recommendation_states = last_states(session, "recommendation", day, key="reference")
    recommendations = tuple(
        _recommendation(r, recommendation_states[str(r.id)])
        for r in action_repo.recommendations(session, organisations=units)
        if str(r.id) in recommendation_states
    )
    action_states = last_states(session, "action", day, key="due_on")
    actions = tuple(
        _action(a, action_states[str(a.id)])
        for a in action_repo.actions(session, organisations=units)
        if str(a.id) in action_states
    )
    return AsAt(day, episodes, opened, recommendations, actions, _presented(session, trust, day))


def last_states(session: Session, entity: str, day: date, *, key: str) -> dict[str, dict[str, Any]]:
    """The last whole state (an ``after`` holding ``key``) of each ``entity`` logged by the end
    of ``day``, by id."""
    found: dict[str, dict[str, Any]] = {}
    for entry in audit.entries(session, entity=entity):
        if entry.at.date() > day:
            continue  # logged after the day
        if entry.after is not None and key in entry.after and "version" in entry.after:
            found[entry.entity_id] = entry.after
    return found


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _episode(episode: Episode, state: dict[str, Any]) -> Episode:
    owner = state.get("owner_role")
    return replace(
        episode,
        state=EpisodeState(state["state"]),
        level=str(state["level"]),
        last_finding=_day(state["last_finding"]) or episode.last_finding,
        opened_on=_day(state["opened_on"]) or episode.opened_on,
        closed_on=_day(state.get("closed_on")),
        times_closed=int(state["times_closed"]),
        owner_role=None if owner is None else Role(owner),
        deadline=_day(state.get("deadline")),
        rung=int(state["rung"]),
        escalated_on=_day(state.get("escalated_on")),
        version=int(state["version"]),
    )


def _recommendation(recommendation: Recommendation, state: dict[str, Any]) -> Recommendation:
    return replace(
        recommendation,
        state=RecommendationState(state["state"]),
        closed_on=_day(state.get("closed_on")),
        closed_by=state.get("closed_by"),
        closing_reason=state.get("closing_reason"),
        version=int(state["version"]),
    )


def _action(action: Action, state: dict[str, Any]) -> Action:
    return replace(
        action,
        due_on=_day(state["due_on"]) or action.due_on,
        status=ActionStatus(state["status"]),
        done_on=_day(state.get("done_on")),
        verified_on=_day(state.get("verified_on")),
        rung=int(state["rung"]),
        deadline=_day(state["deadline"]) or action.deadline,
        escalated_on=_day(state.get("escalated_on")),
        version=int(state["version"]),
    )


def _presented(
    session: Session, trust: str, day: date
) -> dict[tuple[str, str], tuple[BoardItem, ...]]:
    """Every item the trust's board was shown at meetings held by ``day``, oldest first."""
    found: dict[tuple[str, str], list[BoardItem]] = {}
    for meeting in board_repo.meetings(session, trust):
        if meeting.held_on > day:
            continue
        for item in board_repo.items_of(session, meeting):
            found.setdefault((item.entity, item.entity_id), []).append(item)
    return {key: tuple(_oldest_first(items)) for key, items in found.items()}


def _oldest_first(items: Iterable[BoardItem]) -> list[BoardItem]:
    return sorted(items, key=lambda item: (item.meeting.held_on, item.meeting.id))
