"""A visit to every kind of page: nothing is fetched from anywhere but the site itself, and
the Content-Security-Policy never has to block anything."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

ARTICLE = "/articles/the-therapeutic-relationship"

# Records every CSP violation the page reports, before any of the page's own scripts run.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_every_page_type_uses_only_our_origin_and_breaks_no_policy(watched, live_server):
    page, watch = watched(viewport={"width": 1280, "height": 800})
    watch.allow("404 (NOT FOUND)")  # Chromium logs the 404 page's own status as an error
    page.add_init_script(RECORD_VIOLATIONS)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    origin = live_server.url
    visited = []

    def visit(path: str, status: int = 200) -> None:
        response = page.goto(origin + path)
        assert response.status == status, path
        expect(page.locator("body > *").first).to_contain_text("not an emergency service")
        visited.append(path)

    visit("/")
    visit(ARTICLE)
    page.locator("#related-panel").scroll_into_view_if_needed()
    expect(page.locator("#related-panel.is-loaded")).to_be_visible()
    expect(page.locator("#related-panel .related-list a").first).to_be_visible()
    assert page.evaluate("window.__violations") == []

    visit("/search?q=grief")
    expect(page.locator(".result").first).to_be_visible()
    page.get_by_role("searchbox").fill("anxiety")  # as-you-type: an htmx request
    expect(page.locator(".result-count")).to_contain_text("for “anxiety”")
    assert page.evaluate("window.__violations") == []

    visit("/search?q=I+want+to+die")
    expect(page.locator(".crisis")).to_be_visible()
    for path in ("/topics", "/topics/relationships", "/authors/sam-example", f"{ARTICLE}/related"):
        visit(path)
        assert page.evaluate("window.__violations") == [], path
    visit("/articles/does-not-exist", status=404)
    assert page.evaluate("window.__violations") == []

    # Every request of the crawl, from pages to scripts, styles and fragments, stayed home.
    assert requested, "the crawl requested nothing"
    foreign = [url for url in requested if urlsplit(url)[:2] != urlsplit(origin)[:2]]
    assert foreign == []
    paths = {urlsplit(url).path for url in requested}
    assert {
        "/static/style.css",
        "/static/site.js",
        "/static/vendor/htmx.min.js",
        f"{ARTICLE}/related",
        "/search",
    } <= paths
    assert set(visited) - {"/search?q=grief", "/search?q=I+want+to+die"} <= paths
    assert watch.foreign_requests == []
