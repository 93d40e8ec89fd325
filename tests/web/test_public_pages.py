"""The public transparency pages and their JSON twins: read without signing in and without a
cookie, with the security headers; each trust's signals by level, how long each has been open,
what was done, and each closed signal's outcome; and nothing personal, checked against a name,
an e-mail address and texts planted where staff would type them (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from web_helpers import CLOCK, Site, open_site
from web_more_helpers import Page, read, recommendation

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.domain.episodes import EpisodeState
from caresignal.store.service import add_user, grant_role
from caresignal.workflow import board, service

#: The day the signal of RZZ01-MAT's stillbirths is closed, and the day the page is read.
CLOSING = FixedClock(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
READING = FixedClock(datetime(2026, 12, 14, 8, 0, tzinfo=UTC))
#: The title of the indicator of signal #2, from the shipped catalogue.
HIE = "Term brain injury (HIE grade 2–3)"
PLANTED = (
    "Zebedee", "Quill", "zebedee.quill@private.example", "@nhs.net", "Ottoline",
    "ACK-REASON-PLANTED", "RATIONALE-PLANTED", "EVIDENCE-PLANTED", "MEETING-PLANTED",
    "DECISION-PLANTED", "abnormal fetal heart", "Action 1", "Five deaths",
)  # fmt: skip


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The app of :func:`web_helpers.open_site`, read on :data:`READING`, where a person named
    Zebedee Quill acknowledged the red signal #2 and commented on it, and signal #3 went to the
    board, had a recommendation made and was closed on :data:`CLOSING`, every text planted."""
    with open_site(database_url) as made:
        _history(made)
        yield made


def _history(site: Site) -> None:
    sessions, who = site.sessions, "Zebedee Quill"
    add_user(sessions, who, "zebedee.quill@private.example", actor="admin", clock=CLOCK,
             reason="t")  # fmt: skip
    grant_role(sessions, who, Role.UNIT_LEAD, "RZZ01-MAT", actor="admin", clock=CLOCK, reason="t")
    service.acknowledge(sessions, 2, actor=who, clock=CLOCK, reason="ACK-REASON-PLANTED")
    service.comment(sessions, 2, "Ottoline's mother raised this", actor=who, clock=CLOCK)
    service.acknowledge(sessions, 3, actor="lead", clock=CLOCK, reason="ACK-REASON-PLANTED")
    for state in (EpisodeState.UNDER_REVIEW, EpisodeState.ACTION_PLANNED):
        service.transition(sessions, 3, state, actor="director", clock=CLOCK,
                           reason="ACK-REASON-PLANTED")  # fmt: skip
    recommendation(sessions, episode_id=3)
    meeting = board.add_meeting(sessions, "RZZ", date(2026, 11, 30), "MEETING-PLANTED",
                                actor="member", clock=CLOCK)  # fmt: skip
    board.present(sessions, meeting.id, "signal_episode", 3, "DECISION-PLANTED", actor="member",
                  clock=CLOCK)  # fmt: skip
    service.close(sessions, 3, actor="director", clock=CLOSING, reason="RATIONALE-PLANTED",
                  evidence=["EVIDENCE-PLANTED"])  # fmt: skip


def _stranger(site: Site) -> TestClient:
    """A client that has never signed in, reading the site on :data:`READING`."""
    client = site.client()
    app = client.app
    state = app.state.caresignal  # type: ignore[attr-defined]
    app.state.caresignal = replace(state, clock=READING)  # type: ignore[attr-defined]
    return client


