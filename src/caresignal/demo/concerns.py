"""The demo's concerns in the store: the synthetic dataset's concerns about one trust over the
last months before the demo's day, loaded as a trust moving from another system would load them
(``caresignal import concerns``, docs/concerns.md), then the escalation clock run, so that the
concerns nobody answered have climbed the ladder as they would have.

Only one trust's concerns are loaded (the one whose board saw the most problems, whose people
``make run`` prints): the demo shows how concerns are handled, not a national complaints system.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.store import repo
from caresignal.workflow.concerns_import import COLUMNS, import_concerns
from caresignal.workflow.escalation import escalate

__all__ = ["MONTHS", "load_concerns"]

#: How far back the demo's concerns go.
MONTHS = 6


def load_concerns(
    sessions: sessionmaker[Session], dataset: Dataset, trust: str, as_of: date, *, actor: str
) -> int:
    """Load ``trust``'s concerns of the :data:`MONTHS` months up to ``as_of`` (answers given
    after ``as_of`` not yet given), as ``actor``; then run the escalation clock as of ``as_of``.
    Loading again changes nothing. The number of concerns added."""
    with sessions() as session:
        units = repo.organisation_and_below(session, trust)
    if not dataset.history("concerns"):
        return 0
    since = as_of - timedelta(days=round(MONTHS * 30.44))
    frame = (
        dataset.table("concerns")
        .filter(
            pl.col("unit_code").is_in(units),
            pl.col("received_date").is_between(since, as_of),
        )
        .with_columns(
            [
                pl.when(pl.col(name) <= as_of).then(pl.col(name)).alias(name)
                for name in ("acknowledged_date", "answered_date")
            ]
        )
        .select(COLUMNS)
        .sort("received_date", "record_id")
        .collect()
    )
    if frame.height == 0:
        return 0
    clock = FixedClock(datetime.combine(as_of, time(12), tzinfo=UTC))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"concerns-{trust}.csv"
        frame.write_csv(path)
        added = import_concerns(sessions, path, actor=actor, clock=clock)
    escalate(sessions, as_of, actor="caresignal", clock=clock)
    return len(added.added)
