"""The concerns tables come and go only by migration 0005, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from caresignal.store.migrate import HEAD, current_revision, downgrade, upgrade

CONCERN_TABLES = {"concerns", "concern_contacts", "concern_events"}


def test_0005_adds_the_concern_tables_and_downgrades_to_0004(engine: Engine) -> None:
    assert current_revision(engine) == HEAD
    assert set(inspect(engine).get_table_names()) >= CONCERN_TABLES
    columns = {column["name"] for column in inspect(engine).get_columns("concerns")}
    assert "token_hash" in columns
    assert "token" not in columns
    downgrade(engine, "0004")
    tables = set(inspect(engine).get_table_names())
    assert not CONCERN_TABLES & tables
    assert {"actions", "users"} <= tables
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= CONCERN_TABLES
