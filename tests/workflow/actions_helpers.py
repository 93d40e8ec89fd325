"""Recommendations and actions for the tests, in the store of the ``people`` fixture (imported by
name: pytest puts this directory on the path)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.domain.actions import Action, Recommendation, RecommendationSource
from caresignal.store.service import add_user, grant_role
from caresignal.store.tables import Base
from caresignal.workflow import actions

#: The day the recommendations of these tests were received, and the actions' due date.
RECEIVED, DUE = date(2026, 9, 1), date(2026, 11, 1)


def add_person(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    name: str,
    role: Role | None = None,
    scope: str = "RZZ",
) -> None:
    """A user called ``name``, holding ``role`` in ``scope`` if one is given."""
    add_user(sessions, name, f"{name}@nhs.net", actor="admin", clock=clock, reason="test")
    if role is not None:
        grant_role(sessions, name, role, scope, actor="admin", clock=clock, reason="test")


def recommend(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    reference: str = "CQC-2026-014",
    organisation: str = "RZZ01",
    episode_id: int | None = None,
) -> Recommendation:
    """An inspection's recommendation to ``organisation``, added by the analyst."""
    return actions.add_recommendation(
        sessions,
        organisation,
        reference,
        RecommendationSource.INSPECTION,
        "Screen every child with a sepsis trigger within an hour",
        received_on=RECEIVED,
        detail="Found at the inspection of the children's ward.",
        episode_id=episode_id,
        actor="analyst",
        clock=clock,
    )


def plan(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    recommendation: Recommendation,
    title: str = "Audit sepsis screening monthly",
    owner: str = "lead",
    due_on: date = DUE,
) -> Action:
    """An action of ``recommendation``, added by the analyst."""
    return actions.add_action(
        sessions, recommendation.id, title, owner, due_on, actor="analyst", clock=clock
    )


def dump(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: what "changes nothing" is checked
    against (the audit log included)."""
    with sessions() as session:
        found: dict[str, list[tuple[Any, ...]]] = {}
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            found[table.name] = [
                tuple(row) for row in session.execute(select(table).order_by(*order))
            ]
        found["alembic_version"] = list(
            session.execute(text("SELECT version_num FROM alembic_version")).tuples()
        )
        assert set(found) >= set(inspect(session.connection()).get_table_names())
        return found
