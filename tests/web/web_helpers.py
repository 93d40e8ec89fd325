"""What the web tests share: the people, a finding, the app on a store, signing in (imported by
name: pytest puts this directory on the path)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Organisation, Role
from caresignal.monitor.scan import Finding, ScanResult
from caresignal.settings import Settings
from caresignal.store import repo, transaction
from caresignal.store.service import add_user, grant_role
from caresignal.web.app import create_app
from caresignal.workflow import service

#: Monday 23 November 2026, 09:30: an episode opened now must be acknowledged by the 25th.
CLOCK = FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
PASSWORD = "correct horse battery staple"
SECRET = "k" * 48

#: Who holds which role where: trust RZZ (site RZZ01, unit RZZ01-MAT) and trust RYY.
PEOPLE = {
    "lead": (Role.UNIT_LEAD, "RZZ01-MAT"),
    "director": (Role.DIVISIONAL_DIRECTOR, "RZZ01"),
    "champion": (Role.EXECUTIVE_SAFETY_CHAMPION, "RZZ"),
    "analyst": (Role.QUALITY_ANALYST, "RZZ"),
    "member": (Role.BOARD_MEMBER, "RZZ"),
    "inspector": (Role.REGULATOR, "South East"),
    "outsider": (Role.EXECUTIVE_SAFETY_CHAMPION, "RYY"),
    "admin": (Role.ADMINISTRATOR, "RZZ"),
}


def finding(unit: str, indicator: str, level: str = "amber") -> Finding:
    """A concern finding as a scan would make it."""
    day = date(2026, 10, 5)
    return Finding(
        unit=unit, indicator=indicator, title=indicator, method="bernoulli_cusum",
        chart="CUSUM", level=level, direction="concern", first_crossed=day, change_began=day,
        observed=5.0, expected=2.0, ratio=2.5, ratio_low=0.8, ratio_high=5.8, threshold=3.0,
        false_alarm=None, signals=1, explanation=f"Five deaths where two were expected ({unit}).",
    )  # fmt: skip


@functools.cache
def password_hash() -> str:
    """The argon2 hash of :data:`PASSWORD`, made once (argon2 is slow on purpose)."""
    return PasswordHasher().hash(PASSWORD)


@dataclass
class Site:
    """The app, its store, and how to sign in as someone."""

    sessions: sessionmaker[Session]
    client: Callable[[], TestClient]
    settings: Settings

    def signed_in(self, name: str) -> TestClient:
        """A client signed in as ``name``."""
        client = self.client()
        sign_in(client, name)
        return client


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's session (from a form on the sign-in page)."""
    page = client.get("/login").text
    marker = 'name="csrf_token" value="'
    return page.split(marker, 1)[1].split('"', 1)[0]


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a browser does."""
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token, "next": "/inbox"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@contextmanager
def open_site(database_url: str) -> Iterator[Site]:
    """The app on a store with two trusts, :data:`PEOPLE` and three open episodes: #1 at
    RYY01-MAT, #2 a red one at RZZ01-MAT (term_hie) and #3 an amber one at RZZ01-MAT."""
    settings = Settings(database_url=database_url, secret_key=SECRET, escalation_minutes=0)
    app = create_app(settings, clock=CLOCK)
    clients: list[TestClient] = []

    def client() -> TestClient:
        made = TestClient(app, base_url="https://testserver")
        made.__enter__()
        clients.append(made)
        return made

    sessions = app.state.caresignal.sessions
    with transaction(sessions) as session:
        for code, level, parent, region in (
            ("RZZ", "trust", None, "South East"),
            ("RZZ01", "site", "RZZ", None),
            ("RZZ01-MAT", "unit", "RZZ01", None),
            ("RYY", "trust", None, "North West"),
            ("RYY01", "site", "RYY", None),
            ("RYY01-MAT", "unit", "RYY01", None),
        ):
            repo.put_organisation(
                session, Organisation(code, f"Org {code}", level, parent, None, None, region)
            )
    for name, (role, scope) in PEOPLE.items():
        user = add_user(sessions, name, f"{name}@nhs.net", actor="setup", clock=CLOCK, reason="")
        grant_role(sessions, name, role, scope, actor="setup", clock=CLOCK, reason="t")
        with transaction(sessions) as session:  # hashed once for all: argon2 is slow on purpose
            repo.set_password_hash(session, user, password_hash())
    scan = ScanResult(
        date(2026, 11, 2),
        (
            finding("RZZ01-MAT", "term_stillbirth"),
            finding("RZZ01-MAT", "term_hie", "red"),
            finding("RYY01-MAT", "term_stillbirth"),
        ),
        (),
        (),
    )
    merged = service.merge_findings(sessions, scan, actor="scan", clock=CLOCK)
    assert sorted(merged.opened) == [1, 2, 3]
    try:
        yield Site(sessions, client, settings)
    finally:
        for made in clients:
            made.__exit__(None, None, None)
        sessions.kw["bind"].dispose()  # also when no client started the app
