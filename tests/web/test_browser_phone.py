"""A parent on a phone (a 390 × 844 touch screen in Debian's chromium, driven by Playwright,
against a real uvicorn server): raising a concern in a few taps, following it through the private
link and reading the trust's answer there; and asking for an urgent review under Martha's Rule
(docs/concerns.md). Every page must fit the phone's width: nothing to scroll sideways."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_helpers import PATIENCE_MS, Site, chromium, demo_site
from playwright.sync_api import Browser, BrowserContext, Page, expect
from web_helpers import CLOCK

from caresignal.store import urgent as urgent_store
from caresignal.workflow import concerns_handling

#: An ordinary phone's screen, in CSS pixels.
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def site(
    browser: Browser, small_copy: Callable[[], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    with demo_site(small_copy(), tmp_path_factory.mktemp("phone-store")) as made:
        yield made


def _phone(browser: Browser, site: Site) -> BrowserContext:
    context = browser.new_context(
        base_url=site.url,
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    context.set_default_timeout(PATIENCE_MS)
    return context


def _fits(page: Page) -> None:
    """Nothing on the page is wider than the phone: no sideways scrolling."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{page.url} is {wide} px wide on a {PHONE['width']} px phone"


def _required(page: Page) -> int:
    """How many fields the person must fill before the form can be sent."""
    return int(page.locator("form [required]").count())


def test_a_parent_raises_a_concern_on_a_phone_follows_it_and_reads_the_answer(
    browser: Browser, site: Site
) -> None:
    context = _phone(browser, site)
    page = context.new_page()
    page.goto("/concerns/new")
    _fits(page)
    # Two things to give (where, and what happened), one button: the rest is optional.
    assert _required(page) <= 3
    page.get_by_label("Where did it happen?").select_option(site.red.unit)
    page.get_by_label("What happened?").fill(
        "My daughter was breathing fast all night and nobody came when I pressed the buzzer."
    )
    page.get_by_role("button", name="Send your concern").tap()
    expect(page).to_have_url(re.compile(r"/concerns/submitted$"))
    _fits(page)
    reference = page.locator("#reference").inner_text()
    follow = page.locator("#follow-link").get_attribute("href") or ""
    assert follow.startswith("/concerns/follow/")

    sessions = site.app.state.caresignal.sessions
    concern = next(
        c
        for c in concerns_handling.list_concerns(sessions, actor="champion")
        if c.reference == reference
    )
    concerns_handling.acknowledge(sessions, concern.id, actor="champion", clock=CLOCK)
    answer = "We are sorry. The ward sister will call you today and the night staffing is reviewed."
    concerns_handling.reply(sessions, concern.id, answer, actor="champion", clock=CLOCK)

    page.goto(follow)
    _fits(page)
    expect(page.get_by_text(reference)).to_be_visible()
    expect(page.get_by_text(answer)).to_be_visible()
    context.close()


def test_a_parent_asks_for_an_urgent_review_on_a_phone(browser: Browser, site: Site) -> None:
    context = _phone(browser, site)
    page = context.new_page()
    page.goto("/urgent-review")
    _fits(page)
    assert _required(page) <= 5  # ward, bed or name, what worries them, a number, who they are
    ward = page.get_by_label("Which ward?")
    ward.select_option(index=1 if ward.locator("option").first.get_attribute("value") == "" else 0)
    page.get_by_label("Which bed, or the patient's name?").fill("Bed 4")
    page.get_by_label("What worries you?").fill("He is more sleepy and his lips look blue.")
    page.get_by_label("Your phone number").fill("07700 900123")
    page.locator("input[name='caller']").first.check()
    page.get_by_role("button", name="Ask for an urgent review").tap()
    expect(page.get_by_role("heading", name="Urgent review asked for")).to_be_visible()
    _fits(page)
    sessions = site.app.state.caresignal.sessions
    with sessions() as session:
        calls = urgent_store.calls(session, open_only=True)
    assert any(call.reference in page.content() for call in calls)
    context.close()
