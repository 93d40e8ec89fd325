"""Exporting a trust's concerns with their words redacted (docs/concerns.md, "Exports"): one row
a concern, as CSV or an Excel workbook, for the command line (``caresignal concerns export``)
and the trust's concerns page.

Only a person with concern access in the trust, or in one of its sites or units, may export,
and the rows are the concerns they may read (the same check as reading a concern's words); to
anyone else the trust has no concerns to export ("not found"). The words and the conversation
go through :func:`caresignal.text.redact.redact` with the person's own name, e-mail address,
telephone number and address, and those details are never columns. Every export writes an audit
entry (``concern.export``: who, which trust, the dates asked for, how many rows and which
concerns), committed before the file is given.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Organisation
from caresignal.domain.concerns import Concern, ConcernContact, ConcernEvent
from caresignal.errors import CaresignalError
from caresignal.store import audit, repo, transaction
from caresignal.store import concerns as concern_repo
from caresignal.store.service import UnknownError
from caresignal.text.redact import redact
from caresignal.workflow import access
from caresignal.workflow.concern_rules import CONCERN_ROLES

__all__ = ["COLUMNS", "FORMATS", "ConcernExport", "export", "export_trusts"]

#: The file kinds an export is written as.
FORMATS = ("csv", "xlsx")
#: The columns, as headed in the file, and the row's field for each.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Reference", "reference"), ("Received", "received_on"), ("Unit", "organisation"),
    ("Unit name", "organisation_name"), ("Channel", "channel"), ("Status", "state"),
    ("HCAT domain", "hcat_domain"), ("HCAT category", "hcat_category"),
    ("Severity", "severity"), ("Linked incidents", "incidents"),
    ("Acknowledge by", "acknowledge_by"),
    ("Acknowledged", "acknowledged_on"), ("Response due", "response_due"),
    ("Answered", "responded_on"), ("Explanation due", "explanation_due"),
    ("Explained", "explained_on"), ("Closed", "closed_on"),
    ("Concern (redacted)", "text"), ("Conversation (redacted)", "conversation"),
)  # fmt: skip
#: What a spreadsheet would read as a formula at the start of a cell (OWASP, "CSV Injection").
FORMULA_START = r"^[=+\-@\t\r]"


class ExportError(CaresignalError, ValueError):
    """An export asked for in a way that cannot be done."""


@dataclass(frozen=True, slots=True)
class ConcernExport:
    """The rows of one export, redacted, and what it was asked for."""

    trust: str
    start: date | None
    end: date | None
    rows: tuple[dict[str, Any], ...]

    def file_name(self, kind: str) -> str:
        """``caresignal-concerns-ZQL-2026-01-01-to-2026-06-30.csv`` and the like."""
        span = f"{_iso(self.start) or 'start'}-to-{_iso(self.end) or 'now'}"
        return f"caresignal-concerns-{self.trust}-{span}.{kind}"

    def frame(self) -> pl.DataFrame:
        """The rows as a table of strings headed as :data:`COLUMNS`."""
        schema = {header: pl.String for header, _ in COLUMNS}
        rows = [[row[field] for _, field in COLUMNS] for row in self.rows]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def to_csv(self) -> bytes:
        """The rows as UTF-8 CSV (with a byte order mark, so that Excel reads the accents), each
        cell that a spreadsheet would take for a formula led by an apostrophe."""
        guarded = self.frame().with_columns(
            pl.when(pl.col(header).str.contains(FORMULA_START))
            .then(pl.lit("'") + pl.col(header))
            .otherwise(pl.col(header))
            .alias(header)
            for header, _ in COLUMNS
        )
        buffer = io.BytesIO()
        guarded.write_csv(buffer, include_bom=True)
        return buffer.getvalue()

    def to_xlsx(self) -> bytes:
        """The rows as an Excel workbook (every cell a string, never a formula)."""
        buffer = io.BytesIO()
        self.frame().write_excel(buffer, worksheet="Concerns", autofit=True)
        return buffer.getvalue()

    def to_bytes(self, kind: str) -> bytes:
        """The file of ``kind`` (``csv`` or ``xlsx``)."""
        return self.to_csv() if check_format(kind) == "csv" else self.to_xlsx()


def check_format(kind: str) -> str:
    """``kind`` if it is one of :data:`FORMATS`; refused naming them otherwise."""
    if kind not in FORMATS:
        raise ExportError(f"the format {kind!r} is not one of the choices",
                          hint=f"choose one of: {', '.join(FORMATS)}")  # fmt: skip
    return kind


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _not_found(trust: str) -> UnknownError:
    return UnknownError(
        f"there is no trust {trust!r} with concerns you may export",
        hint="exports need concern access in the trust, one of its sites or one of its units",
    )


def _trust(session: Session, trust: str) -> Organisation:
    found = repo.find_organisation(session, trust)
    if found is None or found.level != "trust":
        raise _not_found(trust)
    return found


def export_trusts(sessions: sessionmaker[Session], actor: str) -> list[Organisation]:
    """The trusts in which ``actor`` may export concerns (concern access in the trust or below
    it), by code."""
    with sessions() as session:
        user = repo.find_user(session, actor)
        if user is None:
            return []
        reach = access.Reach(session, user)
        everything = {o.code: o for o in repo.organisations(session)}
        reached = reach.everywhere(everything, CONCERN_ROLES)
        within = _trusts_of(everything, reached)
        return [everything[code] for code in sorted(within)]


def _trusts_of(everything: dict[str, Organisation], codes: Iterable[str]) -> set[str]:
    found = set()
    for code in codes:
        chain = access.chain_in(everything, code)
        if chain:
            top = everything[chain[-1][0]]
            if top.level == "trust":
                found.add(top.code)
    return found


def export(
    sessions: sessionmaker[Session],
    trust: str,
    *,
    actor: str,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    kind: str = "csv",
) -> ConcernExport:
    """The concerns of ``trust`` received from ``start`` to ``end`` (both included; either may
    be left open) that ``actor`` may read, redacted, oldest first, with the audit entry of the
    export committed."""
    check_format(kind)
    if start is not None and end is not None and end < start:
        raise ExportError(f"the export ends ({end.isoformat()}) before it starts "
                          f"({start.isoformat()})", hint="give --from before --to")  # fmt: skip
    with transaction(sessions) as session:
        user = repo.find_user(session, actor)
        if user is None:
            raise _not_found(trust)
        _trust(session, trust)
        reach = access.Reach(session, user)
        scope = repo.organisation_and_below(session, trust)
        if not any(reach.holds(code, CONCERN_ROLES) for code in scope):
            raise _not_found(trust)
        names = {o.code: o.name for o in repo.organisations(session)}
        chosen = [
            c
            for c in concern_repo.concerns(session, organisations=scope)
            if reach.holds(c.organisation, CONCERN_ROLES) and _within(c, start, end)
        ]
        chosen.sort(key=lambda c: (c.received_on, c.id))
        rows = tuple(_row(session, c, names) for c in chosen)
        _record(session, clock, actor, trust, start, end, kind, chosen)
    return ConcernExport(trust, start, end, rows)


def _within(concern: Concern, start: date | None, end: date | None) -> bool:
    return (start is None or concern.received_on >= start) and (
        end is None or concern.received_on <= end
    )


def _row(session: Session, concern: Concern, names: dict[str, str]) -> dict[str, Any]:
    contact = concern_repo.contact_of(session, concern.id)
    events = concern_repo.events_of(session, concern.id)
    fields = concern.to_dict(with_text=False)
    kept = {field: fields.get(field) for _, field in COLUMNS if field in fields}
    return {
        **kept,
        "organisation_name": names.get(concern.organisation, concern.organisation),
        # The references of the patient-safety incidents linked, as the incident system knows
        # them: letters, digits, '-' and '/' only, so nothing to redact.
        "incidents": "; ".join(concern.incident_references),
        "text": _redacted(concern.text, contact),
        "conversation": _conversation(events, contact),
    }


def _redacted(text: str, contact: ConcernContact | None) -> str:
    if contact is None:
        return redact(text)
    return redact(
        text, names=[contact.name], emails=[contact.email], phones=[contact.phone],
        addresses=[contact.address],
    )  # fmt: skip


def _conversation(events: Sequence[ConcernEvent], contact: ConcernContact | None) -> str:
    """Each entry of the conversation on a line of its own: its day, what it is, from "the
    person" or "the trust" (never a member of staff's name), and its words, redacted."""
    lines = [
        f"{event.at.date().isoformat()} {event.kind.value.replace('_', ' ')} from "
        f"{'the person' if event.from_the_person else 'the trust'}: "
        f"{_redacted(event.text, contact)}"
        for event in events
    ]
    return "\n".join(lines)


def _record(
    session: Session,
    clock: Clock,
    actor: str,
    trust: str,
    start: date | None,
    end: date | None,
    kind: str,
    chosen: Sequence[Concern],
) -> None:
    """The audit entry of the export: what was asked for and which concerns went out, never
    their words."""
    audit.append(
        session, clock=clock, actor=actor, action="concern.export", entity="concern_export",
        entity_id=trust, before=None,
        after={"trust": trust, "from": _iso(start), "to": _iso(end), "format": kind,
               "rows": len(chosen), "concern_ids": [c.id for c in chosen]},
        reason=f"{len(chosen)} concerns of {trust} exported, redacted, as {kind}",
    )  # fmt: skip