def test_the_pages_need_no_sign_in_leave_no_cookie_and_carry_the_headers(site: Site) -> None:
    client = _stranger(site)
    for path in ("/public", "/public/trusts/RZZ", "/api/v1/public", "/api/v1/public/trusts/RZZ"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers, path
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
    assert not client.cookies
    page = read(client, "/public")
    assert "Sign out" not in page.text
    assert "/admin" not in page.links
    assert "/public/trusts/RZZ" in page.links


def test_the_list_of_trusts_counts_open_and_red_signals(site: Site) -> None:
    data = _stranger(site).get("/api/v1/public").json()
    assert data == {
        "as_of": "2026-12-14",
        "trusts": [
            {"code": "RYY", "name": "Org RYY", "region": "North West", "open": 1, "red": 0},
            {"code": "RZZ", "name": "Org RZZ", "region": "South East", "open": 1, "red": 1},
        ],
    }


def test_a_trusts_page_shows_levels_days_open_and_a_closed_signals_outcome(site: Site) -> None:
    data = _stranger(site).get("/api/v1/public/trusts/RZZ").json()
    assert set(data) == {"trust", "as_of", "levels", "open", "closed"}
    assert data["trust"] == {"code": "RZZ", "name": "Org RZZ", "region": "South East"}
    assert data["levels"] == [
        {"indicator": "term_hie", "indicator_title": HIE, "red": 1, "amber": 0, "open": 1}
    ]
    (red,), (closed,) = data["open"], data["closed"]
    assert set(red) == {
        "id", "unit", "unit_name", "indicator", "indicator_title", "level", "state",
        "state_words", "first_found", "opened_on", "closed_on", "days_open", "times_closed",
        "owner_role", "escalations", "steps", "actions", "board_presentations",
        "board_meetings", "outcome",
    }  # fmt: skip
    assert (red["id"], red["unit"], red["unit_name"], red["level"], red["state"]) == (
        2, "RZZ01-MAT", "Org RZZ01-MAT", "red", "acknowledged",
    )  # fmt: skip
    opened = date.fromisoformat(red["opened_on"])
    assert red["days_open"] == (date(2026, 12, 14) - opened).days > 0
    assert (red["owner_role"], red["outcome"], red["closed_on"]) == (
        "executive_safety_champion", None, None,
    )  # fmt: skip
    assert [s["step"] for s in red["steps"]] == ["open", "acknowledge"]  # not the comment
    assert red["steps"][1] == {"step": "acknowledge", "state": "acknowledged", "on": "2026-11-23"}
    assert (closed["id"], closed["state"], closed["closed_on"]) == (3, "closed", "2026-12-04")
    assert closed["outcome"] == "closed with an action plan in place"
    assert closed["days_open"] == (date(2026, 12, 4) - date.fromisoformat(closed["opened_on"])).days
    assert closed["owner_role"] is None
    assert closed["actions"] == {
        "recommendations": 1, "actions": 1, "planned": 1, "in_progress": 0, "done": 0,
        "verified": 0, "overdue": 0,
    }  # fmt: skip
    assert (closed["board_presentations"], closed["board_meetings"]) == (1, ["2026-11-30"])
    assert [s["step"] for s in closed["steps"]] == [
        "open", "acknowledge", "transition", "transition", "close",
    ]  # fmt: skip


def test_the_page_shows_the_same_in_tables(site: Site) -> None:
    page = read(_stranger(site), "/public/trusts/RZZ")
    levels = page.table("Open signals by indicator")
    assert levels.headers == ["Indicator", "Red", "Amber", "Open in all"]
    assert levels.rows == [[HIE, "1", "0", "1"]]
    still_open = page.table("Each open signal")
    (row,) = still_open.rows
    assert row[:3] == ["Org RZZ01-MAT (RZZ01-MAT)", HIE, "red"]
    assert row[5].endswith(" days")
    assert row[6] == "executive safety champion"
    closed = page.table("Closed signals and their outcome")
    (row,) = closed.rows
    assert row[4] == "2026-12-04"
    assert "closed with an action plan in place" in row
    assert "0 of 1 action verified" in row
    assert "1 time (last 2026-11-30)" in row


def _published(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("signed_in", [False, True])
def test_nothing_personal_is_published(site: Site, signed_in: bool) -> None:
    client = site.signed_in("admin") if signed_in else _stranger(site)
    if signed_in:  # the planted texts are in the store, to be leaked: the signals' twins show them
        own = client.get("/api/v1/signals/2").text + client.get("/api/v1/signals/3").text
        for planted in ("Zebedee Quill", "Ottoline", "RATIONALE-PLANTED", "EVIDENCE-PLANTED"):
            assert planted in own, planted
    for path in ("/public", "/public/trusts/RZZ", "/api/v1/public", "/api/v1/public/trusts/RZZ"):
        text = _published(client, path)
        shown = Page(text).text if not path.startswith("/api/") else text
        for planted in PLANTED:
            assert planted not in shown, (path, planted)


def test_an_unknown_trust_is_not_found(site: Site) -> None:
    client = _stranger(site)
    for code in ("NOPE", "RZZ01", "RZZ01-MAT"):  # a site or a unit is not a trust
        response = client.get(f"/api/v1/public/trusts/{code}")
        assert response.status_code == 404, code
        assert response.json()["error"]["message"] == f"there is no trust with code {code!r}"
        read(client, f"/public/trusts/{code}", 404)
