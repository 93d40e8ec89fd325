"""The Martha's Rule pages: the public one-step call page and its JSON twin (429, honeypot), and
the outreach team's page of open calls with its moves; another site's calls are not found."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_helpers import CLOCK, Site, csrf_of, open_site, password_hash

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.store import repo, service, transaction
from caresignal.store.service import add_user, grant_role
from caresignal.web.routes.urgent import CALLS
from caresignal.workflow import urgent
from caresignal.workflow.outbox import list_notifications

NUMBER = "07700 900123"
CALL = {"unit": "RZZ01-MAT", "caller": "family", "patient": "Bed 4",
        "worry": "<script>alert(1)</script> breathing fast", "callback": NUMBER}  # fmt: skip


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path_factory.mktemp('urgent') / 'caresignal.db'}"
    with open_site(url) as made:
        for name, role, scope in (
            ("nurse", Role.OUTREACH_TEAM, "RZZ01"),
            ("senior", Role.ON_CALL_SENIOR, "RZZ01"),
            ("faraway", Role.OUTREACH_TEAM, "RYY01"),
        ):
            user = add_user(
                made.sessions, name, f"{name}@nhs.net", actor="t", clock=CLOCK, reason=""
            )
            grant_role(made.sessions, name, role, scope, actor="t", clock=CLOCK, reason="")
            with transaction(made.sessions) as session:
                repo.set_password_hash(session, user, password_hash())
        yield made


def _api(client: TestClient, body: dict[str, str]) -> Any:
    token = client.get("/api/v1/urgent-review").json()["csrf_token"]
    return client.post("/api/v1/urgent-reviews", json=body, headers={"X-CSRF-Token": token})


def _form(client: TestClient, **changes: str) -> dict[str, str]:
    client.get("/urgent-review")
    return {**CALL, **changes, "csrf_token": csrf_of(client)}


def test_a_family_asks_for_an_urgent_review_from_the_public_page(site: Site) -> None:
    client = site.client()
    page = client.get("/urgent-review")
    assert page.status_code == 200
    assert "Worried someone is getting sicker? Ask for an urgent review." in page.text
    assert 'name="viewport"' in page.text
    assert '<option value="RZZ01-MAT"' in page.text
    answer = client.post("/urgent-reviews", data=_form(client))
    assert answer.status_code == 200, answer.text
    reference = re.search(r"MR-2026-\d{6}", answer.text)
    assert reference is not None
    assert "the outreach team has been told at 09:30" in answer.text.lower()
    [made] = urgent.list_calls(site.sessions, actor="nurse")
    assert made.reference == reference.group(0)
    [told] = list_notifications(site.sessions, entity="urgent_review")
    assert told.recipient == "nurse"


def test_the_json_twin_and_its_answers(site: Site) -> None:
    client = site.client()
    assert client.post("/api/v1/urgent-reviews", json=CALL).status_code == 403  # no CSRF token
    choices = client.get("/api/v1/urgent-review").json()
    assert {"code": "RZZ01-MAT", "name": "Org RZZ01-MAT, Org RZZ01"} in choices["wards"]
    made = _api(client, CALL)
    assert made.status_code == 201
    assert made.json()["told_at"] == "09:30"
    bad = _api(client, {**CALL, "callback": "ring me"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "the call-back number is not a telephone number"
    nowhere = _api(client, {**CALL, "unit": "RZZ01"})
    assert nowhere.status_code == 404


def test_too_many_calls_from_one_connection_are_refused(site: Site) -> None:
    client = site.client()
    for _ in range(CALLS):
        assert _api(client, CALL).status_code == 201
    refused = _api(client, CALL)
    assert refused.status_code == 429
    page = client.post("/urgent-reviews", data=_form(client))
    assert page.status_code == 429
    assert len(urgent.list_calls(site.sessions, actor="nurse")) == CALLS


def test_a_bot_that_fills_the_honeypot_is_answered_but_nothing_is_stored(site: Site) -> None:
    client = site.client()
    answer = _api(client, {**CALL, "website": "http://spam"})
    assert answer.status_code == 201
    assert answer.json()["reference"].startswith("MR-2026-")
    page = client.post("/urgent-reviews", data=_form(client, website="spam"))
    assert page.status_code == 200
    assert urgent.list_calls(site.sessions, actor="nurse") == []
    assert list_notifications(site.sessions, entity="urgent_review") == []


def test_the_outreach_team_sees_begins_and_closes_a_call(site: Site) -> None:
    made = urgent.call(site.sessions, "RZZ01-MAT", urgent.Caller.STAFF, "Bed 2",
                       "<b>pale</b>", NUMBER, clock=CLOCK)  # fmt: skip
    nurse = site.signed_in("nurse")
    page = nurse.get("/urgent-reviews")
    assert page.status_code == 200
    assert NUMBER in page.text
    assert "&lt;b&gt;pale&lt;/b&gt;" in page.text
    assert "<b>pale</b>" not in page.text
    [row] = nurse.get("/api/v1/urgent-reviews").json()["calls"]
    assert (row["reference"], row["callback"], row["minutes_left"]) == (made.reference, NUMBER, 30)
    token = csrf_of(nurse)
    begun = nurse.post(f"/urgent-reviews/{made.id}/begin",
                       data={"csrf_token": token, "version": str(made.version)},
                       follow_redirects=False)  # fmt: skip
    assert begun.status_code == 303
    done = nurse.post(
        f"/api/v1/urgent-reviews/{made.id}/outcome",
        json={"outcomes": ["review_done", "family_told"], "note": "seen"},
        headers={"X-CSRF-Token": token},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["callback"]) == ("outcome_recorded", None)
    assert nurse.get("/api/v1/urgent-reviews").json()["calls"] == []


def test_other_people_and_another_sites_team_do_not_find_a_call(site: Site) -> None:
    made = urgent.call(site.sessions, "RZZ01-MAT", urgent.Caller.STAFF, "Bed 2", "pale",
                       NUMBER, clock=CLOCK)  # fmt: skip
    for name in ("faraway", "lead", "champion", "admin"):
        client = site.signed_in(name)
        assert client.get("/api/v1/urgent-reviews").json()["calls"] == []
        assert NUMBER not in client.get("/urgent-reviews").text
        answer = client.post(f"/api/v1/urgent-reviews/{made.id}/begin", json={},
                             headers={"X-CSRF-Token": csrf_of(client)})  # fmt: skip
        assert answer.status_code == 404, name


def test_the_page_shows_an_overdue_call(site: Site) -> None:
    made = urgent.call(site.sessions, "RZZ01-MAT", urgent.Caller.PATIENT, "Bed 7", "pain",
                       NUMBER, clock=CLOCK)  # fmt: skip
    assert "30 minutes left" in site.signed_in("nurse").get("/urgent-reviews").text
    later = FixedClock(made.due_at + timedelta(minutes=1))
    urgent.run_urgent_clock(site.sessions, actor="t", clock=later)
    page = site.signed_in("senior").get("/urgent-reviews")
    assert "the on-call senior has been told" in page.text


def test_the_navigation_leads_outreach_and_on_call_seniors_to_the_urgent_reviews(
    site: Site,
) -> None:
    nav = '<a class="nhsuk-header__navigation-link" href="/urgent-reviews">Urgent reviews</a>'
    for name in ("nurse", "senior", "faraway"):
        assert nav in site.signed_in(name).get("/inbox").text, name
    for name in ("lead", "champion", "analyst", "admin"):
        assert nav not in site.signed_in(name).get("/inbox").text, name
    assert nav not in site.client().get("/concerns/new").text
    # On the public pages too, once signed in, and gone when the role is revoked.
    nurse = site.signed_in("nurse")
    assert nav in nurse.get("/urgent-review").text
    with site.sessions() as session:
        user = repo.find_user(session, "nurse")
        assert user is not None
        grants = repo.grants_of(session, user)
    for grant in grants:  # as an administrator revokes a role: with its audit entry
        service.revoke_role(
            site.sessions, "nurse", grant.role, grant.scope, actor="admin", clock=CLOCK,
            reason="moved to another team",
        )  # fmt: skip
    assert nav not in nurse.get("/inbox").text
