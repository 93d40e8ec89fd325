"""The web app in a real browser (Debian's chromium, driven by Playwright) against a real uvicorn
server: signing in, a signal's charts drawn under the content security policy, acknowledging a
signal and seeing its history and audit trail grow, downloading the board pack, and raising a
concern whose page can be refreshed without sending it again (docs/web.md, "Browser tests")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdf
import pytest
from browser_helpers import Site, charts_drawn, chromium, demo_site, signed_in
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from caresignal.workflow import concerns_handling


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def site(
    browser: Browser, small_copy: Callable[[], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with demo_site(small_copy(), tmp_path_factory.mktemp("browser-store")) as made:
        yield made


def _problems(page: Page) -> list[str]:
    """The page's script errors and console errors (a script refused by the content security
    policy is one), collected as they happen."""
    found: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            found.append(f"console: {message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: found.append(f"script error: {error}"))
    return found


def test_signing_in_opens_the_inbox_and_a_wrong_password_is_refused(
    browser: Browser, site: Site
) -> None:
    context = signed_in(browser, site, None)
    page = context.new_page()
    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)inbox$"))
    page.get_by_label("User name").fill("champion")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The user name or password is not right.")
    page.get_by_label("User name").fill("champion")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My signals")
    expect(page.get_by_role("link", name=f"#{site.episode}", exact=True)).to_be_visible()
    context.close()


def test_a_signal_page_draws_every_chart_under_the_content_security_policy(
    browser: Browser, site: Site
) -> None:
    context = signed_in(browser, site, "champion")
    page = context.new_page()
    problems = _problems(page)
    page.goto("/inbox")
    page.get_by_role("link", name=f"#{site.episode}", exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"/signals/{site.episode}$"))
    twin = page.request.get(f"/api/v1/signals/{site.episode}/charts").json()
    assert twin["charts"], twin["charts_note"]
    assert charts_drawn(page) == len(twin["charts"])
    for drawing, chart in zip(page.locator("[data-chart-spec]").all(), twin["charts"], strict=True):
        expect(drawing).to_have_attribute("aria-label", re.compile(re.escape(chart["title"])))
        box = drawing.locator("svg").first.bounding_box()
        assert box is not None
        assert box["width"] > 200, box
        assert box["height"] > 100, box
    assert problems == []
    context.close()


def test_a_drawn_chart_keeps_its_text_alternative(browser: Browser, site: Site) -> None:
    context = signed_in(browser, site, "champion")
    page = context.new_page()
    page.goto(f"/signals/{site.episode}")
    twin = page.request.get(f"/api/v1/signals/{site.episode}/charts").json()
    charts_drawn(page)
    labels = [d.get_attribute("aria-label") for d in page.locator("[data-chart-spec]").all()]
    context.close()
    # Vega labels the drawing with the specification's description; static/charts.js hands it
    # the page's text alternative, the title and the findings' sentences.
    assert labels == [chart["description"] for chart in twin["charts"]]


def test_acknowledging_a_signal_grows_its_history_and_its_audit_trail(
    browser: Browser, site: Site
) -> None:
    context = signed_in(browser, site, "champion")
    page = context.new_page()
    trail = f"/audit/signal_episode/{site.episode}"
    page.goto(trail)
    entries = page.get_by_role("heading", name=re.compile(r"^Entry \d+:"))
    before = entries.count()
    assert before > 0
    page.goto(f"/signals/{site.episode}")
    history = page.locator(".caresignal-history li")
    steps = history.count()
    page.get_by_label("Move it to").select_option("acknowledged")
    page.get_by_label("Why, or what the review found").fill("Seen; a review is booked.")
    page.get_by_role("button", name="Record the move").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(history).to_have_count(steps + 1)
    expect(history.last).to_contain_text("Seen; a review is booked.")
    expect(page.locator(".nhsuk-summary-list__row", has_text="State")).to_contain_text(
        "acknowledged"
    )
    page.goto(trail)
    expect(entries).to_have_count(before + 1)
    expect(page.locator(".nhsuk-card").last).to_contain_text("Seen; a review is booked.")
    context.close()


def test_the_board_pack_downloads_as_a_pdf_from_the_board_page(
    browser: Browser, site: Site
) -> None:
    context = signed_in(browser, site, "champion")
    page = context.new_page()
    page.goto(f"/boards/{site.trust}")
    link = page.get_by_role("link", name=re.compile(r"^PDF")).first
    month = re.search(r"month=(\d{4}-\d{2})", link.get_attribute("href") or "")
    assert month is not None
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.failure() is None
    assert download.suggested_filename == f"board-pack-{site.trust}-{month[1]}.pdf"
    pdf = Path(download.path())
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = " ".join(sheet.extract_text() for sheet in pypdf.PdfReader(pdf).pages)
    context.close()
    assert site.trust in text


def test_a_concern_sent_once_is_stored_once_however_often_its_page_is_refreshed(
    browser: Browser, site: Site
) -> None:
    context = signed_in(browser, site, None)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(f"{request.method} {request.url}"))
    page.goto("/concerns/new")
    page.get_by_label("Where did it happen?").select_option(site.red.unit)
    page.get_by_label("What happened?").fill("Nobody came when the alarm rang on the ward.")
    page.get_by_role("button", name="Send your concern").click()
    expect(page).to_have_url(re.compile(r"/concerns/submitted$"))
    link = page.locator("#follow-link")
    expect(link).to_be_visible()
    token = (link.get_attribute("href") or "").removeprefix("/concerns/follow/")
    assert len(token) >= 40
    reference = page.locator("#reference").inner_text()
    for _ in range(2):
        page.reload()
        expect(page.locator("#reference")).to_have_text(reference)
        expect(page.locator("#follow-link")).to_have_count(0)
        expect(page.locator("#link-shown")).to_contain_text("shown once")
    page.go_back()  # the form again, not a second submission
    sessions = site.app.state.caresignal.sessions
    found = concerns_handling.list_concerns(sessions, actor="champion")
    assert [c.reference for c in found].count(reference) == 1
    assert [a.split()[0] for a in asked if a.endswith("/concerns")] == ["POST"]
    assert not [a for a in asked if token in a]  # no address the browser asked held the token
    context.close()
