"""Bulk loads of recommendations and their actions: ``caresignal import recommendations FILE``.

One row per action (docs/recommendations.md, docs/examples/recommendation-actions.csv). Rows with
the same organisation and reference make one recommendation, and must agree on its fields. Every
row is checked first, against the store as it is inside the import's own transaction; any problem
refuses the whole import (:class:`~caresignal.errors.ImportRejectedError`, naming the file, row,
column, value and what was expected) and nothing is written. Otherwise every recommendation and
action is added, each with its audit entry, in that one transaction. A recommendation already in
the store with the same content is skipped, so importing a file again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.data._load_problems import Problem, rejection
from caresignal.domain.actions import (
    Action,
    ActionStatus,
    Recommendation,
    RecommendationSource,
    RecommendationState,
)
from caresignal.errors import ImportRejectedError
from caresignal.store import actions as action_repo
from caresignal.store import episodes as episode_repo
from caresignal.store import repo, transaction
from caresignal.workflow import access
from caresignal.workflow._import_rows import LIMIT, read_rows
from caresignal.workflow.action_rules import ADDING_ROLES
from caresignal.workflow.actions import record_action, record_recommendation

__all__ = ["COLUMNS", "OPTIONAL", "ImportSummary", "import_recommendations"]

#: The columns of an import file, in the order the example shows them.
COLUMNS = (
    "organisation",
    "reference",
    "source",
    "title",
    "detail",
    "received_on",
    "episode",
    "action",
    "owner",
    "due_on",
)
#: Columns the header may leave out.
OPTIONAL = frozenset({"episode"})
#: Columns every row of one recommendation must agree on.
SHARED = ("source", "title", "detail", "received_on", "episode")

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})([T ]00:00(:00(\.0+)?)?)?$")
_DATE_WORDS = "a date written YYYY-MM-DD, e.g. 2026-03-01"
_SOURCES = ", ".join(source.value for source in RecommendationSource)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What :func:`import_recommendations` did: the ids of the recommendations added, how many
    actions they hold, and how many recommendations were already in the store, unchanged."""

    added: tuple[int, ...]
    actions: int
    unchanged: int

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {"added": list(self.added), "actions": self.actions, "unchanged": self.unchanged}

    def describe(self) -> str:
        """In words: "2 recommendations added, with 5 actions; 1 already in the store"."""
        plural = "" if len(self.added) == 1 else "s"
        return (
            f"{len(self.added)} recommendation{plural} added, with {self.actions} "
            f"action{'' if self.actions == 1 else 's'}; {self.unchanged} already in the store"
        )


@dataclass(frozen=True, slots=True)
class _Line:
    """One data row of a file: where it is (the header is row 1) and its cells, trimmed, None
    when empty."""

    file: str
    number: int
    cells: Mapping[str, str | None]

    def problem(self, check: str, column: str, expected: str) -> Problem:
        value = self.cells.get(column)
        return Problem(self.file, check, expected, column, value, self.number, self.number)


@dataclass(frozen=True, slots=True)
class _Fields:
    """A row's values once its cells have passed their checks; ``action`` is (title, owner, due)
    or None for a row that only describes the recommendation."""

    organisation: str
    reference: str
    source: RecommendationSource
    title: str
    detail: str
    received_on: date
    episode: int | None
    action: tuple[str, str, date] | None

    def shared(self) -> dict[str, object]:
        """The values every row of one recommendation must share, by column."""
        values = (self.source, self.title, self.detail, self.received_on, self.episode)
        return dict(zip(SHARED, values, strict=True))


@dataclass(slots=True)
class _Plan:
    """One recommendation of the files: its first row, fields and actions."""

    first: _Line
    fields: _Fields
    actions: list[tuple[str, str, date]] = field(default_factory=list)


@dataclass(slots=True)
class _Known:
    """What the store knows, looked up once each: organisations, users and episodes."""

    session: Session
    organisations: frozenset[str]
    users: dict[str, bool] = field(default_factory=dict)
    episodes: dict[int, bool] = field(default_factory=dict)

    def user(self, name: str) -> bool:
        if name not in self.users:
            self.users[name] = repo.find_user(self.session, name) is not None
        return self.users[name]

    def episode(self, number: int) -> bool:
        if number not in self.episodes:
            found = episode_repo.find_episode(self.session, number)
            self.episodes[number] = found is not None
        return self.episodes[number]


def import_recommendations(
    sessions: sessionmaker[Session],
    paths: Sequence[Path],
    *,
    actor: str,
    clock: Clock,
    reason: str | None = None,
) -> ImportSummary:
    """Check every row of ``paths`` (CSV in UTF-8 or .xlsx), then add their recommendations and
    actions in one transaction, or refuse them all and write nothing.

    ``actor`` must hold an adding role (:data:`~caresignal.workflow.action_rules.ADDING_ROLES`)
    in every organisation named, or above it. ``reason`` goes into each audit entry (default:
    "imported from" and the files' names).
    """
    names = [path.name for path in paths]
    lines = [line for path in paths for line in _read(path)]
    why = reason or f"imported from {', '.join(names)}"
    with transaction(sessions) as session:
        access.user(session, actor)
        known = _Known(session, frozenset(o.code for o in repo.organisations(session)))
        problems, plans = _check(lines, known, clock.today())
        problems += _not_allowed(session, actor, plans)
        new, unchanged = _against_store(session, plans, problems)
        if problems:
            raise _refusal(names, problems)
        added = [_write(session, plan, actor=actor, clock=clock, reason=why) for plan in new]
    return ImportSummary(tuple(added), sum(len(plan.actions) for plan in new), unchanged)


