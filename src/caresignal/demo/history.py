"""The demo's accountability history: the signals of the synthetic dataset as the store would hold
them after a year and more of people acting on some and ignoring others.

On the first run (a store with no signal episodes yet), :func:`build_history` copies the
organisations into the store, gives each trust, site and unit with a signal the people of the
escalation ladder, and then replays the past day by day (the last eighteen months at most)
through the same use cases a real installation runs: each finding opens or extends its episode
on the day it first crossed, the escalation clock runs before anything else happens on a day,
and each trust's board meets in public every other month (the first Thursday of January, March,
and so on) and is shown its agenda. About half the problems are acted on promptly, a fifth only
once escalated to the divisional director, and the rest are ignored: they climb the ladder to
the board and the regulator, and the board notes them meeting after meeting. Which problem gets
which fate is drawn from ``seed``, so the history is the same on every machine. Every step is
dated by a clock set to that day, so the audit log reads as the months happened. Later runs
leave the store alone and only summarise it.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.demo.concerns import load_concerns
from caresignal.domain import Organisation, Role
from caresignal.domain.actions import ActionStatus, RecommendationSource
from caresignal.domain.episodes import Episode, EpisodeState
from caresignal.errors import CaresignalError
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import Finding, ScanResult
from caresignal.settings import Settings
from caresignal.store import audit, database_url, open_store, repo
from caresignal.store import concerns as concern_repo
from caresignal.store import episodes as episode_repo
from caresignal.store.service import add_user, grant_role, sync_organisations
from caresignal.workflow import actions, board, service, signals
from caresignal.workflow.calendar import add_working_days
from caresignal.workflow.escalation import escalate
from caresignal.workflow.outbox import list_notifications
from caresignal.workflow.rules import DEFAULT_RULES

__all__ = ["AccountabilitySection", "BoardStory", "build_history"]

S = EpisodeState
ACTOR = "caresignal"
Key = tuple[str, str, str]

#: The share of problems acted on promptly, acted on once escalated, and ignored.
FATES = (("prompt", 0.5), ("late", 0.2), ("ignored", 0.3))
#: How far back the replay goes (eighteen months): a finding that first crossed earlier opens
#: its episode on the first day of the replay (as if caresignal had been installed then).
SPAN = timedelta(days=548)


@dataclass(frozen=True, slots=True)
class BoardStory:
    """A problem the board kept being shown: the episode as it stands and its board history."""

    episode: int
    summary: str
    history: str

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {"episode": self.episode, "summary": self.summary, "history": self.history}


@dataclass(frozen=True, slots=True)
class AccountabilitySection:
    """What the store holds: episodes by state and by owner, how many climbed the ladder, the
    board's record, the people, and whether the audit log is intact."""

    built_now: bool
    database: str
    episodes: int
    by_state: dict[str, int]
    open_by_owner: dict[str, int]
    acknowledged_in_time: int
    escalated: int
    closed_with_evidence: int
    reopened: int
    board_meetings: int
    recommendations: int
    actions: int
    actions_verified: int
    actions_escalated: int
    stories: tuple[BoardStory, ...]
    users: int
    concerns: int
    notifications: int
    audit_entries: int
    audit_intact: bool
    example_trust: str | None

    def to_dict(self) -> dict[str, Any]:
        """The section as JSON-ready values."""
        return {
            "built_now": self.built_now,
            "episodes": self.episodes,
            "by_state": self.by_state,
            "open_by_owner": self.open_by_owner,
            "acknowledged_in_time": self.acknowledged_in_time,
            "escalated": self.escalated,
            "closed_with_evidence": self.closed_with_evidence,
            "reopened": self.reopened,
            "board_meetings": self.board_meetings,
            "recommendations": self.recommendations,
            "actions": self.actions,
            "actions_verified": self.actions_verified,
            "actions_escalated": self.actions_escalated,
            "stories": [story.to_dict() for story in self.stories],
            "users": self.users,
            "concerns": self.concerns,
            "notifications": self.notifications,
            "audit_entries": self.audit_entries,
            "audit_intact": self.audit_intact,
            "example_trust": self.example_trust,
        }


