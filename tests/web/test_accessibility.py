"""WCAG 2.1 AA basics on every page of the web app: axe-core (vendored in tests/web/vendor/) runs
in Debian's chromium on each page as it is drawn, and any serious or critical violation of a
WCAG 2.0/2.1 level A or AA rule fails the test, naming the page, the rule, its help and the
elements (docs/web.md, "Browser tests").

The pages are found from the app's own routes: a page without an example below fails
:func:`test_every_page_has_an_example`, so a new page is checked as soon as it is added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import Site, charts_drawn, chromium, demo_site, signed_in
from fastapi.routing import APIRoute
from playwright.sync_api import Browser, BrowserContext, Page
from web_helpers import CLOCK

from caresignal.domain.concerns import ConcernChannel
from caresignal.workflow import concerns
from caresignal.workflow import concerns_handling as handling

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
#: The rules run: WCAG 2.0 and 2.1, levels A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: The violations that fail the test.
IMPACTS = {"serious", "critical"}


@dataclass(frozen=True)
class Visit:
    """Who looks at a page (``None``: nobody signed in) and an example of its address, with
    ``{episode}``, ``{unit}``, ``{indicator}``, ``{trust}``, ``{recommendation}`` and
    ``{meeting}`` standing for the test site's own."""

    who: str | None
    path: str

    def address(self, site: Site) -> str:
        return self.path.format(
            episode=site.episode,
            unit=site.red.unit,
            ward=f"{site.trust}01-PAE",  # the trust's children's ward, with bedside data
            indicator=site.red.indicator,
            trust=site.trust,
            recommendation=site.recommendation,
            meeting=site.meeting,
            **CONCERN,
        )


#: An example of every page, by its route. A route that is not a page says why instead.
PAGES: dict[str, Visit | str] = {
    "/": "redirects to the inbox",
    "/login": Visit(None, "/login"),
    "/inbox": Visit("champion", "/inbox"),
    "/signals": Visit("champion", "/signals"),
    "/signals/{episode_id}": Visit("champion", "/signals/{episode}"),
    "/actions": Visit("lead", "/actions"),
    "/recommendations/{recommendation_id}": Visit("champion", "/recommendations/{recommendation}"),
    "/boards": Visit("champion", "/boards"),
    "/boards/{trust}": Visit("champion", "/boards/{trust}"),
    "/boards/{trust}/meetings/{meeting_id}": Visit(
        "champion", "/boards/{trust}/meetings/{meeting}"
    ),
    "/boards/{trust}/pack": "a download (the board pack), checked in test_browser.py",
    "/audit": Visit("champion", "/audit"),
    "/audit/{entity}/{entity_id}": Visit("champion", "/audit/signal_episode/{episode}"),
    "/overview": Visit("champion", "/overview"),
    "/overview.csv": "a download (the overview as CSV)",
    "/overview.xlsx": "a download (the overview as Excel)",
    "/organisations/{code}": Visit("champion", "/organisations/{unit}"),
    "/organisations/{code}/bedside": Visit("champion", "/organisations/{ward}/bedside"),
    "/organisations/{code}/indicators/{indicator}": Visit(
        "champion", "/organisations/{unit}/indicators/{indicator}"
    ),
    "/admin": Visit("admin", "/admin"),
    "/admin/users": Visit("admin", "/admin/users"),
    "/admin/users/{name}": Visit("admin", "/admin/users/lead"),
    "/admin/organisations": Visit("admin", "/admin/organisations"),
    "/admin/catalogue": Visit("admin", "/admin/catalogue"),
    "/admin/catalogue/source": Visit("admin", "/admin/catalogue/source"),
    "/admin/catalogue/{indicator}": Visit("admin", "/admin/catalogue/{indicator}"),
    "/public": Visit(None, "/public"),
    "/public/trusts/{code}": Visit(None, "/public/trusts/{trust}"),
    "/urgent-review": Visit(None, "/urgent-review"),
    "/urgent-reviews": Visit("champion", "/urgent-reviews"),
    "/concerns/new": Visit(None, "/concerns/new"),
    "/concerns/speak-up": Visit(None, "/concerns/speak-up"),
    "/concerns/follow/{token}": Visit(None, "/concerns/follow/{token}"),
    "/concerns/submitted": Visit(None, "/concerns/submitted"),
    "/concerns": Visit("champion", "/concerns"),
    "/concerns.csv": "a download (the trust's concerns, redacted, as CSV)",
    "/concerns.xlsx": "a download (the trust's concerns, redacted, as Excel)",
    "/concerns/{concern_id}": Visit("champion", "/concerns/{concern}"),
}
#: The concern of the pages above: its number and the token of its private link.
CONCERN: dict[str, str] = {}


