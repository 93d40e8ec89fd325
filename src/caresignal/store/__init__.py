"""caresignal's store: organisations, users, roles and the tamper-evident audit log.

A SQLite file in the data directory by default, PostgreSQL when ``CARESIGNAL_DATABASE_URL`` says
so (docs/store.md). The schema changes only by the Alembic migrations in ``migrations/``
(:mod:`caresignal.store.migrate`); rows become frozen domain objects in :mod:`.repo`, which never
commits; the use cases in :mod:`.service` each own one transaction and write their change and its
audit entry (:mod:`.audit`) in it.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from caresignal.store.migrate import upgrade
from caresignal.store.session import database_url, make_engine, session_factory, transaction

__all__ = ["database_url", "make_engine", "open_store", "session_factory", "transaction", "upgrade"]


def open_store(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """An engine for ``url`` with its schema migrated to the newest version, and its sessions."""
    engine = make_engine(url)
    upgrade(engine)
    return engine, session_factory(engine)