def build_history(
    data_dir: Path, signals: ScanResult, *, seed: int = 1, settings: Settings | None = None
) -> AccountabilitySection:
    """Replay the accountability history of ``signals`` into the store of ``data_dir`` (once),
    then summarise the store."""
    settings = settings or Settings(data_dir=data_dir)
    url = database_url(settings)
    engine, sessions = open_store(url)
    try:
        built = False
        url = engine.url.render_as_string(hide_password=True)
        if not service.list_episodes(sessions):
            concerns = [f for f in signals.findings if f.direction == "concern"]
            if concerns:
                _Replay(sessions, Dataset(data_dir), concerns, signals.as_of, seed).run()
                built = True
                trust = _summary(sessions, built, url).example_trust
                if trust is not None:
                    champion = f"{trust.lower()}.champion"  # the ladder's, from the replay
                    load_concerns(sessions, Dataset(data_dir), trust, signals.as_of, actor=champion)
        return _summary(sessions, built, url)
    finally:
        engine.dispose()


def _at(day: date, hour: int, minute: int = 0) -> FixedClock:
    return FixedClock(datetime.combine(day, time(hour, minute), tzinfo=UTC))


class _Replay:
    """One replay of the past, day by day (see the module's description)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        dataset: Dataset,
        findings: list[Finding],
        as_of: date,
        seed: int,
    ) -> None:
        self.sessions = sessions
        self.dataset = dataset
        self.as_of = as_of
        self.by_day: dict[date, list[Finding]] = defaultdict(list)
        first = max(min(f.first_crossed for f in findings), as_of - SPAN)
        for finding in findings:
            self.by_day[min(max(finding.first_crossed, first), as_of)].append(finding)
        opened: dict[Key, date] = {}
        for day in sorted(self.by_day):
            for finding in self.by_day[day]:
                opened.setdefault((finding.unit, finding.indicator, finding.direction), day)
        chance = random.Random(seed)
        names, weights = [name for name, _ in FATES], [weight for _, weight in FATES]
        self.fate = {key: chance.choices(names, weights)[0] for key in sorted(opened)}
        self.opened = opened
        self.people: dict[tuple[Role, str], str] = {}
        self.chains: dict[str, list[Organisation]] = {}
        self.plans: dict[date, list[tuple[Key, str]]] = defaultdict(list)
        self.catalogue = load_catalogue()

    def run(self) -> None:
        start = min(self.by_day) - timedelta(days=1)
        sync_organisations(
            self.sessions, self.dataset, actor=ACTOR, clock=_at(start, 8), reason="demo history"
        )
        self._people(start)
        for key, day in self.opened.items():
            self._schedule(key, day)
        meetings = {day for day in _first_thursdays(start, self.as_of) if day.month % 2}
        days = sorted(set(self.by_day) | set(self.plans) | meetings | {self.as_of})
        for day in days:
            if day > self.as_of:
                break
            escalate(self.sessions, day, actor=ACTOR, clock=_at(day, 6))
            if day in self.by_day:
                # Opened on the day it first crossed, but seen as the last scan saw it: its
                # sentence describes the data up to that scan, and so must its charts.
                result = ScanResult(self.as_of, tuple(self.by_day[day]), (), ())
                service.merge_findings(self.sessions, result, actor=ACTOR, clock=_at(day, 7))
            for minute, (key, step) in enumerate(self.plans.get(day, ())):
                self._act(key, step, _at(day, 10, minute % 60))
            if day in meetings:
                for trust in self._boards_with_business():
                    self._board(trust, day)

    def _chain(self, code: str) -> list[Organisation]:
        """The organisation ``code`` and its parents, up to the trust."""
        if code in self.chains:
            return self.chains[code]
        with self.sessions() as session:
            found = (repo.find_organisation(session, each) for each, _ in repo.chain(session, code))
            chain = [organisation for organisation in found if organisation is not None]
        if not chain:
            raise CaresignalError(f"the demo's findings name {code!r}, which is not in the store")
        self.chains[code] = chain
        return chain

    def _people(self, day: date) -> None:
        """The ladder's people for every organisation with a signal, each granted once."""
        wanted: dict[tuple[Role, str], str] = {}
        for unit, _, _ in self.opened:
            chain = self._chain(unit)
            trust = chain[-1]
            if chain[0].level in ("unit", "site"):
                wanted[(Role.UNIT_LEAD, chain[0].code)] = f"{chain[0].code.lower()}.lead"
            site = next((o for o in chain if o.level == "site"), trust)
            wanted[(Role.DIVISIONAL_DIRECTOR, site.code)] = f"{site.code.lower()}.director"
            wanted[(Role.EXECUTIVE_SAFETY_CHAMPION, trust.code)] = f"{trust.code.lower()}.champion"
            wanted[(Role.BOARD_MEMBER, trust.code)] = f"{trust.code.lower()}.board"
            if trust.region:
                slug = "-".join(trust.region.lower().split())
                wanted[(Role.REGULATOR, trust.region)] = f"regulator.{slug}"
        for minute, ((role, scope), name) in enumerate(sorted(wanted.items())):
            clock = _at(day, 9, minute % 60)
            reason = "demo history: the people of the escalation ladder"
            add_user(
                self.sessions,
                name,
                f"{name}@example.nhs.uk",
                actor=ACTOR,
                clock=clock,
                reason=reason,
            )
            grant_role(self.sessions, name, role, scope, actor=ACTOR, clock=clock, reason=reason)
        self.people = wanted

    def _schedule(self, key: Key, opened: date) -> None:
        """The days on which the people of ``key``'s fate act on it."""
        fate = self.fate[key]
        if fate == "ignored":
            return
        deadlines = DEFAULT_RULES.deadlines(key[1], "amber")
        if fate == "prompt":
            first = add_working_days(opened, 1)
        else:  # acted on once the director has it: two working days after the missed deadline
            first = add_working_days(add_working_days(opened, deadlines[S.ACKNOWLEDGED]), 2)
        self.plans[first].append((key, "acknowledge"))
        self.plans[add_working_days(first, 4)].append((key, "review"))
        self.plans[add_working_days(first, 14)].append((key, "plan"))
        self.plans[first + timedelta(days=60)].append((key, "monitor"))
        if fate == "prompt":
            self.plans[first + timedelta(days=150)].append((key, "close"))

    def _holder(self, role: Role, unit: str) -> str:
        """The person holding ``role`` nearest ``unit`` (the trust's executive if nobody)."""
        chain = self._chain(unit)
        for organisation in chain:
            name = self.people.get((role, organisation.code))
            if name is not None:
                return name
        return self.people[(Role.EXECUTIVE_SAFETY_CHAMPION, chain[-1].code)]

    def _owner(self, episode: Episode) -> str:
        """The person who acts for the episode's owner (a regulator oversees; the trust's
        executive acts)."""
        role = episode.owner_role or Role.EXECUTIVE_SAFETY_CHAMPION
        if role is Role.REGULATOR:
            role = Role.EXECUTIVE_SAFETY_CHAMPION
        return self._holder(role, episode.unit)

    def _act(self, key: Key, step: str, clock: FixedClock) -> None:
        """One planned step, if the episode is where the plan expects it."""
        with self.sessions() as session:
            found = _episode_of(session, key)
        if found is None:
            return
        actor, day = self._owner(found), clock.today()
        expected = {
            "acknowledge": S.OPEN,
            "review": S.ACKNOWLEDGED,
            "plan": S.UNDER_REVIEW,
            "monitor": S.ACTION_PLANNED,
            "close": S.MONITORING,
        }[step]
        if found.state is not expected:
            return
        if step == "acknowledge":
            service.acknowledge(self.sessions, found.id, actor=actor, clock=clock)
        elif step == "review":
            service.transition(
                self.sessions, found.id, S.UNDER_REVIEW, actor=actor, clock=clock,
                reason="critical safety check begun: case notes of every case since the change",
            )  # fmt: skip
        elif step == "plan":
            service.transition(
                self.sessions, found.id, S.ACTION_PLANNED, actor=actor, clock=clock,
                reason="action plan agreed with the division",
            )  # fmt: skip
            self._recommend(found, clock)
        elif step == "monitor":
            if self.fate[key] == "prompt" and not self._finish_actions(found, clock):
                return
            service.transition(
                self.sessions, found.id, S.MONITORING, actor=actor, clock=clock,
                reason="actions done; watching the charts for three months",
            )  # fmt: skip
        else:
            service.close(
                self.sessions, found.id, actor=self._closer(found), clock=clock,
                reason="the review found the cause, the actions are done and the rate is back "
                "within its limits",
                evidence=[f"case-note review {day.isoformat()}", "action plan completed"],
            )  # fmt: skip

    def _title(self, indicator: str) -> str:
        """The indicator's title in the catalogue, lower-cased after its first word."""
        if indicator not in self.catalogue:
            return indicator.replace("_", " ")
        title = self.catalogue.get(indicator).title
        return title[:1].lower() + title[1:]

    def _recommend(self, episode: Episode, clock: FixedClock) -> None:
        """The review's recommendation, linked to the episode, with two actions for the unit."""
        analyst = self._holder(Role.DIVISIONAL_DIRECTOR, episode.unit)
        owner = self._holder(Role.UNIT_LEAD, episode.unit)
        day = clock.today()
        recommendation = actions.add_recommendation(
            self.sessions, self._chain(episode.unit)[0].code, f"SR-{episode.id:04d}",
            RecommendationSource.SIGNAL_REVIEW,
            f"Act on the review of signal #{episode.id}: {self._title(episode.indicator)}",
            received_on=day, episode_id=episode.id, actor=analyst, clock=clock,
            detail="From the critical safety check of the signal's cases.",
        )  # fmt: skip
        for title, weeks in (
            ("Review staffing against acuity on every shift", 4),
            ("Audit the care of every case against the guideline, monthly", 8),
        ):
            actions.add_action(
                self.sessions, recommendation.id, title, owner, day + timedelta(weeks=weeks),
                actor=analyst, clock=clock,
            )  # fmt: skip

    def _finish_actions(self, episode: Episode, clock: FixedClock) -> bool:
        """The episode's actions done by their owner and verified by a second person; whether
        there were any."""
        details = actions.list_recommendations(self.sessions, episode_id=episode.id)
        found = [action for detail in details for action in detail.actions]
        for action in found:
            if action.status is not ActionStatus.PLANNED:
                continue
            actions.start_action(self.sessions, action.id, actor=action.owner, clock=clock)
            actions.complete_action(
                self.sessions, action.id, [f"audit report {clock.today().isoformat()}"],
                actor=action.owner, clock=clock,
            )  # fmt: skip
            verifier = self._holder(Role.DIVISIONAL_DIRECTOR, episode.unit)
            if verifier == action.owner:
                verifier = self._holder(Role.EXECUTIVE_SAFETY_CHAMPION, episode.unit)
            actions.verify_action(self.sessions, action.id, actor=verifier, clock=clock)
        return bool(found)

    def _closer(self, episode: Episode) -> str:
        """Who closes: the executive for a red signal, else the divisional director."""
        if episode.level == "red":
            return self._holder(Role.EXECUTIVE_SAFETY_CHAMPION, episode.unit)
        return self._holder(Role.DIVISIONAL_DIRECTOR, episode.unit)

    def _boards_with_business(self) -> list[str]:
        """The trusts with an open episode owned at the executive's rung or above."""
        executive = DEFAULT_RULES.rung_of(Role.EXECUTIVE_SAFETY_CHAMPION)
        return sorted(
            {
                self._chain(episode.unit)[-1].code
                for episode in service.list_episodes(self.sessions)
                if episode.state is not S.CLOSED
                and signals.owner_rung(episode.state, episode.rung, DEFAULT_RULES) >= executive
            }
        )

    def _board(self, trust: str, day: date) -> None:
        """The trust's board meets, is shown its agenda and notes it."""
        items = board.agenda(self.sessions, trust, day, actor=None)
        if not items:
            return
        keys = {
            e.id: (e.unit, e.indicator, e.direction) for e in service.list_episodes(self.sessions)
        }
        member = self.people[(Role.BOARD_MEMBER, trust)]
        meeting = board.add_meeting(
            self.sessions, trust, day, "Board meeting in public", actor=member, clock=_at(day, 14)
        )
        for minute, item in enumerate(items, start=1):
            if item.entity != "signal_episode":
                decision = "noted; the owner to report progress at the next meeting"
            elif self.fate.get(keys[item.entity_id]) == "ignored":
                decision = "noted; the division to give assurance at the next meeting"
            else:
                decision = "noted; the action plan is supported"
            board.present(
                self.sessions, meeting.id, item.entity, item.entity_id, decision,
                actor=member, clock=_at(day, 14, minute % 60),
            )  # fmt: skip


