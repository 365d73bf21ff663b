"""Search in a real browser: as you type, under slow responses, Back, and without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import expect

BANNER = "This is not an emergency service."


def open_search(page, live_server):
    page.goto(live_server.url + "/search")
    box = page.get_by_role("searchbox", name="Search articles")
    expect(box).to_be_visible()
    return box


def test_typing_letter_by_letter_shows_results_and_updates_the_url(page, live_server):
    box = open_search(page, live_server)
    box.press_sequentially("relat", delay=60)
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="The therapeutic relationship")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/search\?q=relat$"))
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^\d+ results? for “relat”$"))
    expect(box).to_be_focused()  # typing never moves focus
    assert page.evaluate("history.length") <= 2  # URL replaced, not pushed per keystroke


def test_fast_typing_on_a_slow_server_never_leaves_stale_results(watched, live_server):
    # The first query's answer is held back; the second overtakes it. The stale answer must
    # never replace the newer results.
    live_server.delays.slow(r"q=sleep(&|$)", 1.5)
    page, watch = watched()
    # htmx 2 reports the request it cancels (hx-sync "replace") with console.error; here that
    # cancellation is the behaviour under test, so exactly those two messages are expected.
    watch.allow("htmx:sendAbort")
    watch.allow("htmx:afterRequest")
    box = open_search(page, live_server)
    with page.expect_request(re.compile(r"q=sleep$")):
        box.fill("sleep")
    box.fill("grief")
    heading = page.locator("#search-results .result-count")
    expect(heading).to_have_text(re.compile(r"for “grief”"))
    live_server.delays.wait_until_finished(r"q=sleep(&|$)")
    page.evaluate("fetch('/healthz').then(r => r.text())")  # one more round trip
    expect(heading).to_have_text(re.compile(r"for “grief”"))
    expect(page).to_have_url(re.compile(r"q=grief$"))


def test_enter_submits_and_back_returns_a_full_styled_page(page, live_server):
    box = open_search(page, live_server)
    box.fill("grief")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"q=grief$"))
    first = page.locator("#search-results .result h3 a").first
    expect(first).to_be_visible()
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/search\?q=grief$"))
    expect(page.locator("body > *").first).to_contain_text(BANNER)
    expect(page.get_by_role("searchbox", name="Search articles")).to_have_value("grief")
    expect(page.locator("#search-results .result").first).to_be_visible()
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.emergency')).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


def test_search_works_without_javascript(watched, live_server):
    page, _ = watched(java_script_enabled=False)
    page.goto(live_server.url + "/")
    box = page.get_by_role("searchbox", name="Search articles")
    box.fill("counseling")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=counseling$"))
    expect(page.get_by_role("link", name=re.compile("counsellor", re.I)).first).to_be_visible()
    expect(page.locator("body > *").first).to_contain_text(BANNER)


def test_crisis_search_shows_support_first(page, live_server):
    box = open_search(page, live_server)
    box.press_sequentially("self harm", delay=40)
    panel = page.locator("#search-results > .crisis")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
    first_child = page.locator("#search-results > *").first
    expect(first_child).to_have_class("crisis")


def test_failed_search_request_shows_a_message(watched, live_server):
    page, watch = watched()
    watch.allow("500 (INTERNAL SERVER ERROR)")  # the failure this test causes
    watch.allow("Response Status Error Code 500")  # htmx reporting that failure
    live_server.delays.fail(r"q=broken")
    box = open_search(page, live_server)
    box.fill("broken")
    expect(page.locator("#search-results")).to_contain_text("Search could not reach the site")
