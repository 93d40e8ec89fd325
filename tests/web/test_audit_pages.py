"""The audit pages and their JSON twins: the chain verified when asked (and the first bad entry
once a row is edited behind caresignal's back), the trail of an entity as a readable diff, and
who may read which trail (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text
from web_helpers import CLOCK, Site, open_site
from web_more_helpers import post, read

from caresignal.store import audit
from caresignal.workflow import board


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The app on a store of its own (see :func:`web_helpers.open_site`)."""
    with open_site(database_url) as made:
        yield made


def test_the_chain_is_verified_when_asked_and_the_first_bad_entry_is_named(site: Site) -> None:
    with site.sessions() as session:
        count, last = audit.head(session)
    admin = site.signed_in("admin")
    assert admin.get("/api/v1/audit").json() == {
        "intact": True, "first_break": None, "entries": count, "last_hash": last,
        "verified_at": CLOCK.now().isoformat(),
    }  # fmt: skip
    page = read(admin, "/audit")
    assert f"The chain is intact. All {count} entries verified." in page.text
    assert last in page.text
    assert "2026-11-23 09:30:00 UTC" in page.text
    with site.sessions.begin() as session:  # behind caresignal's back
        session.execute(text("UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 3"))
    broken = admin.get("/api/v1/audit").json()
    assert (broken["intact"], broken["entries"], broken["last_hash"]) == (False, count, last)
    assert broken["first_break"] == {
        "seq": 3,
        "reason": "entry 3 has been edited: its content no longer matches its hash",
    }
    page = read(admin, "/audit")
    assert "The chain is broken at entry 3" in page.text
    assert "Entry 3 has been edited: its content no longer matches its hash." in page.text
    assert "The chain is intact" not in page.text


def test_only_the_auditing_roles_read_the_log(site: Site) -> None:
    lead = site.signed_in("lead")
    refused = lead.get("/api/v1/audit")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"].startswith("lead may not read the audit log")
    assert lead.get("/api/v1/audit/signal_episode/3").status_code == 403
    read(lead, "/audit", 403)
    inspector = site.signed_in("inspector")  # a regulator: the whole chain, its region's trails
    assert inspector.get("/api/v1/audit").json()["intact"] is True
    assert inspector.get("/api/v1/audit/signal_episode/3").status_code == 200
    assert inspector.get("/api/v1/audit/signal_episode/1").status_code == 404
    assert inspector.get("/api/v1/audit/user/lead").status_code == 404  # administrators only


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("admin", {"signal_episode/3", "user/lead", "board_meeting/1", "role_grant/1"}),
        ("analyst", {"signal_episode/3"}),
        ("outsider", {"signal_episode/1"}),  # the executive of RYY
    ],
)
def test_a_trail_the_roles_do_not_reach_is_not_found(
    site: Site, name: str, found: set[str]
) -> None:
    board.add_meeting(site.sessions, "RZZ", date(2026, 11, 5), "Board", actor="member",
                      clock=CLOCK)  # fmt: skip
    client = site.signed_in(name)
    asked = {
        "signal_episode/1", "signal_episode/3", "user/lead", "board_meeting/1",
        "organisation/RZZ01", "role_grant/1", "signal_episode/99", "nonsense/1",
    }  # fmt: skip
    for path in sorted(asked):
        response = client.get(f"/api/v1/audit/{path}")
        expected = 200 if path in found else 404
        assert response.status_code == expected, path
        if expected == 404:
            entity, entity_id = path.split("/")
            assert response.json()["error"]["message"] == (
                f"there is no audit trail for {entity.replace('_', ' ')} {entity_id}"
            )


def test_the_trail_says_who_when_what_and_why_with_the_fields_changed(site: Site) -> None:
    lead = site.signed_in("lead")
    body = {"state": "acknowledged", "reason": "seen on the ward round", "version": 1}
    moved = post(lead, "/api/v1/signals/3/moves", body)
    assert moved.status_code == 200
    analyst = site.signed_in("analyst")
    data = analyst.get("/api/v1/audit/signal_episode/3").json()
    assert (data["entity"], data["entity_id"], data["href"]) == (
        "signal_episode", "3", "/signals/3",
    )  # fmt: skip
    opened, acknowledged = data["entries"]
    assert set(opened) == {"seq", "at", "actor", "action", "reason", "hash", "changes"}
    assert (opened["actor"], opened["action"], opened["changes"][0]["before"]) == (
        "scan", "signal.open", None,
    )  # fmt: skip
    assert (acknowledged["actor"], acknowledged["action"], acknowledged["reason"]) == (
        "lead", "signal.acknowledge", "seen on the ward round",
    )  # fmt: skip
    assert acknowledged["at"] == CLOCK.now().isoformat()
    changed = {c["field"]: (c["before"], c["after"]) for c in acknowledged["changes"]}
    assert changed["state"] == ("open", "acknowledged")
    assert changed["version"] == (1, 2)
    assert "unit" not in changed  # only what changed
    page = read(analyst, "/audit/signal_episode/3")
    assert "Audit trail of signal episode 3" in page.text
    assert "lead, 2026-11-23 09:30:00 UTC. Why: seen on the ward round" in page.text
    table = page.table(f"What entry {acknowledged['seq']} changed")
    assert table.headers == ["Field", "Before", "After"]
    assert ["state", "open", "acknowledged"] in table.rows
    assert "/signals/3" in page.links