def _episode_of(session: Session, key: Key) -> Episode | None:
    return episode_repo.find_problem(session, *key)


def _first_thursdays(start: date, end: date) -> Iterable[date]:
    """The first Thursday of every month after ``start`` up to ``end``."""
    year, month = start.year, start.month
    while True:
        first = date(year, month, 1)
        thursday = first + timedelta(days=(3 - first.weekday()) % 7)
        if thursday > end:
            return
        if thursday > start:
            yield thursday
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _summary(sessions: sessionmaker[Session], built: bool, url: str) -> AccountabilitySection:
    episodes = service.list_episodes(sessions)
    with sessions() as session:
        count, _ = audit.head(session)
        intact = audit.verify(session) is None
        users = len(repo.users(session))
        concerns = len(concern_repo.concerns(session))
    details = [service.get_episode(sessions, episode.id) for episode in episodes]
    in_time = sum(
        any(e.action == "acknowledge" for e in d.events)
        and not any(e.action == "escalate" for e in d.events)
        for d in details
    )
    escalated = sum(any(e.action == "escalate" for e in d.events) for d in details)
    closed = sum(any(e.action == "close" and e.evidence for e in d.events) for d in details)
    reopened = sum(any(e.action == "reopen" for e in d.events) for d in details)
    notifications = len(list_notifications(sessions))
    stories: list[tuple[int, BoardStory]] = []
    trusts: Counter[str] = Counter()
    meetings: set[int] = set()
    for episode in episodes:
        history = board.board_history(sessions, "signal_episode", episode.id, actor=None)
        meetings.update(item.meeting.id for item in history.items)
        if history.items and episode.state in (S.OPEN, S.ACKNOWLEDGED, S.UNDER_REVIEW):
            trusts[history.items[0].meeting.trust] += len(history.items)
            summary = history.items[-1].summary.split(":")[0]
            stories.append((len(history.items), BoardStory(episode.id, summary, history.sentence)))
    stories.sort(key=lambda pair: (-pair[0], pair[1].episode))
    every_action = [a for d in actions.list_recommendations(sessions) for a in d.actions]
    return AccountabilitySection(
        built_now=built,
        database=url,
        episodes=len(episodes),
        by_state=dict(Counter(episode.state.value for episode in episodes)),
        open_by_owner=dict(
            Counter(e.owner_role.value for e in episodes if e.owner_role is not None)
        ),
        acknowledged_in_time=in_time,
        escalated=escalated,
        closed_with_evidence=closed,
        reopened=reopened,
        board_meetings=len(meetings),
        recommendations=len(actions.list_recommendations(sessions)),
        actions=len(every_action),
        actions_verified=sum(a.status is ActionStatus.VERIFIED for a in every_action),
        actions_escalated=sum(a.rung > 0 for a in every_action),
        stories=tuple(story for _, story in stories[:3]),
        users=users,
        concerns=concerns,
        notifications=notifications,
        audit_entries=count,
        audit_intact=intact,
        example_trust=trusts.most_common(1)[0][0] if trusts else None,
    )