def _read(path: Path) -> list[_Line]:
    """The data rows of ``path``, once its header has every column and no unknown one."""
    rows = read_rows(path, "recommendations", COLUMNS, OPTIONAL, "action")
    return [_Line(path.name, number, cells) for number, cells in rows]


def _check(
    lines: list[_Line], known: _Known, today: date
) -> tuple[list[Problem], dict[tuple[str, str], _Plan]]:
    """Every row's cells, then the rows of each recommendation against each other."""
    problems: list[Problem] = []
    plans: dict[tuple[str, str], _Plan] = {}
    for line in lines:
        found, fields = _cells(line, known, today)
        problems += found
        if fields is not None:
            problems += _group(plans, line, fields)
    return problems, plans


def _cells(line: _Line, known: _Known, today: date) -> tuple[list[Problem], _Fields | None]:
    """The problems of one row's cells, and its values if it has none."""
    problems: list[Problem] = []

    def required(column: str, expected: str) -> str:
        value = line.cells.get(column)
        if value is None:
            problems.append(line.problem("empty", column, expected))
        return value or ""

    organisation = required("organisation", "the code of an organisation in the store")
    if organisation and organisation not in known.organisations:
        expected = "the code of an organisation in the store (`caresignal store sync`)"
        problems.append(line.problem("unknown_organisation", "organisation", expected))
    reference = required("reference", "the recommendation's reference, e.g. CQC-2026-014")
    source = _source(line, required("source", f"one of: {_SOURCES}"), problems)
    title = required("title", "what is recommended")
    received_on = _date(line, "received_on", required("received_on", _DATE_WORDS), problems)
    if received_on is not None and received_on > today:
        expected = f"a day on or before today ({today.isoformat()})"
        problems.append(line.problem("future_date", "received_on", expected))
    episode = _episode(line, known, problems)
    action = _action(line, known, received_on, problems)
    if problems or source is None or received_on is None:
        return problems, None
    detail = line.cells.get("detail") or ""
    fields = _Fields(organisation, reference, source, title, detail, received_on, episode, action)
    return problems, fields


