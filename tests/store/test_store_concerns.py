"""The concerns tables come and go only by migration 0005, and their linked incidents by 0007, on
SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from caresignal.store.concerns import find_concern
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


def test_0007_adds_the_linked_incidents_empty_for_concerns_already_stored(engine: Engine) -> None:
    columns = {c["name"]: c for c in inspect(engine).get_columns("concerns")}
    assert columns["incident_references"]["nullable"] is False
    downgrade(engine, "0006")
    assert "incident_references" not in {c["name"] for c in inspect(engine).get_columns("concerns")}
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO organisations (code, name, level) VALUES ('RZZ', 'Org RZZ', 'trust')")
        )
        connection.execute(text(OLD_CONCERN), {"yes": True, "no": False})
    upgrade(engine)
    assert current_revision(engine) == HEAD
    with Session(engine) as session:
        found = find_concern(session, 1)
    assert found is not None
    assert (found.reference, found.episode_ids, found.incident_references) == (
        "CON-2026-000001", (3,), (),
    )  # fmt: skip


#: A concern stored before migration 0007, with every column that may not be empty.
OLD_CONCERN = """
INSERT INTO concerns (id, reference, token_hash, organisation_code, channel, text, relationship,
    contact_by, anonymous, state, received_on, acknowledge_by, response_agreed, explanation_due,
    ombudsman_offered, episode_ids, rung, version, created_at, updated_at)
VALUES (1, 'CON-2026-000001', 'hash', 'RZZ', 'online', 'words', 'parent', 'link', :no,
    'received', '2026-11-02', '2026-11-05', :no, '2027-05-02', :no, '[3]', 0, 1,
    '2026-11-02T10:00:00+00:00', '2026-11-02T10:00:00+00:00')
"""
