"""The board pack's model: a trust's signals, their charts and actions, and what its board has
already been shown, as they stood at the end of a month (docs/board-pack.md).

:func:`board_pack` reads the store (as the audit log says things stood on the pack's as-of day,
:mod:`caresignal.reports._history`) and the data directory (the charts, as the scan drew them),
and returns a frozen :class:`~caresignal.reports.model.BoardPack`, plain data for
:mod:`caresignal.reports.render`.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Role
from caresignal.domain.actions import RecommendationState
from caresignal.domain.episodes import Episode, EpisodeFinding, EpisodeState
from caresignal.errors import CaresignalError
from caresignal.monitor.catalogue import Catalogue
from caresignal.reports import _history, _pages
from caresignal.reports._concerns import concerns_section
from caresignal.reports.model import (
    ActionLine,
    BoardPack,
    Presentation,
    Problem,
    RecommendationLine,
    Summary,
)
from caresignal.store import episodes as episode_repo
from caresignal.store import repo
from caresignal.store.service import UnknownError
from caresignal.workflow.rules import DEFAULT_RULES, Rules

__all__ = ["BadMonthError", "board_pack", "pack_day", "parse_month"]

S = EpisodeState

_STANDING = {
    S.OPEN: "not acknowledged; no action plan yet",
    S.ACKNOWLEDGED: "acknowledged; no action plan yet",
    S.UNDER_REVIEW: "under review; no action plan yet",
    S.ACTION_PLANNED: "an action plan is in place",
    S.MONITORING: "actions done; being monitored",
}


class BadMonthError(CaresignalError, ValueError):
    """A month that is not one, or has not begun yet."""


def parse_month(text: str) -> date:
    """The first day of the month written ``YYYY-MM``.

    >>> parse_month("2026-11")
    datetime.date(2026, 11, 1)
    """
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise BadMonthError(
            f"the month {text!r} is not a month", hint="write it as YYYY-MM, e.g. 2026-11"
        )
    return date(int(found.group(1)), int(found.group(2)), 1)


def pack_day(month: date, today: date) -> date:
    """The day a pack of ``month`` describes: its last day, or ``today`` during the month.

    >>> today = date(2026, 11, 23)
    >>> pack_day(date(2026, 10, 1), today), pack_day(date(2026, 11, 1), today)
    (datetime.date(2026, 10, 31), datetime.date(2026, 11, 23))
    """
    if (month.year, month.month) > (today.year, today.month):
        raise BadMonthError(
            f"{month:%B %Y} has not begun yet (today is {today.isoformat()})",
            hint="choose this month or an earlier one",
        )
    last = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    return min(last, today)


def board_pack(
    sessions: sessionmaker[Session],
    trust: str,
    month: date,
    *,
    data_dir: Path | None,
    clock: Clock,
    rules: Rules = DEFAULT_RULES,
) -> BoardPack:
    """The board pack of ``trust`` for ``month`` (its first day), from the store and the data
    directory (``None``: no charts). Who may read it is checked by the caller, as for the board
    view: anyone holding a role in the trust (a regulator: in its region)."""
    day = pack_day(month, clock.today())
    catalogue = _pages.catalogue_of(data_dir)
    with sessions() as session:
        found = repo.find_organisation(session, trust)
        if found is None or found.level != "trust":
            raise UnknownError(
                f"there is no trust with code {trust!r} in the store",
                hint="give a trust's code (`caresignal store sync` copies them from the data)",
            )
        units = repo.organisation_and_below(session, trust)
        names = {o.code: o.name for o in repo.organisations(session)}
        then = _history.as_at(session, trust, units, month, day)
        findings = {e.id: _findings(session, e.id, day) for e in then.episodes}
        executive = rules.rung_of(Role.EXECUTIVE_SAFETY_CHAMPION)
        concerns = concerns_section(session, units, month, day, executive)
    problems = _problems(then, names, catalogue)
    data = _pages.open_data(data_dir, catalogue, day)
    pages = tuple(
        _pages.signal_page(p, findings[p.id], data, catalogue, _recommendations(then, p.id))
        for p in problems
    )
    overdue = _overdue_actions(then)
    return BoardPack(
        trust=found.code,
        trust_name=found.name,
        region=found.region,
        month=month,
        as_of=day,
        data_as_of=data.as_of,
        produced_at=clock.now(),
        summary=_summary(then, problems, len(overdue)),
        problems=problems,
        pages=pages,
        overdue_actions=overdue,
        concerns=concerns,
    )


def _findings(session: Session, episode_id: int, day: date) -> list[EpisodeFinding]:
    """The findings of an episode that a scan as of ``day`` or earlier had found."""
    return [f for f in episode_repo.findings_of(session, episode_id) if f.seen_as_of <= day]


def _problems(
    then: _history.AsAt, names: dict[str, str], catalogue: Catalogue
) -> tuple[Problem, ...]:
    """The episodes open at the end of the day, the most overdue first."""
    made = [_problem(e, then, names, catalogue) for e in then.episodes if e.state is not S.CLOSED]
    made.sort(key=lambda p: (not p.overdue, p.deadline or date.max, p.id))
    return tuple(made)


def _problem(
    episode: Episode, then: _history.AsAt, names: dict[str, str], catalogue: Catalogue
) -> Problem:
    items = then.presented.get(("signal_episode", str(episode.id)), ())
    owner = "nobody" if episode.owner_role is None else episode.owner_role.value
    return Problem(
        id=episode.id,
        unit=episode.unit,
        unit_name=names.get(episode.unit, episode.unit),
        indicator=episode.indicator,
        indicator_title=_title(catalogue, episode.indicator),
        level=episode.level.replace("_", " "),
        state=episode.state.value.replace("_", " "),
        standing=_STANDING[episode.state],
        owner=owner.replace("_", " "),
        deadline=episode.deadline,
        opened_on=episode.opened_on,
        new=episode.id in then.opened,
        overdue=episode.deadline is not None and episode.deadline < then.day,
        escalated=episode.escalated_on is not None,
        presentations=tuple(
            Presentation(i.meeting.held_on, i.meeting.title, i.decision) for i in items
        ),
    )


def _title(catalogue: Catalogue, indicator: str) -> str:
    try:
        return catalogue.get(indicator).title
    except KeyError:
        return indicator.replace("_", " ")


def _recommendations(then: _history.AsAt, episode_id: int) -> list[RecommendationLine]:
    """The recommendations made from the episode's review, with their actions, as they stood."""
    return [
        RecommendationLine(
            r.reference,
            r.title,
            r.state.value.replace("_", " "),
            tuple(
                _pages.action_line(a, r, then.day)
                for a in then.actions
                if a.recommendation_id == r.id
            ),
        )
        for r in then.recommendations
        if r.episode_id == episode_id
    ]


def _overdue_actions(then: _history.AsAt) -> tuple[ActionLine, ...]:
    """Actions of open recommendations past their due date and not done, the most overdue
    first."""
    live = {r.id: r for r in then.recommendations if r.state is not RecommendationState.CLOSED}
    lines = [
        _pages.action_line(a, live[a.recommendation_id], then.day)
        for a in then.actions
        if a.recommendation_id in live
    ]
    late = [line for line in lines if line.overdue]
    return tuple(sorted(late, key=lambda line: (-line.days_overdue, line.id)))


def _summary(then: _history.AsAt, problems: tuple[Problem, ...], actions_overdue: int) -> Summary:
    """The summary page's numbers (each problem open at the end of the day has a page)."""
    ours = {e.id for e in then.episodes}
    return Summary(
        new=len(then.opened & ours),
        open=len(problems),
        overdue=sum(p.overdue for p in problems),
        escalated=sum(p.escalated for p in problems),
        presented_before=sum(bool(p.presentations) for p in problems),
        actions_overdue=actions_overdue,
    )
