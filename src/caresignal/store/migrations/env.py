"""Alembic's environment: runs the migrations on the engine :mod:`caresignal.store.migrate`
passes in (there is no alembic.ini; the URL comes from caresignal's settings)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from caresignal.store.tables import Base

engine = context.config.attributes["engine"]
assert isinstance(engine, Engine), "run the migrations through caresignal.store.migrate"

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