#: Violations known and reported to the page's authors, by (route, rule): they do not fail the
#: test while they last, and the test fails once one is gone, so that its entry is removed.
KNOWN: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def site(
    browser: Browser, small_copy: Callable[[], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with demo_site(small_copy(), tmp_path_factory.mktemp("accessibility-store")) as made:
        sessions = made.app.state.caresignal.sessions  # type: ignore[attr-defined]
        raised = concerns.submit(sessions, made.red.unit, ConcernChannel.ONLINE,
                                 "The alarm rang and nobody came.", clock=CLOCK)  # fmt: skip
        handling.reply(sessions, raised.concern.id, "We are sorry. We are looking into it.",
                       actor="champion", clock=CLOCK)  # fmt: skip
        CONCERN.update(concern=str(raised.concern.id), token=raised.token)
        yield made


def _routes(routes: Iterable[object]) -> Iterator[APIRoute]:
    """Every route of the app, included routers too (FastAPI keeps them as they are)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)


def _page_routes(site: Site) -> list[str]:
    """The routes of the app's pages: every GET route outside the JSON API."""
    return sorted(
        {
            route.path
            for route in _routes(site.app.routes)
            if "GET" in route.methods and not route.path.startswith("/api/")
        }
    )


def _violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG A/AA violations on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through the debugger: no CSP exception
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    result: dict[str, Any] = page.evaluate("(options) => axe.run(document, options)", options)
    return [v for v in result["violations"] if v["impact"] in IMPACTS]


def _described(path: str, violation: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
    return (
        f"{path}: {violation['id']} ({violation['impact']}): {violation['help']} "
        f"[{violation['helpUrl']}] at {targets}"
    )


def test_every_page_has_an_example(browser: Browser, site: Site) -> None:
    missing = [path for path in _page_routes(site) if path not in PAGES]
    assert not missing, (
        f"pages without an example in PAGES of {Path(__file__).name} (add one, or say why "
        f"the route is not a page): {missing}"
    )


def test_every_page_meets_wcag_a_and_aa_basics(browser: Browser, site: Site) -> None:
    contexts: dict[str | None, BrowserContext] = {}
    problems: list[str] = []
    known: set[tuple[str, str]] = set()
    checked = []
    for route in _page_routes(site):
        visit = PAGES.get(route)
        if not isinstance(visit, Visit):
            continue
        if visit.who not in contexts:
            contexts[visit.who] = signed_in(browser, site, visit.who)
        page = contexts[visit.who].new_page()
        path = visit.address(site)
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, f"{path} answered {response.status}"
        charts_drawn(page)  # the charts are part of the page: check them drawn
        for violation in _violations(page):
            if (route, violation["id"]) in KNOWN:
                known.add((route, violation["id"]))
            else:
                problems.append(_described(path, violation))
        checked.append(path)
        page.close()
    for context in contexts.values():
        context.close()
    assert len(checked) >= 10, checked
    assert not problems, "\n".join(["axe-core found:", *problems])
    assert known == set(KNOWN), f"fixed: remove {set(KNOWN) - known} from KNOWN"


def test_axe_finds_a_planted_violation(browser: Browser, site: Site) -> None:
    context = signed_in(browser, site, None)
    page = context.new_page()
    page.goto("/login")
    page.evaluate("document.querySelector('label[for=username]').remove()")
    found = {v["id"] for v in _violations(page)}
    context.close()
    assert "label" in found, found
