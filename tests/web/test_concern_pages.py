"""Raising and following a concern with no sign-in, and their JSON twins: the form and its
choices, the reference and the private link shown once the concern is stored, the person's own
view, adding information, answering the final response (with the Ombudsman route), the honeypot,
the limit per connection, CSRF, a refresh of the page shown after sending that sends nothing
again and shows the link once, and the private token kept out of the logs (SQLite and
PostgreSQL)."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_helpers import CLOCK, Site, csrf_of, open_site
from web_more_helpers import Page, post, read, submit

from caresignal.clock import FixedClock
from caresignal.store import audit
from caresignal.store.tables import Base
from caresignal.web.app import SESSION_COOKIE
from caresignal.web.routes.concerns_public import SUBMITTED, SubmissionLimiter
from caresignal.workflow import concerns
from caresignal.workflow import concerns_handling as handling

WORDS = "Nobody came when the alarm on my son's monitor kept going off."
FIELDS = {
    "organisation": "RZZ01-MAT", "text": WORDS, "happened_on": "2026-11-20",
    "relationship": "parent", "contact_by": "email", "name": "Sam Parent",
    "email": "sam@example.org", "phone": "", "address": "", "website": "",
}  # fmt: skip


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with open_site(database_url) as made:
        yield made


def _count(site: Site, table: str) -> int:
    with site.sessions() as session:
        found = session.scalar(select(func.count()).select_from(Base.metadata.tables[table]))
    return int(found or 0)


def _raised(client: TestClient, fields: dict[str, str] = FIELDS) -> tuple[Page, str]:
    """Raise a concern through the form as a browser does (the answer sends it on to the page
    of the concern sent): that page, and the private token in its link."""
    response = submit(client, "/concerns", fields)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/concerns/submitted"
    page = read(client, "/concerns/submitted")
    link = next(href for href in page.links if href.startswith("/concerns/follow/"))
    return page, link.removeprefix("/concerns/follow/")


def test_the_form_offers_every_place_by_trust_with_labels_and_no_sign_in(site: Site) -> None:
    client = site.client()
    page = read(client, "/concerns/new")
    assert "We will reply within 3 working days" in page.text
    assert set(page.form("/concerns").fields) >= set(FIELDS) | {"csrf_token"}
    assert page.labels["website"] == "Leave this empty"
    html = client.get("/concerns/new").text
    assert '<optgroup label="Org RYY">' in html
    assert '<optgroup label="Org RZZ">' in html
    assert '<option value="RZZ01-MAT">Org RZZ01: Org RZZ01-MAT</option>' in html
    assert 'class="caresignal-honeypot"' in html
    choices = client.get("/api/v1/concerns/new").json()
    assert set(choices) == {"staff", "places", "relationships", "contact_by", "max_text",
                            "csrf_token"}  # fmt: skip
    assert [t["code"] for t in choices["places"]] == ["RYY", "RZZ"]
    assert [p["code"] for p in choices["places"][1]["places"]] == ["RZZ", "RZZ01", "RZZ01-MAT"]
    assert choices["max_text"] == 10_000


def test_a_concern_raised_by_the_form_is_stored_before_its_link_is_shown(site: Site) -> None:
    client = site.client()
    page, token = _raised(client)
    assert "Your reference number is CON-2026-000001" in page.text
    assert f"https://testserver/concerns/follow/{token}" in page.text
    assert "We cannot show it to you again" in page.text
    view = concerns.view_by_token(site.sessions, token).to_dict()
    assert view["reference"] == "CON-2026-000001"
    assert view["text"] == WORDS
    detail = handling.get_concern(site.sessions, 1, actor="analyst")
    assert detail.concern.relationship == "parent"
    assert detail.concern.channel.value == "online"
    assert detail.contact is not None
    assert detail.contact.email == "sam@example.org"
    assert len(token) >= 40


def test_the_api_raises_a_concern_and_answers_errors_in_the_one_shape(site: Site) -> None:
    client = site.client()
    body = {"organisation": "RZZ01", "text": WORDS, "relationship": "relative"}
    response = post(client, "/api/v1/concerns", body)
    assert response.status_code == 201, response.text
    made = response.json()
    assert set(made) == {"reference", "token", "follow", "reply_within_days"}
    assert made["follow"] == f"/concerns/follow/{made['token']}"
    mine = client.get(f"/api/v1{made['follow']}").json()
    assert set(mine) == {
        "reference", "organisation", "state", "text", "received_on", "acknowledge_by",
        "acknowledged_on", "response_due", "responded_on", "ombudsman", "events", "said",
        "may", "anonymous", "in_words",
    }  # fmt: skip
    assert mine["state"] == "received"
    assert mine["said"] == "We have your concern. The trust will reply by 26 November 2026."
    assert mine["may"] == {"message": True, "answer": False}
    empty = post(client, "/api/v1/concerns", {**body, "text": "  "})
    assert empty.status_code == 400
    assert empty.json() == {
        "error": {"status": 400, "title": "That cannot be done", "message":
                  "what happened is empty", "hint": "say what happened, in your own words"}
    }  # fmt: skip
    nowhere = post(client, "/api/v1/concerns", {**body, "organisation": "NOPE"})
    assert nowhere.status_code == 404
    too_long = post(client, "/api/v1/concerns", {**body, "text": "x" * 10_001})
    assert too_long.status_code == 400
    assert "at most 10,000" in too_long.json()["error"]["message"]
    assert _count(site, "concerns") == 1


def test_the_form_comes_back_with_what_to_put_right_and_what_was_written(site: Site) -> None:
    client = site.client()
    response = submit(client, "/concerns", {**FIELDS, "organisation": ""})
    assert response.status_code == 400
    page = Page(response.text)
    assert "There is a problem" in page.text
    assert "choose the trust, site or ward from the list" in page.text.lower()
    assert WORDS.replace("'", "&#39;") in response.text
    bad_day = submit(client, "/concerns", {**FIELDS, "happened_on": "2026-13-45"})
    assert bad_day.status_code == 400
    assert "The day it happened is not a date." in Page(bad_day.text).text
    assert _count(site, "concerns") == 0


@pytest.mark.parametrize(
    ("route", "changes", "field", "said"),
    [
        ("email", {"email": ""}, "email", "you chose to be contacted by email, but gave no email"),
        ("email", {"email": "sam at example dot org"}, "email", "does not look like an email"),
        ("email", {"email": "sam@example"}, "email", "does not look like an email"),
        ("phone", {"phone": ""}, "phone", "gave no phone number"),
        ("phone", {"phone": "0123"}, "phone", "does not look like a phone number"),
        ("phone", {"phone": "call me 07700 900123"}, "phone", "does not look like a phone"),
        ("letter", {"address": " "}, "address", "gave no postal address"),
        ("letter", {"address": "Canterbury"}, "address", "does not look like a postal address"),
    ],
)  # fmt: skip
def test_the_chosen_way_to_be_contacted_needs_its_detail(
    site: Site, route: str, changes: dict[str, str], field: str, said: str
) -> None:
    client = site.client()
    fields = {**FIELDS, "contact_by": route, "email": "", **changes}
    response = submit(client, "/concerns", fields)
    assert response.status_code == 400
    page = Page(response.text)
    assert said in page.text.lower()
    # The error is beside its field, which points to it, and the summary links to the field.
    html = response.text
    assert f'id="{field}-error"' in html
    tag = re.search(rf'<(?:input|textarea)[^>]* id="{field}"[^>]*>', html)
    assert tag is not None
    assert f'aria-describedby="{field}-error"' in tag.group()
    assert 'aria-invalid="true"' in tag.group()
    assert f'href="#{field}"' in html
    assert WORDS.replace("'", "&#39;") in html  # what was typed is kept
    assert (fields.get(field) or "").strip() == "" or fields[field] in html
    api = post(client, "/api/v1/concerns", {**fields, "happened_on": None})
    assert api.status_code == 400
    assert said in api.json()["error"]["message"]
    assert _count(site, "concerns") == 0


@pytest.mark.parametrize(
    ("route", "changes"),
    [
        ("email", {"email": "sam.parent+nhs@example.co.uk"}),
        ("phone", {"phone": "+44 (0)7700 900123"}),
        ("phone", {"phone": "01632 960001"}),
        ("letter", {"address": "4 Mill Row\nCanterbury\nCT1 3NG"}),
        ("link", {"email": ""}),
    ],
)
def test_a_plausible_detail_for_the_chosen_way_is_accepted(
    site: Site, route: str, changes: dict[str, str]
) -> None:
    _raised(site.client(), {**FIELDS, "contact_by": route, **changes})
    assert _count(site, "concerns") == 1


def test_changes_need_the_csrf_token(site: Site) -> None:
    client = site.client()
    client.get("/concerns/new")
    assert client.post("/concerns", data=FIELDS).status_code == 403
    assert client.post("/api/v1/concerns", json=FIELDS).status_code == 403
    assert _count(site, "concerns") == 0


def test_a_bot_that_fills_the_honeypot_is_told_it_worked_and_nothing_is_stored(
    site: Site,
) -> None:
    client = site.client()
    page, token = _raised(client, {**FIELDS, "website": "http://spam.example"})
    assert "Your reference number is CON-2026-" in page.text
    api = post(client, "/api/v1/concerns", {**FIELDS, "website": "spam"})
    assert api.status_code == 201
    assert set(api.json()) == {"reference", "token", "follow", "reply_within_days"}
    stored = [t for t in Base.metadata.tables if t.startswith("concern")]
    assert stored
    assert all(_count(site, table) == 0 for table in stored)
    assert client.get(f"/concerns/follow/{token}").status_code == 404


def test_too_many_concerns_from_one_connection_are_refused_with_429(site: Site) -> None:
    client = site.client()
    client.app.state.concern_limiter = SubmissionLimiter(attempts=2)  # type: ignore[attr-defined]
    _raised(client)
    post(client, "/api/v1/concerns", {**FIELDS, "website": "bot"})  # a bot's counts too
    refused = post(client, "/api/v1/concerns", FIELDS)
    assert refused.status_code == 429
    assert refused.json()["error"]["title"] == "Too many attempts"
    assert submit(client, "/concerns", FIELDS).status_code == 429
    assert _count(site, "concerns") == 1


def test_a_wrong_or_malformed_link_is_not_found(site: Site) -> None:
    client = site.client()
    _, token = _raised(client)
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "short", "x" * 500,
                  "%00%27%22", "..%2F..%2Fadmin"):  # fmt: skip
        assert client.get(f"/concerns/follow/{wrong}").status_code == 404, wrong
        response = client.get(f"/api/v1/concerns/follow/{wrong}")
        assert response.status_code == 404
        assert response.json()["error"]["message"] in {
            "no concern matches this link", "there is nothing at this address"}  # fmt: skip
    message = post(client, f"/api/v1/concerns/follow/{'z' * 43}/messages", {"text": "hello"})
    assert message.status_code == 404


def test_the_person_adds_information_and_answers_the_final_response(site: Site) -> None:
    client = site.client()
    _, token = _raised(client)
    page = read(client, f"/concerns/follow/{token}")
    assert "We have your concern. The trust will reply by 26 November 2026." in page.text
    assert page.actions() == {f"/concerns/follow/{token}/messages"}
    sent = submit(client, f"/concerns/follow/{token}/messages", {"text": "He is 4 weeks old."})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/concerns/follow/{token}"
    handling.acknowledge(site.sessions, 1, actor="analyst", clock=CLOCK)
    handling.reply(site.sessions, 1, "We are sorry. We are looking into it.", actor="analyst",
                   clock=CLOCK)  # fmt: skip
    handling.triage(site.sessions, 1, category="safety", severity=handling.Severity.HIGH,
                    duty_of_candour=True, actor="analyst", clock=CLOCK)  # fmt: skip
    handling.respond(site.sessions, 1, "Our full answer.", actor="lead", clock=CLOCK)
    page = read(client, f"/concerns/follow/{token}")
    assert "Thank you. Your message was added." in page.text
    assert "He is 4 weeks old." in page.text
    assert "The trust, 2026-11-23 We are sorry. We are looking into it." in page.text
    assert "analyst" not in page.text
    assert page.actions() == {f"/concerns/follow/{token}/messages",
                              f"/concerns/follow/{token}/answer"}  # fmt: skip
    assert "www.ombudsman.org.uk" in page.text
    assert "ombudsman.org.uk" not in " ".join(page.links)
    answered = submit(client, f"/concerns/follow/{token}/answer", {"resolved": "no", "text": ""})
    assert answered.status_code == 303
    mine = client.get(f"/api/v1/concerns/follow/{token}").json()
    assert mine["state"] == "reopened"
    assert mine["said"].startswith("You told us the answer did not sort things out.")
    assert "Parliamentary and Health Service Ombudsman" in mine["ombudsman"]
    assert [e["kind"] for e in mine["events"]][-1] == "not_resolved"
    again = post(client, f"/api/v1/concerns/follow/{token}/answer", {"resolved": True})
    assert again.status_code == 400  # only a responded concern takes an answer


def test_the_private_token_is_never_written_to_the_logs(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = site.client()
    _, token = _raised(client)
    client.get(f"/concerns/follow/{token}")
    client.get(f"/api/v1/concerns/follow/{token}")
    submit(client, f"/concerns/follow/{token}/messages", {"text": "more"})
    post(client, f"/api/v1/concerns/follow/{token}/answer", {"resolved": True})
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert all(token not in r.getMessage() for r in ours)
    assert any(token in r.getMessage() for r in caplog.records)  # the test client's own log
    assert csrf_of(client)


def _session_of(client: TestClient) -> str:
    """What the client's signed session cookie holds, as text (signed, not secret)."""
    value = client.cookies[SESSION_COOKIE]
    return base64.b64decode(value.split(".", 1)[0] + "==").decode()


