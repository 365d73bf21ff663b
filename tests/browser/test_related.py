"""The related-articles panel in a real browser: lazy, once, steady, and never stuck."""

from __future__ import annotations

from playwright.sync_api import expect

ARTICLE = "/articles/the-therapeutic-relationship"


def panel_requests(page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.url.endswith("/related") else None)
    return requests


def test_panel_loads_once_when_scrolled_into_view(page, live_server):
    requests = panel_requests(page)
    page.goto(live_server.url + ARTICLE)
    page.wait_for_load_state("networkidle")
    assert requests == []  # nothing fetched while the panel is out of sight
    page.locator("#related-panel").scroll_into_view_if_needed()
    loaded = page.locator("#related-panel.is-loaded")
    expect(loaded).to_be_visible()
    links = loaded.get_by_role("link")
    expect(links.first).to_be_visible()
    titles = loaded.locator("h3 a").all_inner_texts()
    assert titles and "The therapeutic relationship" not in titles
    page.evaluate("window.scrollTo(0, 0)")
    loaded.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    assert len(requests) == 1


def test_panel_keeps_its_height_when_it_fills(page, live_server):
    page.goto(live_server.url + ARTICLE)
    placeholder = page.locator("#related-panel")
    before = placeholder.bounding_box()["height"]
    placeholder.scroll_into_view_if_needed()
    expect(page.locator("#related-panel.is-loaded")).to_be_visible()
    after = page.locator("#related-panel").bounding_box()["height"]
    assert after == before, f"the panel jumped from {before}px to {after}px"


def test_without_javascript_the_link_opens_the_related_page(watched, live_server):
    # A phone's width, where summaries take more lines than the panel's two.
    page, _ = watched(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page.goto(live_server.url + ARTICLE)
    page.get_by_role("link", name="See articles related to “The therapeutic relationship”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Related to: The therapeutic relationship"
    )
    expect(page.locator(".related-list li").first).to_be_visible()
    # Loaded whole, the page reserves no empty space and cuts no summary short.
    empty_below = page.eval_on_selector_all(
        ".related-list > li",
        """items => items.map(item => item.getBoundingClientRect().bottom
                                      - item.lastElementChild.getBoundingClientRect().bottom)""",
    )
    assert empty_below and max(empty_below) <= 20, empty_below  # the 1rem padding, no more
    cut_short = page.eval_on_selector_all(
        ".related-list .standfirst",
        "all => all.filter(p => p.scrollHeight > p.clientHeight + 1).length",
    )
    assert cut_short == 0


def test_failing_panel_shows_a_friendly_message(watched, live_server):
    page, watch = watched()
    watch.allow("500 (INTERNAL SERVER ERROR)")  # the failure this test causes
    watch.allow("Response Status Error Code 500")  # htmx reporting that failure
    live_server.delays.fail(r"/related")
    page.goto(live_server.url + ARTICLE)
    page.locator("#related-panel").scroll_into_view_if_needed()
    message = page.locator("#related-panel .panel-error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("could not be loaded")
    expect(page.locator("#related-panel .loading")).to_be_hidden()


def test_each_item_says_why_it_is_there_with_javascript(page, live_server):
    page.goto(live_server.url + "/articles/stress-and-burnout-at-work")
    page.locator("#related-panel").scroll_into_view_if_needed()
    items = page.locator("#related-panel.is-loaded .related-list > li")
    expect(items.first).to_be_visible()
    expect(items.first.locator(".related-reason")).to_have_text("Linked in this article")
    reasons = items.locator(".related-reason")
    expect(reasons).to_have_count(items.count())
    for reason in reasons.all():
        expect(reason).to_be_visible()


def test_each_item_says_why_it_is_there_without_javascript(watched, live_server):
    page, _ = watched(java_script_enabled=False)
    page.goto(live_server.url + "/articles/stress-and-burnout-at-work/related")
    items = page.locator(".related-list > li")
    expect(items.first.locator(".related-reason")).to_have_text("Linked in this article")
    expect(items.locator(".related-reason")).to_have_count(items.count())
