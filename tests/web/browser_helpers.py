"""What the browser tests share: Debian's chromium driven by Playwright, and the app served by a
real uvicorn server on 127.0.0.1 over a store holding the small synthetic dataset's signals
(imported by name: pytest puts this directory on the path).

The tests skip, saying how to enable them, only when chromium is not installed; `.ci/run`
installs it. Playwright cannot download its own browsers here, so it launches
``/usr/bin/chromium`` (``CARESIGNAL_CHROMIUM`` names another).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from pydantic import SecretStr
from web_helpers import CLOCK, PASSWORD, SECRET, password_hash

from caresignal.data.dataset import Dataset
from caresignal.domain import Role
from caresignal.domain.actions import RecommendationSource
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import Finding, scan
from caresignal.settings import Settings
from caresignal.store import episodes as episode_repo
from caresignal.store import repo, transaction
from caresignal.store.service import add_user, grant_role, sync_organisations
from caresignal.web.app import create_app
from caresignal.workflow import actions, board, service

CHROMIUM = Path(os.environ.get("CARESIGNAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SKIP_NO_CHROMIUM = (
    f"the browser tests need Debian's chromium at {CHROMIUM}: install it with "
    "`apt-get install chromium` (.ci/run does), or name another with CARESIGNAL_CHROMIUM"
)
#: The scan's as-of day: the small dataset's signals are found by then.
AS_OF = dt.date(2025, 12, 31)
#: How long a page may take to answer or draw, in milliseconds (a loaded 2-core machine).
PATIENCE_MS = 30_000
#: Who signs in to the test site, with which role; the role's scope is filled in per site.
ROLES = {
    "champion": Role.EXECUTIVE_SAFETY_CHAMPION,
    "admin": Role.ADMINISTRATOR,
    "lead": Role.UNIT_LEAD,
}

expect.set_options(timeout=PATIENCE_MS)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, launched once for a module (skips when it is absent)."""
    if not CHROMIUM.exists():
        pytest.skip(SKIP_NO_CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a free port of 127.0.0.1; its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE_MS / 1000
    while not server.started:  # waiting for the server to start is set-up, not a test
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=PATIENCE_MS / 1000)
        listener.close()


@dataclass(frozen=True)
class Site:
    """The served app and the things the tests visit on it."""

    app: FastAPI
    url: str
    trust: str
    red: Finding
    #: The red signal's episode (owned by the trust's executive safety champion).
    episode: int
    recommendation: int
    action: int
    meeting: int


@contextmanager
def demo_site(data: Path, store: Path) -> Iterator[Site]:
    """The app on ``data`` (a copy of the small synthetic dataset), its scan's findings merged
    into a SQLite store in ``store``, with :data:`ROLES` as users who have
    :data:`~web_helpers.PASSWORD`, a recommendation with an action on the red signal, and a
    board meeting at which it was presented; served on 127.0.0.1."""
    settings = Settings(
        database_url=f"sqlite:///{(store / 'caresignal.db').as_posix()}",
        secret_key=SecretStr(SECRET),
        development=True,  # the session cookie over plain http to 127.0.0.1
        escalation_minutes=0,
        data_dir=data,
    )
    result = scan(Dataset(data), load_catalogue(), as_of=AS_OF, clock=CLOCK)
    red = next(f for f in result.findings if f.method == "bernoulli_cusum" and f.level == "red")
    app = create_app(settings, clock=CLOCK)
    sessions = app.state.caresignal.sessions
    sync_organisations(sessions, Dataset(data), actor="setup", clock=CLOCK, reason="test")
    trust = _trust(data, red.unit)
    for name, role in ROLES.items():
        user = add_user(sessions, name, f"{name}@nhs.net", actor="setup", clock=CLOCK, reason="")
        scope = red.unit if role is Role.UNIT_LEAD else trust
        grant_role(sessions, name, role, scope, actor="setup", clock=CLOCK, reason="test")
        with transaction(sessions) as session:
            repo.set_password_hash(session, user, password_hash())
    service.merge_findings(sessions, result, actor="scan", clock=CLOCK)
    with sessions() as session:
        episode = next(
            e.id
            for e in episode_repo.episodes(session)
            if (e.unit, e.indicator, e.direction) == (red.unit, red.indicator, red.direction)
        )
    made = actions.add_recommendation(
        sessions, red.unit, "CQC-2026-014", RecommendationSource.INSPECTION,
        "Escalate abnormal fetal heart rates", received_on=dt.date(2026, 11, 2),
        episode_id=episode, actor="admin", clock=CLOCK,
    )  # fmt: skip
    action = actions.add_action(
        sessions, made.id, "Train every midwife in CTG review", "lead", dt.date(2026, 12, 18),
        actor="admin", clock=CLOCK,
    )  # fmt: skip
    meeting = board.add_meeting(
        sessions, trust, dt.date(2026, 11, 5), "Public board", actor="champion", clock=CLOCK
    )
    board.present(
        sessions, meeting.id, "signal_episode", episode, "Asked for a review by December",
        actor="champion", clock=CLOCK,
    )  # fmt: skip
    try:
        with served(app) as url:
            yield Site(app, url, trust, red, episode, made.id, action.id, meeting.id)
    finally:
        sessions.kw["bind"].dispose()


def _trust(data: Path, unit: str) -> str:
    """The trust at the top of ``unit``'s chain of organisations."""
    organisations = Dataset(data).table("organisations").collect()
    code = unit
    while True:
        row = organisations.filter(pl.col("code") == code).row(0, named=True)
        if row["parent_code"] is None:
            return str(code)
        code = row["parent_code"]


def signed_in(browser: Browser, site: Site, name: str | None) -> BrowserContext:
    """A browser context (its own cookies) signed in as ``name`` through the form, or not
    signed in at all for ``None``."""
    context = browser.new_context(
        base_url=site.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(PATIENCE_MS)
    if name is not None:
        sign_in(context.new_page(), name)
    return context


def sign_in(page: Page, name: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person does, and wait for the inbox."""
    page.goto("/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


def charts_drawn(page: Page) -> int:
    """Wait until every chart container of the page holds a drawing with marks (Vega's SVG),
    hidden from screen readers once drawn (the container's label is the text alternative); the
    number of charts. Charts fetched after the page loaded (``data-charts``) are waited for
    first."""
    fetched = page.locator("[data-charts]")
    for index in range(fetched.count()):
        expect(fetched.nth(index)).to_have_attribute("data-charts-loaded", "true")
    drawings = page.locator("[data-chart-spec]")
    count = drawings.count()
    for index in range(count):
        drawn = "svg[aria-hidden=true] .role-mark"
        marks = drawings.nth(index).locator(f"{drawn} path, {drawn} line")
        expect(marks.first).to_be_attached()
    expect(page.get_by_text("could not be drawn")).to_have_count(0)
    return count
