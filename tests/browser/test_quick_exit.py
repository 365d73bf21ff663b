"""Quick exit in a real browser: the button, Shift three times, no JavaScript, and where it is.

The neutral site is never really visited: each test answers its URL itself with `page.route`
and tells the watch to expect that one navigation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.conftest import ROOT

ARTICLE = "/articles/recognising-an-unhealthy-relationship"
ORDINARY_ARTICLE = "/articles/living-with-grief"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NEUTRAL_BODY = "<!doctype html><title>Weather</title><p>Neutral page</p>"


@pytest.fixture
def neutral_url(live_server) -> str:
    """Return the quick-exit address from the site settings the live server uses."""
    return live_server.app.extensions["site_settings"]["quick_exit"]["url"]


def answer_neutral(page: Page, watch, url: str, status: int = 200) -> list[str]:
    """Expect a navigation to `url` and answer it here; return the list of URLs answered."""
    watch.expect_navigation_to(url)
    answered: list[str] = []

    def handle(route: Route) -> None:
        answered.append(route.request.url)
        if status == 204:
            route.fulfill(status=204)
        else:
            route.fulfill(status=status, content_type="text/html", body=NEUTRAL_BODY)

    page.route(url, handle)
    return answered


def test_button_leaves_for_the_neutral_site_and_back_skips_the_article(
    watched, live_server, neutral_url
):
    page, watch = watched()
    answer_neutral(page, watch, neutral_url)
    page.goto(live_server.url + "/")
    page.goto(live_server.url + ARTICLE)
    page.get_by_role("link", name="Quick exit", exact=True).click()
    expect(page).to_have_url(neutral_url)
    expect(page.get_by_text("Neutral page")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(live_server.url + "/")  # the article was replaced, not kept


def test_button_hides_the_page_before_the_neutral_site_arrives(watched, live_server, neutral_url):
    page, watch = watched()
    # A 204 answer cancels the navigation, so the browser keeps this document and we see what
    # the visitor sees while the neutral site loads.
    answered = answer_neutral(page, watch, neutral_url, status=204)
    page.goto(live_server.url + ARTICLE)
    page.get_by_role("link", name="Quick exit", exact=True).click()
    expect(page.locator("body")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_hidden()
    expect(page).to_have_title("")
    assert answered == [neutral_url]


def test_shift_three_times_leaves_but_typing_capitals_does_not(watched, live_server, neutral_url):
    page, watch = watched()
    answer_neutral(page, watch, neutral_url)
    page.goto(live_server.url + ARTICLE)

    # Shift, Shift, a letter, Shift, Shift: someone typing, not asking to leave.
    for key in ("Shift", "Shift", "KeyA", "Shift", "Shift"):
        page.keyboard.press(key)
    assert page.evaluate("document.body.hidden") is False
    expect(page).to_have_url(live_server.url + ARTICLE)

    page.keyboard.press("Shift")  # the third in a row
    expect(page).to_have_url(neutral_url)


def test_without_javascript_the_button_is_a_plain_link(watched, live_server, neutral_url):
    page, watch = watched(java_script_enabled=False)
    answer_neutral(page, watch, neutral_url)
    page.goto(live_server.url + ARTICLE)
    button = page.get_by_role("link", name="Quick exit", exact=True)
    expect(button).to_have_attribute("href", neutral_url)
    expect(button).to_have_attribute("rel", "noopener noreferrer")
    expect(page.get_by_role("link", name="About quick exit")).to_have_attribute(
        "href", "/quick-exit"
    )
    button.click()
    expect(page).to_have_url(neutral_url)


@pytest.mark.parametrize("path", ["/", ORDINARY_ARTICLE])
def test_no_quick_exit_where_it_is_not_turned_on(page, live_server, path):
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Quick exit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="About quick exit")).to_have_count(0)
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(page).to_have_url(live_server.url + path)


def test_keyboard_reaches_the_button_early_with_a_visible_focus(watched, live_server, neutral_url):
    page, watch = watched()
    answer_neutral(page, watch, neutral_url)
    page.goto(live_server.url + ARTICLE)
    button = page.get_by_role("link", name="Quick exit", exact=True)
    for _ in range(6):  # three banner links and the skip link come first
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    expect(button).to_be_focused()
    outline = button.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and float(outline[1].removesuffix("px")) >= 2
    page.keyboard.press("Enter")
    expect(page).to_have_url(neutral_url)


def test_at_320px_the_button_covers_nothing_and_stays_in_reach(watched, live_server):
    page, _ = watched(viewport={"width": 320, "height": 640})
    page.goto(live_server.url + ARTICLE)
    banner = page.locator(".emergency").bounding_box()
    bar = page.locator(".quick-exit-bar").bounding_box()
    button = page.get_by_role("link", name="Quick exit", exact=True).bounding_box()
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert bar["y"] >= banner["y"] + banner["height"]
    assert heading["y"] >= bar["y"] + bar["height"]
    assert button["x"] >= 0 and button["x"] + button["width"] <= 320
    assert button["height"] >= 24
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    # Reading on: the button stays on screen, and a contents link's heading is not under it.
    page.get_by_role("navigation", name="On this page").get_by_role("link").last.click()
    expect(page.get_by_role("link", name="Quick exit", exact=True)).to_be_in_viewport()
    target = page.evaluate("location.hash")
    section = page.locator(target).bounding_box()
    bar = page.locator(".quick-exit-bar").bounding_box()
    assert section["y"] >= bar["y"] + bar["height"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_button_passes_axe_colour_contrast_and_wcag_checks(watched, live_server, scheme):
    page, _ = watched(color_scheme=scheme)
    page.goto(live_server.url + ARTICLE)
    # Evaluated through the browser's devtools channel, so the page's CSP is not loosened.
    page.evaluate(Path(AXE).read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run('.quick-exit-bar', {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    assert [v["id"] for v in result["violations"]] == []
    assert "color-contrast" in [p["id"] for p in result["passes"]]
