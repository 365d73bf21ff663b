"""What a screen reader announces while searching, and what it does not.

The search page has one polite status region, `#search-status`, empty on load. htmx fills it
with the count once results settle ("6 results for “anxiety”"). It is never emptied and
refilled per keystroke, and it stays the same element: screen readers announce changes to a
live region they already know, not one newly put in the page.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import results_heading

# Record every text the status region shows, and keep the element to check it is not replaced.
WATCH_STATUS = """() => {
  const region = document.getElementById('search-status');
  window.statusNode = region;
  window.statusTexts = [];
  new MutationObserver(() => window.statusTexts.push(region.textContent))
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""


# Live regions that hold the element or sit inside it: any of them would read the panel out.
LIVE_REGIONS_AROUND = """el => {
  const isLive = node => ['alert', 'status', 'log', 'marquee', 'timer']
      .includes(node.getAttribute('role')) ||
    (node.getAttribute('aria-live') || 'off') !== 'off';
  const around = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) around.push(node);
  return [...around, ...el.querySelectorAll('*')].filter(isLive)
    .map(node => node.outerHTML.slice(0, 80));
}"""


def test_status_region_announces_the_count_once_typing_stops(watched, live_server):
    page, _ = watched()
    page.goto(live_server.url + "/search")
    status = page.get_by_role("status")
    expect(status).to_have_attribute("id", "search-status")
    expect(status).to_have_text("")
    page.evaluate(WATCH_STATUS)

    # Typed at an ordinary pace (60 ms a key, well inside the 300 ms pause htmx waits for).
    page.get_by_role("searchbox", name="Search articles").press_sequentially("anxiety", delay=60)
    count = results_heading(live_server, "anxiety")  # "6 results for “anxiety”"
    expect(status).to_have_text(count)
    expect(page.get_by_role("heading", name=count)).to_be_visible()

    texts = [t for t in page.evaluate("window.statusTexts") if t.strip()]
    assert texts, "the status region never changed in place: was it replaced, not updated?"
    assert texts[-1] == count
    # One announcement for the word; at most one more if the machine stalled mid-word.
    assert len(set(texts)) <= 2, f"announced while typing: {texts}"
    assert page.evaluate("document.getElementById('search-status') === window.statusNode"), (
        "the status region was replaced, so screen readers may not announce it"
    )

    # A second search is announced in the same region.
    page.get_by_role("searchbox", name="Search articles").fill("zzzzqqq")
    expect(status).to_have_text("No results for “zzzzqqq”")
    assert page.evaluate("document.getElementById('search-status') === window.statusNode")


def test_status_region_is_empty_on_a_loaded_results_page(watched, live_server):
    # A page loaded with results says nothing until the visitor searches: the page's heading
    # already says it, and an announcement on load would talk over the page title.
    page, _ = watched()
    page.goto(live_server.url + "/search?q=anxiety")
    expect(
        page.get_by_role("heading", name=results_heading(live_server, "anxiety"))
    ).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("")


def test_results_are_marked_busy_while_a_search_runs(watched, live_server):
    page, _ = watched()
    page.goto(live_server.url + "/search")
    live_server.delays.slow("q=", 1.0)
    results = page.locator("#search-results")
    expect(results).not_to_have_attribute("aria-busy", "true")

    page.get_by_role("searchbox", name="Search articles").fill("grief")
    expect(results).to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("status")).to_have_text("")  # nothing said until results settle
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\d+ results? for “grief”$"))
    expect(results).not_to_have_attribute("aria-busy", "true")


def test_related_panel_arrives_without_an_announcement(watched, live_server):
    page, _ = watched()
    page.goto(live_server.url + "/articles/the-therapeutic-relationship")
    panel = page.locator("#related-panel")
    panel.scroll_into_view_if_needed()
    expect(panel).to_have_class(re.compile(r"\bis-loaded\b"))
    expect(panel.get_by_role("link").first).to_be_visible()
    live = panel.evaluate(LIVE_REGIONS_AROUND)
    assert not live, f"the related panel is announced on arrival: {live}"
