"""A freshly migrated database for each test, on SQLite and on PostgreSQL.

PostgreSQL runs when ``CARESIGNAL_TEST_DATABASE_URL`` names a server (``.ci/run`` sets it): each
test gets a database of its own, created from the server's ``postgres`` database and dropped
afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.store import make_engine, session_factory, upgrade

POSTGRES_ENV = "CARESIGNAL_TEST_DATABASE_URL"
SKIP_POSTGRES = (
    "set CARESIGNAL_TEST_DATABASE_URL to a PostgreSQL URL to run the store tests against "
    "PostgreSQL too"
)
CLOCK = FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of this test's own (not yet migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'caresignal.db').as_posix()}"
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(SKIP_POSTGRES)
    name = f"caresignal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(server).set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database built by running the migrations."""
    built = make_engine(database_url)
    upgrade(built)
    yield built
    built.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated database."""
    return session_factory(engine)


@pytest.fixture
def clock() -> FixedClock:
    """The clock every audit entry in these tests is dated by."""
    return CLOCK
