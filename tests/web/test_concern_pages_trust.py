"""The trust's concern pages and their JSON twins: the list overdue first with each clock in
working days, one concern with the moves its state allows made through the forms, another
trust's concern not found; a staff concern raised anonymously keeps nothing identifying; and
hostile words shown escaped on every page that shows them (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

import polars as pl
import pytest
from sqlalchemy import select
from web_helpers import CLOCK, Site, open_site
from web_more_helpers import Page, post, read, submit

from caresignal.clock import FixedClock
from caresignal.domain.concerns import ConcernChannel
from caresignal.store import audit
from caresignal.store.tables import Base
from caresignal.workflow import concerns

HOSTILE = (
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE concerns; --",
    "\u202eevil\u202c \u200bzero\u200bwidth ما حدث 😡👶🏽",
)


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with open_site(database_url) as made:
        yield made


def _raise(site: Site, organisation: str, text: str, day: date = date(2026, 11, 16)) -> int:
    clock = FixedClock(datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
    made = concerns.submit(site.sessions, organisation, ConcernChannel.ONLINE, text, clock=clock)
    return made.concern.id


def test_the_list_shows_overdue_first_with_clocks_in_working_days(site: Site) -> None:
    late = _raise(site, "RZZ01-MAT", "Late one.", date(2026, 11, 16))  # due Thu 19 Nov
    fresh = _raise(site, "RZZ01", "Fresh one.", date(2026, 11, 23))  # due Thu 26 Nov
    _raise(site, "RYY01-MAT", "Another trust's.", date(2026, 11, 10))
    analyst = site.signed_in("analyst")
    table = read(analyst, "/concerns").table("Concerns your roles reach")
    assert table.headers == ["Concern", "Where", "How it came", "Received", "State",
                             "What is owed next"]  # fmt: skip
    assert [row[0] for row in table.rows] == ["CON-2026-000001", "CON-2026-000002"]
    assert table.rows[0][5] == (
        "Overdue acknowledgement overdue by 2 working days (due 2026-11-19)"
    )
    assert table.rows[1][5] == "acknowledgement due in 3 working days (2026-11-26)"
    data = analyst.get("/api/v1/concerns").json()
    assert [c["id"] for c in data["concerns"]] == [late, fresh]
    assert data["concerns"][0]["clock"] == {
        "owed": "acknowledgement", "due": "2026-11-19", "working_days": -2, "overdue": True,
        "sentence": "acknowledgement overdue by 2 working days (due 2026-11-19)",
    }  # fmt: skip
    assert "text" not in data["concerns"][0]
    assert analyst.get("/api/v1/concerns?status=received").json()["concerns"]
    assert analyst.get("/api/v1/concerns?status=closed").json()["concerns"] == []
    assert analyst.get("/api/v1/concerns?status=lost").status_code == 400
    assert site.signed_in("member").get("/api/v1/concerns").json()["concerns"] == []
    assert "/concerns" in read(analyst, "/inbox").links


def test_a_concern_is_handled_through_its_forms_to_the_end(site: Site) -> None:
    number = _raise(site, "RZZ01-MAT", "Nobody came when the alarm rang.")
    lead = site.signed_in("lead")
    page = read(lead, f"/concerns/{number}")
    assert "Nobody came when the alarm rang." in page.text
    assert page.actions() == {f"/concerns/{number}/acknowledge", f"/concerns/{number}/replies"}
    version = page.form(f"/concerns/{number}/acknowledge").fields["version"]
    steps = [
        ("acknowledge", {"version": version, "text": "Thank you for telling us."}),
        ("triage", {"category": "listening", "severity": "high", "duty_of_candour": "yes",
                    "episode_ids": "2, 3", "organisation": ""}),
        ("response-date", {"due": "2027-01-29"}),
        ("replies", {"text": "We are late; here is why.", "explanation": "yes"}),
    ]  # fmt: skip
    for move, fields in steps:
        response = submit(lead, f"/concerns/{number}/{move}", fields)
        assert response.status_code == 303, (move, response.text)
    page = read(lead, f"/concerns/{number}")
    assert "relationships: listening, high severity; duty of candour applies" in page.text
    assert f"/concerns/{number}/respond" in page.actions()
    detail = lead.get(f"/api/v1/concerns/{number}").json()
    assert detail["response_due"] == "2027-01-29"
    assert detail["response_agreed"] is True
    assert detail["episode_ids"] == [2, 3]
    assert detail["explained_on"] == "2026-11-23"
    assert detail["may"]["respond"] is True
    assert [e["kind"] for e in detail["events"]] == ["reply", "explanation"]
    done = post(lead, f"/api/v1/concerns/{number}/respond", {"text": "Our full answer."})
    assert done.status_code == 200
    assert done.json()["state"] == "responded"
    closed = submit(lead, f"/concerns/{number}/close", {"reason": "No answer for 2 months."})
    assert closed.status_code == 303
    assert "Concern CON-2026-000001 is closed." in read(lead, f"/concerns/{number}").text


def test_refusals_come_in_the_one_error_shape(site: Site) -> None:
    number = _raise(site, "RZZ01-MAT", "Words.")
    analyst = site.signed_in("analyst")
    early = post(analyst, f"/api/v1/concerns/{number}/respond", {"text": "Too soon."})
    assert early.status_code == 400
    assert set(early.json()["error"]) == {"status", "title", "message", "hint"}
    assert "cannot take a final response" in early.json()["error"]["message"]
    bad = submit(analyst, f"/concerns/{number}/triage", {"category": "safety",
                 "severity": "high", "duty_of_candour": "maybe"})  # fmt: skip
    assert bad.status_code == 400


def test_another_trusts_concern_and_a_role_without_concern_access_get_not_found(
    site: Site,
) -> None:
    other = _raise(site, "RYY01-MAT", "Another trust's words.")
    own = _raise(site, "RZZ01-MAT", "Our own words.")
    for name, number in (("analyst", other), ("member", own), ("inspector", own)):
        client = site.signed_in(name)
        for path in (f"/concerns/{number}", f"/api/v1/concerns/{number}"):
            response = client.get(path)
            assert response.status_code == 404, (name, path)
            assert "words" not in response.text
        reply = post(client, f"/api/v1/concerns/{number}/replies", {"text": "hello"})
        assert reply.status_code == 404
    assert site.signed_in("outsider").get(f"/api/v1/concerns/{other}").status_code == 200
    assert site.client().get("/api/v1/concerns/1").status_code == 401


def test_a_staff_concern_raised_anonymously_keeps_nothing_identifying(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = site.client()
    text = "Nights on the unit are unsafe. I am Priya Okafor, 07700 900461."
    fields = {
        "organisation": "RZZ01-MAT", "text": text, "anonymous": "yes", "happened_on": "",
        "contact_by": "link", "name": "", "email": "", "phone": "", "website": "",
    }  # fmt: skip
    refused = submit(client, "/concerns/speak-up", {**fields, "email": "p@nhs.example"})
    assert refused.status_code == 400
    assert "an anonymous concern keeps no contact details" in Page(refused.text).text.lower()
    response = submit(client, "/concerns/speak-up", fields)
    assert response.status_code == 303
    assert response.headers["location"] == "/concerns/submitted"
    shown = read(client, "/concerns/submitted")
    assert "If you stayed anonymous, we kept no name and no contact details." in shown.text
    link = next(h for h in shown.links if h.startswith("/concerns/follow/"))
    assert read(client, link).text.count(text) == 1
    address = "testclient"  # the address the test client's requests come from
    with site.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    assert address not in str(value), (table.name, column)
                    if table.name.startswith("concern") and column in {"at", "created_at"}:
                        assert str(value).endswith(("00:00:00", "00:00:00+00:00")), value
        entries = audit.entries(session, entity="concern")
    assert [(e.actor, e.action) for e in entries] == [("anonymous", "concern.submit")]
    detail = site.signed_in("analyst").get("/api/v1/concerns/1").json()
    assert detail["anonymous"] is True
    assert detail["contact"] is None
    assert detail["channel"] == "staff"
    assert not [r for r in caplog.records if address in r.getMessage()
                and not r.name.startswith(("httpx", "httpcore"))]  # fmt: skip


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_words_are_shown_escaped_on_every_page(site: Site, hostile: str) -> None:
    client = site.client()
    made = post(client, "/api/v1/concerns", {"organisation": "RZZ01-MAT", "text": hostile})
    assert made.status_code == 201
    token = made.json()["token"]
    assert post(client, f"/api/v1/concerns/follow/{token}/messages", {"text": hostile}).is_success
    analyst = site.signed_in("analyst")
    assert post(analyst, "/api/v1/concerns/1/replies", {"text": hostile}).is_success
    for reader, path in ((client, f"/concerns/follow/{token}"), (analyst, "/concerns/1")):
        response = reader.get(path)
        page = read(reader, path)
        assert page.text.count(" ".join(hostile.split())) == 3, path
        assert "<script>alert" not in response.text
        assert "<img src=x" not in response.text
    assert analyst.get("/api/v1/concerns/1").json()["text"] == hostile
    assert client.get(f"/api/v1/concerns/follow/{token}").json()["text"] == hostile


def test_a_long_text_is_kept_whole_and_a_longer_one_refused(site: Site) -> None:
    client = site.client()
    longest = ("Ward 7 ✓ " * 1250)[:10_000]
    made = post(client, "/api/v1/concerns", {"organisation": "RZZ01", "text": longest})
    assert made.status_code == 201
    mine = client.get(f"/api/v1/concerns/follow/{made.json()['token']}").json()
    assert mine["text"] == longest.strip()
    page = read(site.signed_in("analyst"), "/concerns/1")
    assert longest.strip().split()[-1] in page.text
    refused = post(client, "/api/v1/concerns", {"organisation": "RZZ01", "text": "x" * 50_000})
    assert refused.status_code == 422
    assert CLOCK.today() == date(2026, 11, 23)


def test_triage_offers_the_theme_suggested_from_the_words_and_keeps_a_correction(
    site: Site,
) -> None:
    words = "I told the nurses three times my son was getting worse and nobody listened to me."
    number = _raise(site, "RZZ01-MAT", words)
    lead = site.signed_in("lead")
    suggested = lead.get(f"/api/v1/concerns/{number}").json()["suggested_themes"]
    assert suggested[0] == {
        "domain": "relationships", "category": "listening",
        "confidence": suggested[0]["confidence"],
    }  # fmt: skip
    assert 0 < suggested[0]["confidence"] <= 1
    acknowledged = post(lead, f"/api/v1/concerns/{number}/acknowledge", {"text": "Thank you."})
    assert acknowledged.status_code == 200
    page = lead.get(f"/concerns/{number}").text
    assert 'aria-describedby="triage-category-hint"' in page
    assert '<option value="listening" selected>' in page  # the suggestion, to confirm
    coding = {"category": "communication", "severity": "medium", "duty_of_candour": False}
    coded = post(lead, f"/api/v1/concerns/{number}/triage", coding)
    assert coded.status_code == 200, coded.text
    with site.sessions() as session:
        entries = audit.entries(session, entity="concern")
    entry = [e for e in entries if e.action == "concern.triage"]
    after = entry[-1].after or {}
    assert (after["hcat_category"], after["suggested_category"], after["corrected"]) == (
        "communication", "listening", True,
    )  # fmt: skip
    assert "text" not in after  # never the words


def test_the_trust_downloads_its_concerns_redacted_and_each_download_is_audited(
    site: Site,
) -> None:
    words = "Dr Okafor told my son Tyrone to ring 07700 900123 or tyrone@example.org."
    _raise(site, "RZZ01-MAT", words)
    _raise(site, "RYY01-MAT", "Another trust's concern.")
    analyst = site.signed_in("analyst")
    page = read(analyst, "/concerns")
    assert "/concerns.csv" in page.actions()
    assert analyst.get("/api/v1/concerns").json()["exports"] == [
        {"trust": "RZZ", "name": "Org RZZ", "csv": "/concerns.csv?trust=RZZ",
         "xlsx": "/concerns.xlsx?trust=RZZ"},
    ]  # fmt: skip
    csv = analyst.get("/concerns.csv?trust=RZZ&from=&to=")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == (
        'attachment; filename="caresignal-concerns-RZZ-start-to-now.csv"'
    )
    frame = pl.read_csv(io.BytesIO(csv.content))
    assert frame["Reference"].to_list() == ["CON-2026-000001"]
    assert (
        frame["Concern (redacted)"][0] == "Dr [name] told my son [name] to ring [phone] or [email]."
    )
    excel = analyst.get("/api/v1/concerns.xlsx?trust=RZZ&from=2026-11-01&to=2026-11-30")
    assert excel.status_code == 200
    sheet = pl.read_excel(io.BytesIO(excel.content), sheet_name="Concerns")
    assert sheet["Reference"].to_list() == ["CON-2026-000001"]
    assert analyst.get("/api/v1/concerns.csv?trust=RZZ&from=soon").status_code == 400
    with site.sessions() as session:
        exports = audit.entries(session, entity="concern_export")
    assert [(e.actor, e.after["format"] if e.after else None) for e in exports] == [
        ("analyst", "csv"), ("analyst", "xlsx"),
    ]  # fmt: skip
    # Without concern access in the trust: not found, and nothing is recorded.
    for name, trust in (("member", "RZZ"), ("inspector", "RZZ"), ("analyst", "RYY")):
        client = site.signed_in(name)
        assert client.get(f"/api/v1/concerns.csv?trust={trust}").status_code == 404
        assert client.get(f"/concerns.xlsx?trust={trust}").status_code == 404
    with site.sessions() as session:
        assert len(audit.entries(session, entity="concern_export")) == 2


def test_a_concern_links_to_its_audit_trail_for_concern_access_only(site: Site) -> None:
    concern = _raise(site, "RZZ01-MAT", "My name is Sam and nobody came.")
    lead = site.signed_in("lead")
    assert f"/audit/concern/{concern}" in read(lead, f"/concerns/{concern}").links
    post(lead, f"/api/v1/concerns/{concern}/acknowledge", {})
    trail = lead.get(f"/api/v1/audit/concern/{concern}").json()
    assert [e["action"] for e in trail["entries"]] == ["concern.submit", "concern.acknowledge"]
    assert trail["href"] == f"/concerns/{concern}"
    assert "Sam" not in str(trail)
    page = read(lead, f"/audit/concern/{concern}")
    assert "concern.acknowledge" in page.text
    for name in ("member", "inspector", "outsider"):
        assert site.signed_in(name).get(f"/audit/concern/{concern}").status_code == 404
    assert lead.get("/api/v1/audit/concern/999").status_code == 404
    assert lead.get("/api/v1/audit/concern/x").status_code == 404
