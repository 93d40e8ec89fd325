"""The schema is built by the migrations only, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from caresignal.settings import Settings
from caresignal.store import database_url, make_engine
from caresignal.store.migrate import HEAD, current_revision, downgrade, upgrade
from caresignal.store.tables import Base

TABLES = {
    "notifications",
    "recommendations",
    "actions",
    "board_meetings",
    "board_items",
    "organisations",
    "users",
    "role_grants",
    "audit_entries",
    "signal_episodes",
    "signal_findings",
    "signal_events",
}


def test_migrations_build_the_schema_the_models_describe(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert current_revision(engine) == HEAD
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_downgrade_and_upgrade_round_trip(engine: Engine) -> None:
    downgrade(engine, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)  # a second run finds nothing to do
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_downgrade_to_0001_drops_only_the_episode_tables(engine: Engine) -> None:
    downgrade(engine, "0001")
    assert set(inspect(engine).get_table_names()) & TABLES == {
        "organisations",
        "users",
        "role_grants",
        "audit_entries",
    }
    upgrade(engine)
    assert current_revision(engine) == HEAD


def test_downgrade_to_0002_keeps_the_episodes(engine: Engine) -> None:
    downgrade(engine, "0002")
    tables = set(inspect(engine).get_table_names())
    assert {"signal_episodes", "signal_findings", "signal_events"} <= tables
    assert not {"notifications", "recommendations", "actions", "board_meetings"} & tables
    columns = {column["name"] for column in inspect(engine).get_columns("signal_episodes")}
    assert not {"rung", "escalated_on"} & columns
    upgrade(engine)
    assert current_revision(engine) == HEAD


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    url = database_url(Settings(data_dir=tmp_path / "data"))
    assert url.endswith("/data/caresignal.db")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_database_url_setting_wins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql://cs@db/caresignal")
    assert database_url(settings) == "postgresql://cs@db/caresignal"
    assert make_engine(database_url(settings)).dialect.driver == "psycopg"
