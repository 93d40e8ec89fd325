"""Bulk loads of historical concerns into the store: ``caresignal import concerns FILE``, for a
trust moving from another system (docs/concerns.md).

The file has the columns of the data schema's ``concerns`` table
(:data:`caresignal.data.schema.CONCERNS`). Every row is checked first, against the store as it
is inside the import's own transaction; any problem refuses the whole file
(:class:`~caresignal.errors.ImportRejectedError`, naming the file, row, column, value and what
was expected) and nothing is written. Otherwise every concern is added with its audit entry in
that one transaction. A ``record_id`` already imported with the same content is skipped, so
importing a file again changes nothing. Imported concerns have no private link.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.data._load_problems import Problem, rejection
from caresignal.data.schema import CONCERNS
from caresignal.domain.concerns import HCAT, Concern, ConcernChannel, ConcernState
from caresignal.store import concerns as concern_repo
from caresignal.store import repo, transaction
from caresignal.workflow import access
from caresignal.workflow._import_rows import LIMIT, Row, read_rows
from caresignal.workflow.concern_rules import (
    CONCERN_ROLES,
    MAX_TEXT,
    acknowledge_by,
    default_response_due,
    explanation_due,
)
from caresignal.workflow.concerns import hash_token, record, with_deadline

__all__ = ["COLUMNS", "ConcernImport", "import_concerns"]

COLUMNS = tuple(column.name for column in CONCERNS.columns)
OPTIONAL = frozenset({"category", "acknowledged_date", "answered_date"})
_DATE_WORDS = "a date written YYYY-MM-DD, e.g. 2026-03-01"
_CHANNELS = ", ".join(channel.value for channel in ConcernChannel)
_CATEGORIES = {category: domain for domain, names in HCAT.items() for category in names}


@dataclass(frozen=True, slots=True)
class ConcernImport:
    """What :func:`import_concerns` did: the ids of the concerns added, and how many were
    already in the store, unchanged."""

    added: tuple[int, ...]
    unchanged: int

    def to_dict(self) -> dict[str, Any]:
        """For JSON."""
        return {"added": list(self.added), "unchanged": self.unchanged}

    def describe(self) -> str:
        """In words: "3 concerns added; 1 already in the store"."""
        plural = "" if len(self.added) == 1 else "s"
        return f"{len(self.added)} concern{plural} added; {self.unchanged} already in the store"


def import_concerns(
    sessions: sessionmaker[Session], path: Path, *, actor: str, clock: Clock
) -> ConcernImport:
    """Check every row of ``path``, then add its concerns in one transaction, or refuse them
    all; ``actor`` needs concern access in every organisation named."""
    rows = _read(path)
    with transaction(sessions) as session:
        user = access.user(session, actor)
        known = {o.code for o in repo.organisations(session)}
        problems: list[Problem] = []
        made: list[tuple[int, Concern]] = []
        seen: set[str] = set()
        for number, cells in rows:

            def problem(
                check: str, column: str, expected: str, n: int = number, row: Any = cells
            ) -> None:
                value = row.get(column)
                problems.append(Problem(path.name, check, expected, column, value, n, n))

            concern = _row(cells, known, clock.today(), problem)
            if concern is None:
                continue
            if concern.source_reference in seen:
                problem("duplicate_record", "record_id", "each record_id once in the file")
            seen.add(concern.source_reference or "")
            if not access.holds(session, user, CONCERN_ROLES, concern.organisation):
                roles = ", ".join(sorted(role.value for role in CONCERN_ROLES))
                problem("not_allowed", "unit_code", f"an organisation where {actor} holds "
                        f"one of the roles {roles}, or one above it")  # fmt: skip
            made.append((number, concern))
        new, unchanged = _against_store(session, path.name, made, problems)
        if problems:
            rows_hit = len({p.row for p in problems})
            raise rejection(path.name, problems, total=len(problems), rows=rows_hit, limit=LIMIT)
        added = []
        for concern in new:
            stored = concern_repo.add_concern(session, concern, hash_token(_nobody()), None)
            why = f"imported from {path.name}"
            record(session, clock, actor, "concern.import", None, stored, why)
            added.append(stored.id)
    return ConcernImport(tuple(added), unchanged)


def _nobody() -> str:
    """A token nobody is given: imported concerns have no private link."""
    return secrets.token_urlsafe(32)


def _read(path: Path) -> list[tuple[int, Row]]:
    return read_rows(path, "concerns", COLUMNS, OPTIONAL, "concern")


def _day(text: str | None) -> date | None:
    try:
        return None if text is None else date.fromisoformat(text[:10])
    except ValueError:
        return None


def _row(
    cells: dict[str, str | None],
    known: set[str],
    today: date,
    problem: Callable[[str, str, str], None],
) -> Concern | None:
    """The concern a row describes, or None after reporting its problems."""
    bad = False
    for column in ("record_id", "received_date", "unit_code", "channel", "text"):
        if cells.get(column) is None:
            problem("empty", column, "a value")
            bad = True
    unit, channel, text = cells.get("unit_code"), cells.get("channel"), cells.get("text") or ""
    if unit is not None and unit not in known:
        problem("unknown_organisation", "unit_code",
                "the code of an organisation in the store (`caresignal store sync`)")  # fmt: skip
        bad = True
    if channel is not None and channel not in {c.value for c in ConcernChannel}:
        problem("allowed", "channel", f"one of: {_CHANNELS}")
        bad = True
    if len(text) > MAX_TEXT:
        problem("range", "text", f"at most {MAX_TEXT:,} characters")
        bad = True
    category = cells.get("category")
    if category is not None and category not in _CATEGORIES:
        problem("allowed", "category", f"empty or one of: {', '.join(_CATEGORIES)}")
        bad = True
    days: dict[str, date | None] = {}
    for column in ("received_date", "acknowledged_date", "answered_date"):
        days[column] = _day(cells.get(column))
        if cells.get(column) is not None and days[column] is None:
            problem("type", column, _DATE_WORDS)
            bad = True
        elif (days[column] or date.min) > today:
            problem("future_date", column, f"a day on or before today ({today.isoformat()})")
            bad = True
    received = days["received_date"]
    for column in ("acknowledged_date", "answered_date"):
        later = days[column]
        if received is not None and later is not None and later < received:
            problem("before_received", column, f"a day on or after {received.isoformat()}")
            bad = True
    if bad or received is None or unit is None or channel is None:
        return None
    return _concern(cells, unit, ConcernChannel(channel), text, received, days, category)


def _concern(
    cells: dict[str, str | None], unit: str, channel: ConcernChannel, text: str,
    received: date, days: dict[str, date | None], category: str | None,
) -> Concern:  # fmt: skip
    acked, answered = days["acknowledged_date"], days["answered_date"]
    state = ConcernState.RECEIVED
    if acked is not None:
        state = ConcernState.TRIAGED if category is not None else ConcernState.ACKNOWLEDGED
    if answered is not None:
        state = ConcernState.CLOSED
    at = datetime.combine(received, time(0), tzinfo=UTC)
    concern = Concern(
        id=0, reference="", organisation=unit, channel=channel, text=text, happened_on=None,
        relationship="other", contact_by="letter", anonymous=False, state=state,
        received_on=received, acknowledge_by=acknowledge_by(received), acknowledged_on=acked,
        response_due=None if acked is None else default_response_due(acked),
        response_agreed=False, responded_on=answered, explanation_due=explanation_due(received),
        explained_on=None, closed_on=answered, outcome=None if answered is None else "imported",
        ombudsman_offered=False, hcat_domain=None if category is None else _CATEGORIES[category],
        hcat_category=category, severity=None, episode_ids=(), duty_of_candour=None,
        source_reference=cells["record_id"], rung=0, deadline=None, escalated_on=None,
        version=0, created_at=at, updated_at=at,
    )  # fmt: skip
    return with_deadline(concern)


_SAME = ("organisation", "channel", "text", "received_on", "acknowledged_on", "responded_on",
         "hcat_category")  # fmt: skip


def _against_store(
    session: Session, name: str, made: list[tuple[int, Concern]], problems: list[Problem]
) -> tuple[list[Concern], int]:
    new: list[Concern] = []
    unchanged = 0
    for number, concern in made:
        stored = concern_repo.find_source_reference(session, concern.source_reference or "")
        if stored is None:
            new.append(concern)
        elif all(getattr(stored, f) == getattr(concern, f) for f in _SAME):
            unchanged += 1
        else:
            expected = f"a new record_id, or the content of concern {stored.reference} in the store"
            problems.append(Problem(name, "already_stored", expected, "record_id",
                                    concern.source_reference, number, number))  # fmt: skip
    return new, unchanged
