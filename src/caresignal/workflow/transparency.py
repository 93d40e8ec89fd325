"""What caresignal publishes about each trust, for anyone to read without signing in
(docs/web.md, "The public transparency page").

Only what is safe to publish is read here: organisation codes and names, indicator ids, signal
levels, state names, dates and counts, and the roles that hold a signal (never a person). No
user name, e-mail address, comment, reason, rationale, evidence reference, board decision,
recommendation text or finding sentence ever leaves this module: those are typed by staff, and
caresignal cannot check that they name no patient or colleague. The numbers behind a finding
(deaths observed and expected) are left out too, since small counts at one unit can identify
a family.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.domain import Organisation
from caresignal.domain.actions import (
    Action,
    ActionStatus,
    Recommendation,
    RecommendationState,
)
from caresignal.domain.episodes import Episode, EpisodeState
from caresignal.store import actions as action_repo
from caresignal.store import board as board_repo
from caresignal.store import episodes as episode_repo
from caresignal.store import repo
from caresignal.store.service import UnknownError

__all__ = [
    "ActionCounts",
    "PublicSignal",
    "TrustReport",
    "public_trusts",
    "trust_report",
]

S = EpisodeState

#: What each state means, in words for the public.
STATE_WORDS = {
    S.OPEN: "open: not yet acknowledged",
    S.ACKNOWLEDGED: "acknowledged",
    S.UNDER_REVIEW: "under review",
    S.ACTION_PLANNED: "action plan in place",
    S.MONITORING: "actions done; being monitored",
    S.CLOSED: "closed",
}

#: The steps of a signal's history that are published (when, and the state it reached); a
#: comment, or a finding extending the signal, is not a step.
STEPS = ("open", "reopen", "acknowledge", "transition", "escalate", "close")

#: How a closed signal ended, by the state it was closed from.
OUTCOMES = {
    S.UNDER_REVIEW: "closed after review, without an action plan",
    S.ACTION_PLANNED: "closed with an action plan in place",
    S.MONITORING: "closed after its actions were done and monitored",
}


@dataclass(frozen=True, slots=True)
class ActionCounts:
    """How far the actions of a signal's recommendations have got: counts only."""

    recommendations: int
    actions: int
    planned: int
    in_progress: int
    done: int
    verified: int
    overdue: int

    def to_dict(self) -> dict[str, int]:
        """For JSON."""
        return {
            "recommendations": self.recommendations, "actions": self.actions,
            "planned": self.planned, "in_progress": self.in_progress, "done": self.done,
            "verified": self.verified, "overdue": self.overdue,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class PublicSignal:
    """One signal as published: where, which indicator, how severe, how it stands, for how
    long, what was done (counts), how often it reached the board, and for a closed one how and
    when it ended."""

    episode: Episode
    unit_name: str
    indicator_title: str
    days_open: int
    steps: tuple[tuple[str, str, date], ...]
    actions: ActionCounts
    board_meetings: tuple[date, ...]
    closed_from: EpisodeState | None

    def outcome(self) -> str | None:
        """How a closed signal ended, in words (None while it is open)."""
        if self.episode.state is not S.CLOSED:
            return None
        return OUTCOMES.get(self.closed_from or S.UNDER_REVIEW, "closed")

    def to_dict(self) -> dict[str, Any]:
        """For JSON: nothing a person typed, no person named."""
        e = self.episode
        return {
            "id": e.id, "unit": e.unit, "unit_name": self.unit_name,
            "indicator": e.indicator, "indicator_title": self.indicator_title,
            "level": e.level, "state": e.state.value, "state_words": STATE_WORDS[e.state],
            "first_found": e.first_finding.isoformat(), "opened_on": e.opened_on.isoformat(),
            "closed_on": None if e.closed_on is None else e.closed_on.isoformat(),
            "days_open": self.days_open, "times_closed": e.times_closed,
            "owner_role": None if e.owner_role is None else e.owner_role.value,
            "escalations": sum(step == "escalate" for step, _, _ in self.steps),
            "steps": [
                {"step": step, "state": state, "on": on.isoformat()}
                for step, state, on in self.steps
            ],
            "actions": self.actions.to_dict(),
            "board_presentations": len(self.board_meetings),
            "board_meetings": [held.isoformat() for held in self.board_meetings],
            "outcome": self.outcome(),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class TrustReport:
    """Everything published about one trust as of one day."""

    trust: Organisation
    as_of: date
    open: tuple[PublicSignal, ...]
    closed: tuple[PublicSignal, ...]

    def by_indicator(self) -> list[dict[str, Any]]:
        """The open signals counted by indicator and level, worst first."""
        counts: dict[str, Counter[str]] = {}
        titles: dict[str, str] = {}
        for signal in self.open:
            counts.setdefault(signal.episode.indicator, Counter())[signal.episode.level] += 1
            titles[signal.episode.indicator] = signal.indicator_title
        rows = [
            {"indicator": ident, "indicator_title": titles[ident], "red": c["red"],
             "amber": c["amber"], "open": sum(c.values())}
            for ident, c in counts.items()
        ]  # fmt: skip
        return sorted(rows, key=lambda r: (-r["red"], -r["amber"], r["indicator"]))

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        t = self.trust
        return {
            "trust": {"code": t.code, "name": t.name, "region": t.region},
            "as_of": self.as_of.isoformat(),
            "levels": self.by_indicator(),
            "open": [signal.to_dict() for signal in self.open],
            "closed": [signal.to_dict() for signal in self.closed],
        }


def public_trusts(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """Every trust in the store, by code, with how many signals are open and how many red."""
    with sessions() as session:
        found = []
        for trust in repo.organisations(session):
            if trust.level != "trust":
                continue
            units = repo.organisation_and_below(session, trust.code)
            open_now = [
                e for e in episode_repo.episodes(session, units=units) if e.state is not S.CLOSED
            ]
            found.append(
                {"code": trust.code, "name": trust.name, "region": trust.region,
                 "open": len(open_now), "red": sum(e.level == "red" for e in open_now)}
            )  # fmt: skip
    return found


def trust_report(
    sessions: sessionmaker[Session], code: str, today: date, titles: Mapping[str, str]
) -> TrustReport:
    """What is published about trust ``code`` as of ``today``: open signals longest open first,
    closed ones most recently closed first. ``titles`` names indicators by id (an indicator
    not in it is shown by its id). An unknown trust is "not found"."""
    with sessions() as session:
        trust = repo.find_organisation(session, code)
        if trust is None or trust.level != "trust":
            raise UnknownError(f"there is no trust with code {code!r}")
        units = repo.organisation_and_below(session, code)
        names = {o.code: o.name for o in repo.organisations(session) if o.code in set(units)}
        actions = action_repo.actions(session, organisations=units)
        linked = [
            r
            for r in action_repo.recommendations(session, organisations=units)
            if r.episode_id is not None
        ]
        signals = [
            _public(session, e, today, names, titles, actions, linked)
            for e in episode_repo.episodes(session, units=units)
        ]
    still_open = [s for s in signals if s.episode.state is not S.CLOSED]
    closed = [s for s in signals if s.episode.state is S.CLOSED]
    still_open.sort(key=lambda s: (-s.days_open, s.episode.id))
    closed.sort(key=lambda s: (s.episode.closed_on or today, s.episode.id), reverse=True)
    return TrustReport(trust, today, tuple(still_open), tuple(closed))


def _public(
    session: Session,
    episode: Episode,
    today: date,
    names: Mapping[str, str],
    titles: Mapping[str, str],
    actions: Sequence[Action],
    linked: Sequence[Recommendation],
) -> PublicSignal:
    """One episode as published."""
    events = episode_repo.events_of(session, episode.id)
    steps = tuple(
        (event.action, event.to_state.value, event.at.date())
        for event in events
        if event.action in STEPS
    )
    closing = [event for event in events if event.to_state is S.CLOSED]
    ended = episode.closed_on if episode.state is S.CLOSED and episode.closed_on else today
    made = {r.id: r.state is RecommendationState.OPEN for r in linked if r.episode_id == episode.id}
    mine = [a for a in actions if a.recommendation_id in made]
    meetings = board_repo.items_about(session, "signal_episode", str(episode.id))
    return PublicSignal(
        episode=episode,
        unit_name=names.get(episode.unit, episode.unit),
        indicator_title=titles.get(episode.indicator, episode.indicator),
        days_open=(ended - episode.opened_on).days,
        steps=steps,
        actions=_counts(made, mine, today),
        board_meetings=tuple(item.meeting.held_on for item in meetings),
        closed_from=closing[-1].from_state if closing else None,
    )


def _counts(
    recommendations: Mapping[int, bool], actions: Sequence[Action], today: date
) -> ActionCounts:
    """The counts of ``actions`` by status, and how many are overdue (an action of a closed
    recommendation never is); ``recommendations`` says of each whether it is open."""
    status = Counter(a.status for a in actions)
    return ActionCounts(
        recommendations=len(recommendations),
        actions=len(actions),
        planned=status[ActionStatus.PLANNED],
        in_progress=status[ActionStatus.IN_PROGRESS],
        done=status[ActionStatus.DONE],
        verified=status[ActionStatus.VERIFIED],
        overdue=sum(a.is_overdue(today) and recommendations[a.recommendation_id] for a in actions),
    )
