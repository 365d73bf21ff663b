"""The site with a keyboard only: every step by Tab and Enter, focus always visible and never
dropped back to <body> when htmx swaps part of the page.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import results_heading

ARTICLE = "/articles/the-therapeutic-relationship"

# What the visitor sees focused: the element, whether it is <body>, and whether it shows a
# focus ring (an outline that is drawn: not `none`, at least 2px wide).
FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    body: !el || el === document.body,
    name: el ? el.localName + (el.id ? '#' + el.id : '') + ' "' +
      (el.textContent || el.value || '').trim().slice(0, 50) + '"' : 'nothing',
    ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def focus(page: Page) -> dict:
    """Describe the focused element as a visitor sees it."""
    return page.evaluate(FOCUS)


def assert_focus_visible(page: Page, before: str = "") -> dict:
    """Fail unless something other than <body> has focus and shows a focus ring."""
    now = focus(page)
    assert not now["body"], f"focus was lost to <body>{before}"
    assert now["ring"], f"focus is not visible on {now['name']}"
    return now


def tab_to(page: Page, target, limit: int = 80) -> None:
    """Press Tab until `target` has focus, checking the focus ring at every stop."""
    # A visitor sees nothing, focus ring included, until the stylesheet has arrived; after a
    # link was followed by keyboard, judge the ring only once the page is drawn.
    page.wait_for_load_state("load")
    visited = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        visited.append(assert_focus_visible(page, f" after {visited[-3:]}")["name"])
        # evaluate_all does not wait for `target` to exist: it may arrive only later (the panel).
        if target.evaluate_all("els => els.includes(document.activeElement)"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def test_tab_reaches_the_emergency_banner_first_then_the_skip_link(watched, live_server):
    page, _ = watched(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    banner = page.get_by_role("region", name="Emergency help")
    for name in ("112", "Samaritans", "116 123"):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        expect(banner.get_by_role("link", name=name)).to_be_focused()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_focus_visible(page)
    skip_box, banner_box = skip.bounding_box(), banner.bounding_box()
    assert skip_box and banner_box
    assert skip_box["y"] >= banner_box["y"] + banner_box["height"], "skip link covers the banner"

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is the first thing in the main content
    expect(page.locator("main").get_by_role("searchbox")).to_be_focused()
    assert_focus_visible(page)


def test_search_read_and_follow_related_articles_by_keyboard(watched, live_server):
    page, _ = watched(viewport={"width": 1280, "height": 800})
    page.goto(live_server.url + "/")

    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Search"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/search")

    box = page.get_by_role("searchbox", name="Search articles")
    tab_to(page, box)
    page.keyboard.type("anxiety")
    expect(
        page.get_by_role("heading", name=results_heading(live_server, "anxiety"))
    ).to_be_visible()
    expect(box).to_be_focused()  # results arrived; typing was not interrupted
    expect(page).to_have_url(live_server.url + "/search?q=anxiety")

    result = page.locator("#search-results").get_by_role("link", name="Understanding anxiety")
    tab_to(page, result)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/articles/understanding-anxiety")
    expect(page.get_by_role("heading", level=1)).to_have_text("Understanding anxiety")

    # Tab down the article to the related panel (its placeholder's link, or its first link if
    # it has already arrived). It loads as it scrolls into view; the test waits for it there,
    # as a visitor would: Tab from the placeholder's link, the last link on the page while the
    # panel is on its way, would leave the page for the browser's toolbar.
    panel = page.locator("#related-panel")
    tab_to(page, panel.get_by_role("link").first, limit=120)
    expect(panel).to_have_class(re.compile(r"\bis-loaded\b"))
    first_related = panel.locator(".related-list a").first
    if not first_related.evaluate("el => el === document.activeElement"):
        tab_to(page, first_related, limit=2)
    title = first_related.inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_related_panel_arriving_under_the_keyboard_keeps_focus(watched, live_server):
    page, _ = watched(viewport={"width": 1280, "height": 800})
    # Hold the panel's response until the visitor is on the placeholder's link, which the
    # arriving panel replaces.
    held = []
    page.route("**/related", lambda route: held.append(route))
    page.goto(live_server.url + ARTICLE)
    fallback = page.get_by_role(
        "link", name="See articles related to “The therapeutic relationship”"
    )
    tab_to(page, fallback, limit=120)
    panel = page.locator("#related-panel")
    expect(panel).to_have_attribute("aria-busy", "true")  # its request is on its way
    assert len(held) == 1
    held[0].fallback()

    expect(panel).to_have_class(re.compile(r"\bis-loaded\b"))
    expect(panel).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Tab")
    expect(panel.locator(".related-list a").first).to_be_focused()


def test_results_pages_by_keyboard_keep_focus_on_the_results(watched, live_server):
    page, _ = watched(viewport={"width": 1280, "height": 800})
    page.goto(live_server.url + "/search")
    box = page.get_by_role("searchbox", name="Search articles")
    tab_to(page, box)
    page.keyboard.type("help")  # in every sample article and a page: two pages of 10
    heading = page.get_by_role("heading", name=results_heading(live_server, "help"))
    expect(heading).to_be_visible()

    next_page = page.get_by_role("navigation", name="Search results pages").get_by_role(
        "link", name="Next page"
    )
    tab_to(page, next_page)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/search?q=help&page=2")
    expect(heading).to_be_focused()
    assert_focus_visible(page)

    # The next Tab goes on into the new page of results, not back to the top of the page.
    page.keyboard.press("Tab")
    expect(page.locator("#search-results .results a").first).to_be_focused()