def _source(line: _Line, text: str, problems: list[Problem]) -> RecommendationSource | None:
    if not text:
        return None
    try:
        return RecommendationSource(text.lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        problems.append(line.problem("allowed", "source", f"one of: {_SOURCES}"))
        return None


def _date(line: _Line, column: str, text: str, problems: list[Problem]) -> date | None:
    if not text:
        return None
    match = _DATE.match(text)
    day: date | None = None
    if match is not None:
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:  # a day that does not exist, e.g. 2026-02-30
            day = None
    if day is None:
        problems.append(line.problem("type", column, _DATE_WORDS))
    return day


def _episode(line: _Line, known: _Known, problems: list[Problem]) -> int | None:
    text = line.cells.get("episode")
    if text is None:
        return None
    expected = "the number of a signal episode in the store (`caresignal signals list`), or empty"
    if not text.isdigit():
        problems.append(line.problem("type", "episode", expected))
        return None
    if not known.episode(int(text)):
        problems.append(line.problem("unknown_episode", "episode", expected))
    return int(text)


def _action(
    line: _Line, known: _Known, received_on: date | None, problems: list[Problem]
) -> tuple[str, str, date] | None:
    """The row's action (title, owner, due), None if all three are empty."""
    cells = [line.cells.get(column) for column in ("action", "owner", "due_on")]
    if cells == [None, None, None]:
        return None
    title, owner, due = cells
    wanted = {
        "action": "what will be done (or action, owner and due_on all empty)",
        "owner": "the name of a user in the store (`caresignal user add`)",
        "due_on": _DATE_WORDS,
    }
    for column, value in zip(wanted, cells, strict=True):
        if value is None:
            problems.append(line.problem("empty", column, wanted[column]))
    if owner is not None and not known.user(owner):
        problems.append(line.problem("unknown_user", "owner", wanted["owner"]))
    due_on = _date(line, "due_on", due or "", problems)
    if due_on is not None and received_on is not None and due_on < received_on:
        expected = f"a day on or after received_on ({received_on.isoformat()})"
        problems.append(line.problem("due_before_received", "due_on", expected))
    if title is None or owner is None or due_on is None:
        return None
    return title, owner, due_on


def _group(plans: dict[tuple[str, str], _Plan], line: _Line, fields: _Fields) -> list[Problem]:
    """Add the row to its recommendation; problems where it disagrees with the first row."""
    key = (fields.organisation, fields.reference)
    plan = plans.setdefault(key, _Plan(line, fields))
    first = plan.first
    where = f"row {first.number}" + ("" if first.file == line.file else f" of {first.file}")
    problems = [
        line.problem(
            "disagrees",
            column,
            f"{first.cells.get(column) or 'empty'}, as on {where} of "
            f"{fields.organisation} {fields.reference}",
        )
        for column, value in fields.shared().items()
        if value != plan.fields.shared()[column]
    ]
    if fields.action is not None:
        if any(fields.action[0] == title for title, _, _ in plan.actions):
            expected = f"each action of {fields.organisation} {fields.reference} once"
            problems.append(line.problem("duplicate_action", "action", expected))
        plan.actions.append(fields.action)
    return problems


def _not_allowed(
    session: Session, actor: str, plans: Mapping[tuple[str, str], _Plan]
) -> list[Problem]:
    """A problem on the first row of each organisation where ``actor`` may not add."""
    firsts: dict[str, _Line] = {}
    for (organisation, _), plan in plans.items():
        firsts.setdefault(organisation, plan.first)
    user = access.user(session, actor)
    roles = ", ".join(sorted(role.value for role in ADDING_ROLES))
    return [
        line.problem(
            "not_allowed",
            "organisation",
            f"an organisation where {actor} holds one of the roles {roles}, or one above it",
        )
        for organisation, line in firsts.items()
        if not access.holds(session, user, ADDING_ROLES, organisation)
    ]


def _against_store(
    session: Session, plans: Mapping[tuple[str, str], _Plan], problems: list[Problem]
) -> tuple[list[_Plan], int]:
    """The plans new to the store, and how many are there already with the same content; a
    problem for each reference the store holds with other content."""
    new: list[_Plan] = []
    unchanged = 0
    for (organisation, reference), plan in plans.items():
        stored = action_repo.find_reference(session, organisation, reference)
        if stored is None:
            new.append(plan)
            continue
        problem = _difference(session, stored, plan)
        if problem is None:
            unchanged += 1
        else:
            problems.append(problem)
    return new, unchanged


def _difference(session: Session, stored: Recommendation, plan: _Plan) -> Problem | None:
    """A problem naming the first column where ``plan`` differs from what the store holds."""
    held = {
        "source": stored.source,
        "title": stored.title,
        "detail": stored.detail,
        "received_on": stored.received_on,
        "episode": stored.episode_id,
    }
    hint = f"a new reference, or the content of recommendation {stored.id} in the store"
    for column, value in plan.fields.shared().items():
        if value != held[column]:
            shown = "empty" if held[column] in (None, "") else str(held[column])
            return plan.first.problem("already_stored", column, f"{shown} ({hint})")
    actions = action_repo.actions(session, recommendation_id=stored.id)
    if sorted((a.title, a.owner, a.due_on) for a in actions) != sorted(plan.actions):
        listed = "; ".join(f"{a.title} ({a.owner}, {a.due_on.isoformat()})" for a in actions)
        expected = f"the actions it holds: {listed or 'none'} ({hint})"
        return plan.first.problem("already_stored", "action", expected)
    return None


def _refusal(names: list[str], problems: list[Problem]) -> ImportRejectedError:
    """The error that refuses every file, listing the problems in file and row order."""
    rows = len({(p.file, p.row) for p in problems if p.row is not None})
    if len(names) == 1:
        return rejection(names[0], problems, total=len(problems), rows=rows, limit=LIMIT)
    ordered = sorted(problems, key=lambda p: (names.index(p.file), p.row or 0))[:LIMIT]
    first = ordered[0].describe() if len(problems) == 1 else f"{len(problems):,} problems"
    return ImportRejectedError(
        f"{', '.join(names)} were not imported: {first}",
        tuple(ordered),
        total=len(problems),
        rows=rows,
        hint="Nothing was loaded. Correct the files and import them again.",
    )


def _write(session: Session, plan: _Plan, *, actor: str, clock: Clock, reason: str) -> int:
    """Add one recommendation and its actions, each with its audit entry; its id."""
    fields, now = plan.fields, clock.now()
    made = action_repo.add_recommendation(
        session,
        Recommendation(
            id=0, organisation=fields.organisation, reference=fields.reference,
            source=fields.source, title=fields.title, detail=fields.detail,
            received_on=fields.received_on, episode_id=fields.episode,
            state=RecommendationState.OPEN, closed_on=None, closed_by=None,
            closing_reason=None, version=0, created_at=now, updated_at=now,
        ),
    )  # fmt: skip
    record_recommendation(session, clock, actor, "recommendation.add", None, made, reason)
    for title, owner, due_on in plan.actions:
        added = action_repo.add_action(
            session,
            Action(
                id=0, recommendation_id=made.id, organisation=made.organisation, title=title,
                owner=owner, due_on=due_on, status=ActionStatus.PLANNED, evidence=(),
                done_on=None, done_by=None, verified_on=None, verified_by=None, rung=0,
                deadline=due_on, escalated_on=None, version=0, created_at=now, updated_at=now,
            ),
        )  # fmt: skip
        record_action(session, clock, actor, "action.add", None, added, reason)
    return made.id
