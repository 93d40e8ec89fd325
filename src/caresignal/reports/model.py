"""The board pack as plain data: what the pack says, with no store, web or rendering in it
(docs/board-pack.md). :func:`caresignal.reports.board.board_pack` builds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from caresignal.reports._concerns import ConcernsSection

__all__ = [
    "ActionLine",
    "BoardPack",
    "ChartImage",
    "FindingLine",
    "Presentation",
    "Problem",
    "RecommendationLine",
    "SignalPage",
    "Summary",
]


@dataclass(frozen=True, slots=True)
class Presentation:
    """One time the board was shown a problem, and what it decided."""

    held_on: date
    meeting: str
    decision: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A signal episode as it stood on the pack's as-of day.

    ``new`` says it was opened (or reopened) in the month; ``overdue`` that its deadline had
    passed; ``escalated`` that it had climbed the escalation ladder at least once since it was
    last opened; ``presentations`` every time the board saw it before the as-of day.
    """

    id: int
    unit: str
    unit_name: str
    indicator: str
    indicator_title: str
    level: str
    state: str
    standing: str
    owner: str
    deadline: date | None
    opened_on: date
    new: bool
    overdue: bool
    escalated: bool
    presentations: tuple[Presentation, ...]

    @property
    def times_presented(self) -> int:
        """How many times the board has seen it."""
        return len(self.presentations)

    @property
    def anchor(self) -> str:
        """The id of its page in the pack."""
        return f"signal-{self.id}"


@dataclass(frozen=True, slots=True)
class FindingLine:
    """One finding of a problem: the chart that found it, when, and the scan's numbers (None
    where the scan's findings file no longer holds them)."""

    chart: str
    level: str
    first_crossed: date
    change_began: date
    explanation: str
    observed: float | None
    expected: float | None
    threshold: float | None
    false_alarm: str | None


@dataclass(frozen=True, slots=True)
class ChartImage:
    """A chart drawn for print: its title, its text alternative and the SVG document."""

    title: str
    description: str
    svg: str


@dataclass(frozen=True, slots=True)
class ActionLine:
    """An action as it stood on the as-of day."""

    id: int
    organisation: str
    recommendation: str
    title: str
    owner: str
    due_on: date
    status: str
    overdue: bool
    escalated: bool
    days_overdue: int


@dataclass(frozen=True, slots=True)
class RecommendationLine:
    """A recommendation made from a problem's review, with its actions."""

    reference: str
    title: str
    state: str
    actions: tuple[ActionLine, ...]


@dataclass(frozen=True, slots=True)
class SignalPage:
    """The page of one problem: its findings, charts (or why there are none) and actions."""

    problem: Problem
    findings: tuple[FindingLine, ...]
    charts: tuple[ChartImage, ...]
    charts_note: str | None
    recommendations: tuple[RecommendationLine, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    """The numbers on the summary page, as of the as-of day (docs/board-pack.md)."""

    new: int
    open: int
    overdue: int
    escalated: int
    presented_before: int
    actions_overdue: int


@dataclass(frozen=True, slots=True)
class BoardPack:
    """The monthly integrated safety report of one trust.

    ``month`` is the month's first day; ``as_of`` the day the pack describes (the month's last
    day, or today during the month); ``data_as_of`` the last day of data the charts use (None
    without data); ``produced_at`` when the pack was made.
    """

    trust: str
    trust_name: str
    region: str | None
    month: date
    as_of: date
    data_as_of: date | None
    produced_at: datetime
    summary: Summary
    problems: tuple[Problem, ...]
    pages: tuple[SignalPage, ...]
    overdue_actions: tuple[ActionLine, ...]
    concerns: ConcernsSection

    @property
    def month_name(self) -> str:
        """The month in words, e.g. "November 2026"."""
        return self.month.strftime("%B %Y")

    @property
    def presented_before(self) -> tuple[Problem, ...]:
        """The open problems the board has seen before, the most often seen first."""
        seen = [p for p in self.problems if p.presentations]
        return tuple(sorted(seen, key=lambda p: (-p.times_presented, p.id)))
