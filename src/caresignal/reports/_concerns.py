"""The board pack's page on concerns from patients, families and staff: how many arrived in the
month, by channel and by HCAT theme, how many of them are linked to a patient-safety incident,
and how the trust's concerns stood at the end of the day (open, overdue, escalated to the
board), as their last audit entries left them.

Never a person's words, name or contact: the words are read only to suggest a theme where nobody
recorded one (:func:`caresignal.text.themes.classify`), and only counts leave this module
(docs/board-pack.md, docs/concerns.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from caresignal.domain.concerns import ConcernState
from caresignal.reports._history import last_states
from caresignal.store import concerns as concern_repo
from caresignal.text.themes import classify

__all__ = ["ConcernsSection", "ThemeCount", "concerns_section"]

#: States in which a concern still waits for the trust.
_OPEN = frozenset(state.value for state in ConcernState if state is not ConcernState.CLOSED)


@dataclass(frozen=True, slots=True)
class ThemeCount:
    """Concerns of one HCAT category received in the month; ``suggested`` of them themed from
    their words by the classifier, the rest as a person recorded."""

    domain: str
    category: str
    count: int
    suggested: int

    @property
    def words(self) -> str:
        """The category in words, e.g. "institutional processes"."""
        return self.category.replace("_", " ")


@dataclass(frozen=True, slots=True)
class ConcernsSection:
    """The month's concerns and how the trust's concerns stood at the end of the day;
    ``linked_to_incident``: how many of the month's concerns are linked to at least one
    patient-safety incident (as they are now)."""

    received: int
    by_channel: tuple[tuple[str, int], ...]
    themes: tuple[ThemeCount, ...]
    unthemed: int
    open: int
    overdue: int
    escalated: int
    to_the_board: int
    linked_to_incident: int = 0


def concerns_section(
    session: Session, units: Collection[str], month: date, day: date, executive: int
) -> ConcernsSection:
    """The concerns of ``units`` received from ``month`` (its first day) to ``day``, and the
    standing at the end of ``day`` of every concern received by then; ``executive`` is the rung
    of the executive safety champion (from there up, a concern goes to the board)."""
    every = [c for c in concern_repo.concerns(session, organisations=units) if c.received_on <= day]
    received = [c for c in every if c.received_on >= month]
    themes, unthemed = _themes([c.text for c in received], [c.hcat_category for c in received])
    states = last_states(session, "concern", day, key="rung")
    still_open = [
        state
        for state in (states.get(str(c.id)) for c in every)
        if state is not None and state["state"] in _OPEN
    ]
    overdue = [
        s for s in still_open if s.get("deadline") and date.fromisoformat(s["deadline"]) < day
    ]
    return ConcernsSection(
        received=len(received),
        by_channel=tuple(sorted(Counter(c.channel.value for c in received).items())),
        themes=themes,
        unthemed=unthemed,
        open=len(still_open),
        overdue=len(overdue),
        escalated=sum(int(s["rung"]) > 0 for s in still_open),
        to_the_board=sum(int(s["rung"]) >= executive for s in still_open),
        linked_to_incident=sum(bool(c.incident_references) for c in received),
    )


def _themes(texts: list[str], recorded: list[str | None]) -> tuple[tuple[ThemeCount, ...], int]:
    """The count of each theme, most first, and how many texts no theme was found for."""
    if not texts:
        return (), 0
    frame = classify(texts, recorded=recorded).frame
    unthemed = int(frame.get_column("category").null_count())
    rows = frame.drop_nulls("category").select("domain", "category", "source").rows()
    found = Counter((domain, category) for domain, category, _ in rows)
    suggested = Counter((d, c) for d, c, source in rows if source == "suggested")
    lines = [ThemeCount(d, c, n, suggested[(d, c)]) for (d, c), n in found.items()]
    return tuple(sorted(lines, key=lambda line: (-line.count, line.category))), unthemed
