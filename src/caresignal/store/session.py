"""Engines, sessions and the one way a use case opens a transaction.

SQLite (the default: ``caresignal.db`` in the data directory) runs in WAL mode with foreign keys
on, and every write transaction begins with ``BEGIN IMMEDIATE``: it takes the write lock at once,
so writers queue instead of failing half-way, and audit appends are serialised. A session that
only reads begins a deferred transaction: in WAL mode it reads a snapshot and neither waits for a
writer nor holds one up, so many pages can be read at once. PostgreSQL is used
through psycopg 3 when the URL says so; there every write transaction begins by taking a
transaction-scoped advisory lock, to the same effect (:func:`transaction`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from caresignal.errors import CaresignalError
from caresignal.settings import Settings

__all__ = ["DATABASE_FILE", "database_url", "make_engine", "session_factory", "transaction"]

#: The SQLite file in the data directory, used unless ``CARESIGNAL_DATABASE_URL`` says otherwise.
DATABASE_FILE = "caresignal.db"

#: Seconds a SQLite writer waits for another writer's transaction before giving up.
SQLITE_WAIT = 30.0

#: Connections each engine keeps open, and how many more it may open when they are all in use:
#: together the 40 threads on which the web server (Starlette, through anyio) runs requests, so
#: that a request never waits for a connection that another thread holds. A SQLite connection
#: costs little to keep, so all 40 are kept (one opened and closed for each request when many
#: requests come at once cost a tenth of the request); a PostgreSQL server allows about a
#: hundred connections in all, so 20 are kept for each process.
POOL_SIZE = 20
POOL_OVERFLOW = 20
SQLITE_POOL_SIZE = 40


def database_url(settings: Settings) -> str:
    """The store's URL: ``settings.database_url``, else the SQLite file in the data directory."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{(settings.data_dir / DATABASE_FILE).as_posix()}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite (WAL, foreign keys, ``BEGIN IMMEDIATE``) or PostgreSQL.

    ``postgresql://`` URLs are given the psycopg 3 driver. Any other kind of database is refused
    with :class:`~caresignal.errors.CaresignalError`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            parsed.set(drivername="postgresql+psycopg"),
            pool_pre_ping=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
    if parsed.get_backend_name() != "sqlite" or parsed.drivername != "sqlite":
        raise CaresignalError(
            f"caresignal cannot store its data in {parsed.drivername!r} databases",
            hint="use a sqlite:///path or postgresql://user@host/name URL",
        )
    pool: dict[str, Any] = {}  # an in-memory database keeps SQLAlchemy's single connection
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 10}
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_WAIT}, **pool)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Leave transactions to SQLAlchemy's "begin" event rather than the sqlite3 module's own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


#: Execution options: set on the sessions' connections (:func:`session_factory`), which read, and
#: on a write transaction's (:func:`transaction`).
_READ = "caresignal_read"
_WRITE = "caresignal_write"


def _sqlite_begin(connection: Any) -> None:
    options = connection.get_execution_options()
    if options.get(_READ) and not options.get(_WRITE):
        connection.exec_driver_sql("BEGIN")  # deferred: a reader never takes the write lock
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after their transaction commits.

    Their transactions read without taking SQLite's write lock; :func:`transaction` takes it.
    """
    return sessionmaker(engine.execution_options(**{_READ: True}), expire_on_commit=False)


#: The key of PostgreSQL's advisory lock that every write transaction takes ("cs-audit").
WRITE_LOCK_KEY = 0x63732D6175646974


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back (entirely) if it
    raises; read with a plain ``sessions()`` instead.

    Write transactions run one at a time, on both databases: SQLite's ``BEGIN IMMEDIATE`` takes
    the write lock at once, and on PostgreSQL the transaction first takes an advisory lock held
    until it ends. Taking it first, before any row, means two use cases can never wait for each
    other in a circle (a deadlock), and audit appends stay in one line.

    Only use cases (:mod:`caresignal.store.service`) open transactions; repositories and the
    audit log work inside the session they are given and never commit.
    """
    with sessions() as session, session.begin():
        session.connection(execution_options={_WRITE: True})  # SQLite: BEGIN IMMEDIATE, now
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        yield session
