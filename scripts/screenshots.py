"""Screenshots of the web app's main pages, for docs/screenshots/ (``make screenshots``).

Run: ``.venv/bin/python scripts/screenshots.py [--data-dir DIR] [--out docs/screenshots]``.
Without ``--data-dir``, ``caresignal demo --scale small`` builds the demo in a temporary
directory (the small synthetic dataset, scanned, with its history of signals, escalations,
board meetings and recommendations in the store: about a minute); with it, a copy of that data
directory is used (e.g. the national demo that ``make run`` builds). Each role of the demo's
example trust gets a new password (:func:`caresignal.demo.logins.demo_logins`), ``caresignal
serve`` runs on 127.0.0.1 in development mode, and Debian's chromium (``/usr/bin/chromium``,
through Playwright) signs in as the role that would use each page and saves it, 1280 pixels
wide, as a PNG (whole pages, cut at 3,000 pixels high). Pages that the app does not have (yet)
are left out and named.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

CARESIGNAL = Path(sys.executable).with_name("caresignal")
CHROMIUM = Path(os.environ.get("CARESIGNAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH = 1280
MOST_HEIGHT = 3000
PATIENCE_MS = 60_000


@dataclass(frozen=True)
class Shot:
    """One screenshot: its file name, the role that looks (``None``: nobody signed in), and
    where (a path, or a function of the signed-in page that finds one, ``None`` if none)."""

    name: str
    role: str | None
    path: str | Callable[[Page, str], str | None]


def _first(
    api: str, make: Callable[[dict[str, Any]], str], key: str | None = None
) -> Callable[[Page, str], str | None]:
    """The page of the first item the JSON at ``api`` lists (under ``key`` of an object),
    ``{trust}`` filled in."""

    def find(page: Page, trust: str) -> str | None:
        answer = page.request.get(api.format(trust=trust))
        if not answer.ok:
            return None
        items = answer.json()
        if key is not None:
            items = items.get(key) or []
        return make(items[0]) if items else None

    return find


SHOTS = (
    Shot("login", None, "/login"),
    Shot("inbox", "executive_safety_champion", "/inbox"),
    Shot("overview", "executive_safety_champion", "/overview"),
    Shot("signals", "quality_analyst", "/signals?status=open"),
    Shot(
        "signal",
        "executive_safety_champion",
        _first("/api/v1/signals?status=open", lambda s: f"/signals/{s['id']}"),
    ),
    Shot(
        "unit",
        "unit_lead",
        _first("/api/v1/signals?status=open", lambda s: f"/organisations/{s['unit']}"),
    ),
    Shot("actions", "divisional_director", "/actions"),
    Shot(
        "recommendation",
        "divisional_director",
        _first("/api/v1/actions", lambda r: f"/recommendations/{r['id']}", key="recommendations"),
    ),
    Shot("boards", "regulator", "/boards"),
    Shot("board", "board_member", "/boards/{trust}"),
    Shot(
        "board-meeting",
        "board_member",
        _first(
            "/api/v1/boards/{trust}",
            lambda m: f"/boards/{{trust}}/meetings/{m['id']}",
            key="meetings",
        ),
    ),
    Shot("audit", "administrator", "/audit"),
    Shot("admin", "administrator", "/admin"),
    Shot("public", None, "/public"),
)


def _prepare(source: Path | None, work: Path) -> tuple[Path, str]:
    """The data directory to serve and the demo's example trust."""
    target = work / "data"
    if source is not None:
        shutil.copytree(source, target)
    command = [str(CARESIGNAL), "demo", "--json", "--data-dir", str(target)]
    if source is None:
        command += ["--scale", "small"]
    report = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
    trust = _found(report, "example_trust")
    if not isinstance(trust, str):
        raise SystemExit("the demo names no example trust")
    return target, trust


def _found(value: Any, key: str) -> Any:
    """The first value of ``key`` anywhere in a JSON document."""
    if isinstance(value, dict):
        if key in value:
            return value[key]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _found(item, key)
            if found is not None:
                return found
    return None


def _logins(directory: Path, trust: str) -> dict[str, tuple[str, str]]:
    """A new sign-in for each role of the trust: role → (user, password)."""
    from caresignal.clock import SystemClock
    from caresignal.demo.logins import demo_logins
    from caresignal.settings import Settings
    from caresignal.store import database_url, open_store

    engine, sessions = open_store(database_url(Settings(data_dir=directory)))
    try:
        logins = demo_logins(sessions, trust, clock=SystemClock())
    finally:
        engine.dispose()
    return {login.role.value: (login.user, login.password) for login in logins}


def _served(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "CARESIGNAL_DEVELOPMENT": "1",
        "CARESIGNAL_ESCALATION_MINUTES": "0",
    }
    for name in ("CARESIGNAL_SECRET_KEY", "CARESIGNAL_DATABASE_URL"):
        environment.pop(name, None)
    server = subprocess.Popen(
        [str(CARESIGNAL), "serve", "--data-dir", str(directory), "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=5):
                return server, url
        except OSError:
            if server.poll() is not None:
                raise SystemExit("caresignal serve stopped") from None
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("caresignal serve did not answer within two minutes")


def _contexts(
    browser: Any, url: str, logins: dict[str, tuple[str, str]]
) -> Iterator[tuple[str | None, BrowserContext]]:
    for role in dict.fromkeys(shot.role for shot in SHOTS):
        context = browser.new_context(
            base_url=url, viewport={"width": WIDTH, "height": 900}, locale="en-GB"
        )
        context.set_default_timeout(PATIENCE_MS)
        if role is not None:
            if role not in logins:
                print(f"no {role} in the demo's trust: its pages are left out")
                continue
            user, password = logins[role]
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("User name").fill(user)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/inbox")
            page.close()
        yield role, context


def _capture(context: BrowserContext, shot: Shot, trust: str, out: Path) -> str:
    page = context.new_page()
    try:
        path = shot.path(page, trust) if callable(shot.path) else shot.path
        if path is None:
            return f"{shot.name}: nothing to show"
        path = path.format(trust=trust)
        answer = page.goto(path)
        if answer is None or answer.status != 200:
            return f"{shot.name}: {path} answered {answer.status if answer else 'nothing'}"
        for drawing in page.locator("[data-chart-spec]").all():
            expect(drawing.locator("svg").first).to_be_attached(timeout=PATIENCE_MS)
        height = min(page.evaluate("document.documentElement.scrollHeight"), MOST_HEIGHT)
        clip = {"x": 0, "y": 0, "width": WIDTH, "height": height}
        page.screenshot(path=out / f"{shot.name}.png", full_page=True, clip=clip)
        return f"{shot.name}: {path}"
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data directory `caresignal demo` made")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(
            f"screenshots need Debian's chromium at {CHROMIUM}: apt-get install chromium"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="caresignal-screenshots-") as work:
        directory, trust = _prepare(args.data_dir, Path(work))
        logins = _logins(directory, trust)
        server, url = _served(directory)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for role, context in _contexts(browser, url, logins):
                    for shot in (s for s in SHOTS if s.role == role):
                        print(_capture(context, shot, trust, args.out), flush=True)
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
