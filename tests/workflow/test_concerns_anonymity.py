"""An anonymous staff concern keeps nothing that identifies its writer, in any table or in the
audit log, yet they can follow it and answer through their link (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from concern_helpers import on, raise_concern
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from caresignal.store import audit
from caresignal.store.tables import Base
from caresignal.workflow import concerns
from caresignal.workflow import concerns_handling as handling

NAME, EMAIL, PHONE = "Priya Whistleblower-Okafor", "priya.okafor@nhs.example", "07700 900461"
#: Where the person's own words are kept: they may contain anything, so only there may the
#: planted details appear.
WORDS = {("concerns", "text"), ("concern_events", "text")}


def _cells(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) of every table, as text."""
    found: list[tuple[str, str, str]] = []
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                found += [(table.name, column, str(value)) for column, value in row.items()]
    return found


def test_an_anonymous_concern_stores_nothing_identifying(people: sessionmaker[Session]) -> None:
    text = f"I am {NAME} ({EMAIL}, {PHONE}). Staffing on nights is unsafe."
    submitted = raise_concern(people, date(2026, 11, 2), text=text, anonymous=True)
    concerns.message_by_token(
        people, submitted.token, f"Call me on {PHONE} if you must.", clock=on(date(2026, 11, 3))
    )
    cells = _cells(people)
    assert ("concerns", "text", text) in cells  # the test looks where the words are
    for table, column, value in cells:
        if (table, column) in WORDS:
            continue
        for planted in (NAME, EMAIL, PHONE, "Priya", "okafor", "07700"):
            assert planted.lower() not in value.lower(), (table, column, value)
    assert not [c for c in cells if c[0] == "concern_contacts"]
    stamps = ("created_at", "updated_at", "at")
    times = [v for t, c, v in cells if c in stamps and t.startswith("concern")]
    assert times
    assert all(v.endswith("T00:00:00+00:00") for v in times)
    with people() as session:
        entries = audit.entries(session, entity="concern")
        assert [(e.actor, e.action) for e in entries] == [
            ("anonymous", "concern.submit"), ("anonymous", "concern.message"),
        ]  # fmt: skip
        assert all(e.at.hour == 0 and e.at.minute == 0 for e in entries)
        assert entries[0].after is not None
        assert entries[0].after["contact_given"] is False
        assert "text" not in entries[0].after
        assert audit.verify(session) is None
    # The trust still reads the words and answers; the writer follows it through the link.
    handling.acknowledge(people, submitted.concern.id, actor="analyst", clock=on(date(2026, 11, 3)))
    view = concerns.view_by_token(people, submitted.token).to_dict()
    assert view["state"] == "acknowledged"
    assert view["text"] == text


def test_a_named_concern_keeps_contact_details_only_in_their_own_table(
    people: sessionmaker[Session],
) -> None:
    raise_concern(people)
    cells = _cells(people)
    assert {c for t, c, v in cells if "sam@example.org" in v} == {"email"}
    with people() as session:
        entry = audit.entries(session, entity="concern")[0]
        assert entry.actor == "public"
        assert "sam@example.org" not in str(entry.to_dict())
