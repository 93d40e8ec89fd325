"""The web app in process: signing in, sessions, CSRF, security headers, the error shape, and
who sees and does what on the signal pages and their JSON twins (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from web_helpers import CLOCK, PASSWORD, SECRET, Site, csrf_of, open_site, sign_in

from caresignal.clock import FixedClock
from caresignal.errors import CaresignalError
from caresignal.settings import Settings
from caresignal.store import audit
from caresignal.web.app import create_app
from caresignal.workflow import service

ERROR_KEYS = {"status", "title", "message", "hint"}


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The app on a store of its own (see :func:`web_helpers.open_site`)."""
    with open_site(database_url) as made:
        yield made


def _api_routes(routes: Iterable[object]) -> Iterator[APIRoute]:
    """Every route of the app, routers included (FastAPI keeps included routers as they are)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes)


def _audit_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return audit.head(session)[0]


def test_no_secret_key_no_app_outside_development(tmp_path: pytest.TempPathFactory) -> None:
    url = f"sqlite:///{tmp_path}/caresignal.db"
    with pytest.raises(CaresignalError, match="needs CARESIGNAL_SECRET_KEY"):
        create_app(Settings(database_url=url))
    with pytest.raises(CaresignalError, match="too short"):
        create_app(Settings(database_url=url, secret_key="short"))
    create_app(Settings(database_url=url, development=True))  # a random key for this process


def test_pages_send_strangers_to_sign_in_and_the_api_says_401(site: Site) -> None:
    client = site.client()
    page = client.get("/signals/2", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=/signals/2")
    api = client.get("/api/v1/inbox")
    assert api.status_code == 401
    assert set(api.json()["error"]) == ERROR_KEYS
    assert api.json()["error"]["message"] == "sign in first"


def test_signing_in_sets_a_secure_session_cookie(site: Site) -> None:
    client = site.client()
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": "lead", "password": PASSWORD, "csrf_token": token, "next": "/signals/3"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/signals/3")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=lax" in cookie
    assert client.get("/api/v1/me").json()["name"] == "lead"
    # Only paths on this site are followed after signing in.
    other = site.client()
    token = csrf_of(other)
    response = other.post(
        "/login",
        data={"username": "lead", "password": PASSWORD, "csrf_token": token,
              "next": "//evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.headers["location"] == "/inbox"


def test_a_wrong_password_and_a_missing_csrf_token_are_refused(site: Site) -> None:
    client = site.client()
    token = csrf_of(client)
    wrong = client.post("/login", data={"username": "lead", "password": "x" * 12,
                                        "csrf_token": token})  # fmt: skip
    assert wrong.status_code == 401
    assert "The user name or password is not right." in wrong.text
    unknown = client.post("/login", data={"username": "nobody", "password": "x" * 12,
                                          "csrf_token": token})  # fmt: skip
    assert unknown.status_code == 401  # the same answer whether or not the user exists
    forged = client.post("/login", data={"username": "lead", "password": PASSWORD})
    assert forged.status_code == 403
    assert "did not come from caresignal" in forged.text


def test_repeated_failures_are_slowed_down(site: Site) -> None:
    client = site.client()
    token = csrf_of(client)
    for _ in range(5):
        client.post("/login", data={"username": "lead", "password": "wrong" * 3,
                                    "csrf_token": token})  # fmt: skip
    blocked = client.post(
        "/login", data={"username": "lead", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "Try again in 15 minutes." in blocked.text


def test_every_response_carries_the_security_headers(site: Site) -> None:
    client = site.signed_in("lead")
    for path in ("/login", "/inbox", "/api/v1/inbox", "/signals/999", "/static/caresignal.css"):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert headers["strict-transport-security"].startswith("max-age=")


def test_the_inbox_holds_what_the_person_owns_overdue_first(site: Site) -> None:
    lead = site.signed_in("lead").get("/api/v1/inbox").json()
    assert [(item["id"], item["clock"]) for item in lead] == [(3, "2 working days left")]
    champion = site.signed_in("champion").get("/api/v1/inbox").json()
    assert [item["id"] for item in champion] == [2]  # the red one is the executive's
    # RYY's amber signal belongs to its unit lead, whom no one has been given: not the
    # executive's to move, though the executive sees it.
    outsider = site.signed_in("outsider")
    assert outsider.get("/api/v1/inbox").json() == []
    assert [item["id"] for item in outsider.get("/api/v1/signals").json()] == [1]
    page = site.signed_in("lead").get("/inbox")
    assert page.status_code == 200
    assert 'href="/signals/3"' in page.text
    assert "/signals/1" not in page.text


@pytest.mark.parametrize(
    ("name", "visible"),
    [
        ("lead", {2, 3}),
        ("analyst", {2, 3}),
        ("inspector", {2, 3}),  # a regulator sees every trust of the region
        ("outsider", {1}),
    ],
)
def test_another_trusts_signal_is_not_found(site: Site, name: str, visible: set[int]) -> None:
    client = site.signed_in(name)
    assert {item["id"] for item in client.get("/api/v1/signals").json()} == visible
    for episode_id in (1, 2, 3):
        api = client.get(f"/api/v1/signals/{episode_id}")
        page = client.get(f"/signals/{episode_id}")
        expected = 200 if episode_id in visible else 404
        assert (api.status_code, page.status_code) == (expected, expected)
        if expected == 404:
            assert api.json()["error"]["message"] == f"there is no signal episode {episode_id}"
            assert "there is no signal episode" in page.text.lower()


def test_acknowledging_through_the_api_needs_the_token_and_the_version(site: Site) -> None:
    client = site.signed_in("lead")
    token = csrf_of(client)
    before = _audit_count(site.sessions)
    body = {"state": "acknowledged", "reason": "seen", "version": 1}
    assert client.post("/api/v1/signals/3/moves", json=body).status_code == 403
    assert _audit_count(site.sessions) == before
    moved = client.post("/api/v1/signals/3/moves", json=body, headers={"X-CSRF-Token": token})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["state"], moved.json()["version"]) == ("acknowledged", 2)
    stale = client.post(
        "/api/v1/signals/3/moves",
        json={"state": "under_review", "reason": "r", "version": 1},
        headers={"X-CSRF-Token": token},
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["error"]["message"]
    wrong = client.post(
        "/api/v1/signals/3/moves",
        json={"state": "closed", "reason": "r", "version": 2},
        headers={"X-CSRF-Token": token},
    )
    assert wrong.status_code == 400
    assert _audit_count(site.sessions) == before + 1


def test_the_signal_page_offers_only_what_the_role_allows(site: Site) -> None:
    analyst = site.signed_in("analyst")
    data = analyst.get("/api/v1/signals/3").json()
    assert data["allowed"] == {"move_to": [], "close": False, "comment": True}
    token = csrf_of(analyst)
    refused = analyst.post(
        "/api/v1/signals/3/moves",
        json={"state": "acknowledged", "reason": "r", "version": 1},
        headers={"X-CSRF-Token": token},
    )
    assert refused.status_code == 403
    assert "analyst may not move it on" in refused.json()["error"]["message"]
    lead = site.signed_in("lead").get("/api/v1/signals/3").json()
    assert lead["allowed"] == {"move_to": ["acknowledged"], "close": False, "comment": True}
    page = site.signed_in("lead").get("/signals/3").text
    assert 'action="/signals/3/moves"' in page
    assert 'action="/signals/3/close"' not in page


def test_a_form_moves_the_signal_and_the_history_grows(site: Site) -> None:
    client = site.signed_in("lead")
    token = csrf_of(client)
    response = client.post(
        "/signals/3/moves",
        data={"state": "acknowledged", "reason": "seen on the ward round", "version": "1",
              "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert (response.status_code, response.headers["location"]) == (303, "/signals/3")
    page = client.get("/signals/3").text
    assert "The signal is now acknowledged." in page
    assert "seen on the ward round" in page
    client.post("/signals/3/comments", data={"text": "family told", "csrf_token": token})
    history = client.get("/api/v1/signals/3").json()["history"]
    assert [event["action"] for event in history] == ["open", "acknowledge", "comment"]
    episode = service.get_episode(site.sessions, 3).episode
    assert (episode.state.value, episode.updated_at) == ("acknowledged", CLOCK.now())


def test_every_change_needs_the_csrf_token(site: Site) -> None:
    client = site.signed_in("lead")
    app = client.app
    changes = [
        route
        for route in _api_routes(app.routes)  # type: ignore[attr-defined]
        if "POST" in route.methods
    ]
    assert len(changes) >= 8
    before = _audit_count(site.sessions)
    for route in changes:
        path = route.path.replace("{episode_id}", "3")
        response = client.post(path, data={"text": "x", "state": "acknowledged"})
        assert response.status_code == 403, path
    assert _audit_count(site.sessions) == before


def test_every_page_has_a_json_twin_in_the_openapi_schema(site: Site) -> None:
    client = site.client()
    schema = client.get("/api/v1/openapi.json").json()
    api_paths = set(schema["paths"])
    app = client.app
    pages = {
        route.path
        for route in _api_routes(app.routes)  # type: ignore[attr-defined]
        if "GET" in route.methods
        and not route.path.startswith("/api/")
        and route.path not in {"/", "/login"}
    }
    assert pages
    for page in pages:
        assert f"/api/v1{page}" in api_paths, page


def test_the_session_key_signs_the_cookie(site: Site) -> None:
    client = site.signed_in("lead")
    forged = site.client()
    forged.cookies.set("caresignal_session", client.cookies["caresignal_session"][:-4] + "AAAA")
    assert forged.get("/api/v1/me").status_code == 401
    assert len(SECRET) >= 32
    sign_in(forged, "lead")
    assert forged.get("/api/v1/me").status_code == 200


def test_the_server_runs_the_escalation_clock(site: Site) -> None:
    # The same store, served by a second app whose clock reads a week later and runs the
    # escalation clock on start: the amber signal due on 25 November has climbed.
    later = FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    settings = site.settings.model_copy(update={"escalation_minutes": 60})
    app = create_app(settings, clock=later)
    with TestClient(app, base_url="https://testserver"):
        deadline = time.monotonic() + 30
        while service.get_episode(site.sessions, 3).episode.rung == 0:
            assert time.monotonic() < deadline, "the clock did not run"
            time.sleep(0.05)
    episode = service.get_episode(site.sessions, 3).episode
    assert episode.owner_role is not None
    assert episode.owner_role.value == "divisional_director"
    with site.sessions() as session:
        assert audit.entries(session)[-1].actor == "caresignal-server"
