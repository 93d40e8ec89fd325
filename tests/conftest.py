"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.store import make_engine, session_factory, upgrade

# A freshly migrated database for each store and workflow test, on SQLite and on PostgreSQL.
# PostgreSQL runs when CARESIGNAL_TEST_DATABASE_URL names a server (.ci/run sets it): each test
# gets a database of its own, created from the server's postgres database and dropped afterwards.
POSTGRES_ENV = "CARESIGNAL_TEST_DATABASE_URL"
SKIP_POSTGRES = (
    "set CARESIGNAL_TEST_DATABASE_URL to a PostgreSQL URL to run the store tests against "
    "PostgreSQL too"
)
CLOCK = FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))


def _directory_state(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory`` with its bytes: what "changes nothing" is checked against."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def directory_state() -> Callable[[Path], dict[str, bytes]]:
    """A function giving every file of a directory and its bytes, to compare before and after."""
    return _directory_state


@pytest.fixture(scope="session")
def small_pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic ``small`` dataset (seed 1), imported once per session. Never written to:
    tests use :func:`small_copy`, which gives each module a copy of its own."""
    from datetime import UTC, datetime

    from caresignal.clock import FixedClock
    from caresignal.data.dataset import Dataset
    from caresignal.data.imports import import_synthetic
    from caresignal.monitor.catalogue import load_catalogue

    directory = tmp_path_factory.mktemp("small-pristine") / "data"
    import_synthetic(
        Dataset(directory),
        "small",
        1,
        clock=FixedClock(datetime(2026, 11, 23, tzinfo=UTC)),
        exposure_indicators=load_catalogue().exposure_indicators(),
    )
    return directory


@pytest.fixture(scope="session")
def small_copy(
    small_pristine: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], Path]:
    """A function returning a new copy of the ``small`` dataset, free to write to."""

    def copy() -> Path:
        target = tmp_path_factory.mktemp("small") / "data"
        shutil.copytree(small_pristine, target)
        return target

    return copy


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