def test_a_refresh_sends_nothing_again_and_the_link_is_shown_once(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = site.client()
    client.get("/concerns/new")
    sent = submit(client, "/concerns", FIELDS)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/concerns/submitted"
    assert _count(site, "concerns") == 1
    token = _session_of(client).split('"token": "', 1)[1].split('"', 1)[0]
    assert concerns.view_by_token(site.sessions, token).concern.reference == "CON-2026-000001"
    assert token not in str(sent.headers)
    first = client.get("/concerns/submitted")
    assert first.status_code == 200
    assert first.text.count(f"/concerns/follow/{token}") == 2  # the link and its words
    assert "We cannot show it to you again" in first.text
    assert token not in _session_of(client)  # taken out as it was shown
    for _ in range(2):  # refreshing, as often as one likes
        again = read(client, "/concerns/submitted")
        assert "Your reference number is CON-2026-000001" in again.text
        assert "Your private link was shown once" in again.text
        assert token not in client.get("/concerns/submitted").text
    twin = client.get("/api/v1/concerns/submitted").json()
    assert twin == {"reference": "CON-2026-000001", "token": None, "follow": None,
                    "staff": False, "shown_before": True, "reply_within_days": 3}  # fmt: skip
    assert _count(site, "concerns") == 1
    with site.sessions() as session:
        assert len(audit.entries(session, entity="concern")) == 1
    # Not a line of any log, the test client's own lines of each address asked included.
    assert any("/concerns/submitted" in r.getMessage() for r in caplog.records)
    assert not [r.getMessage() for r in caplog.records if token in r.getMessage()]


def test_the_json_twin_gives_the_token_once_and_nothing_without_a_concern_sent(
    site: Site,
) -> None:
    client = site.client()
    nothing = read(client, "/concerns/submitted")
    assert "No concern has been sent from this browser just now." in nothing.text
    assert client.get("/api/v1/concerns/submitted").json()["reference"] is None
    staff = {"organisation": "RZZ01-MAT", "text": WORDS, "anonymous": "yes", "happened_on": "",
             "contact_by": "link", "website": ""}  # fmt: skip
    assert submit(client, "/concerns/speak-up", staff).status_code == 303
    given = client.get("/api/v1/concerns/submitted").json()
    assert (given["reference"], given["staff"], given["shown_before"]) == (
        "CON-2026-000001", True, False,
    )  # fmt: skip
    assert given["follow"] == f"/concerns/follow/{given['token']}"
    assert concerns.view_by_token(site.sessions, given["token"]).concern.anonymous is True
    after = client.get("/api/v1/concerns/submitted").json()
    assert (after["token"], after["shown_before"]) == (None, True)
    assert "If you stayed anonymous" in read(client, "/concerns/submitted").text


def test_the_page_forgets_the_concern_a_quarter_of_an_hour_after_it_was_sent(site: Site) -> None:
    client = site.client()
    _raised(client)
    state = client.app.state.caresignal  # type: ignore[attr-defined]
    for minutes, shown in ((15, "CON-2026-000001"), (16, None)):
        later = FixedClock(CLOCK.now() + timedelta(minutes=minutes))
        client.app.state.caresignal = replace(state, clock=later)  # type: ignore[attr-defined]
        assert client.get("/api/v1/concerns/submitted").json()["reference"] == shown
    assert SUBMITTED not in _session_of(client)
    assert (
        "No concern has been sent from this browser just now."
        in read(client, "/concerns/submitted").text
    )
    client.app.state.caresignal = state  # type: ignore[attr-defined]
