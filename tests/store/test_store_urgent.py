"""Martha's Rule calls come and go only by migration 0006, on SQLite and PostgreSQL: the table of
calls and the outbox's channel, whose old messages are e-mail."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from caresignal.store.migrate import HEAD, current_revision, downgrade, upgrade


def test_0006_adds_the_calls_and_the_channel_and_downgrades_to_0005(engine: Engine) -> None:
    assert current_revision(engine) == HEAD
    assert "urgent_reviews" in inspect(engine).get_table_names()
    channel = {c["name"]: c for c in inspect(engine).get_columns("notifications")}["channel"]
    assert channel["nullable"] is False
    downgrade(engine, "0005")
    assert "urgent_reviews" not in inspect(engine).get_table_names()
    columns = {c["name"] for c in inspect(engine).get_columns("notifications")}
    assert "channel" not in columns
    assert {"concerns", "notifications"} <= set(inspect(engine).get_table_names())
    upgrade(engine)
    assert current_revision(engine) == HEAD
    assert "urgent_reviews" in inspect(engine).get_table_names()
