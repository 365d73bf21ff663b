"""The site in a real browser: banner, article anatomy, and nothing but our own origin."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

BANNER = "This is not an emergency service. In case of emergency call 112 or contact Samaritans"


def test_home_and_article_show_the_banner_and_its_links(page, live_server):
    page.goto(live_server.url + "/")
    banner = page.locator("body > *").first
    expect(banner).to_have_attribute("aria-label", "Emergency help")
    expect(banner).to_contain_text(BANNER)
    expect(banner.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    expect(banner.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
    expect(banner.get_by_role("link", name="Samaritans")).to_have_attribute(
        "href", "https://www.samaritans.org/"
    )
    expect(page.get_by_role("region", name="Emergency help")).to_be_visible()

    page.get_by_role("link", name="The therapeutic relationship").first.click()
    expect(page).to_have_url(live_server.url + "/articles/the-therapeutic-relationship")
    expect(page.get_by_role("heading", level=1)).to_have_text("The therapeutic relationship")
    expect(page.locator("body > *").first).to_contain_text(BANNER)
    expect(page.get_by_role("heading", name="About the author")).to_be_visible()


def test_stylesheet_and_htmx_load_from_our_origin(page, live_server):
    page.goto(live_server.url + "/articles/the-therapeutic-relationship")
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.version").startswith("2.")
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.emergency')).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


def test_not_found_page_in_full_layout(watched, live_server):
    page, watch = watched()
    watch.allow("404 (NOT FOUND)")  # Chromium logs the page's own 404 status as an error
    response = page.goto(live_server.url + "/articles/does-not-exist")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.locator("body > *").first).to_contain_text(BANNER)


def test_printing_keeps_the_article_and_the_emergency_numbers(page, live_server):
    page.goto(live_server.url + "/articles/recognising-an-unhealthy-relationship")
    page.emulate_media(media="print")
    for hidden in (
        page.get_by_role("navigation", name="Main"),
        page.get_by_role("link", name="Quick exit", exact=True),
        page.get_by_role("link", name="About quick exit"),
        page.get_by_role("heading", name="Related articles"),
        page.locator(".site-footer"),
        page.locator(".headerlink").first,
    ):
        expect(hidden).to_be_hidden()
    banner = page.get_by_role("region", name="Emergency help")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(BANNER)
    expect(banner.get_by_role("link", name="112")).to_be_visible()
    expect(banner.get_by_role("link", name="116 123")).to_be_visible()
    samaritans = banner.get_by_role("link", name="Samaritans")
    printed = samaritans.evaluate("el => getComputedStyle(el, '::after').content")
    assert "https://www.samaritans.org/" in printed  # a web address, written out on paper
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="About the author")).to_be_visible()

    page.goto(live_server.url + "/")
    page.emulate_media(media="print")
    expect(page.get_by_role("search")).to_be_hidden()
    expect(page.locator(".emergency")).to_be_visible()


def test_a_browser_that_asks_for_the_site_icon_gets_it_and_logs_no_error(browser, live_server):
    # Request routing, which every other browser test uses to block foreign hosts, also
    # stops Chromium fetching the page's icon. A visitor's browser does fetch it, and a
    # missing one shows as an error in its console: so this page is watched, not routed.
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    icons: list[int] = []
    hosts: set[str] = set()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.on("response", lambda r: icons.append(r.status) if "icon" in r.url else None)
    try:
        page.goto(live_server.url + "/")
        page.wait_for_load_state("networkidle")
        expect(page.locator('link[rel="icon"]')).to_have_attribute("type", "image/svg+xml")
        page.wait_for_timeout(500)  # the icon is fetched after the page has loaded
    finally:
        context.close()
    assert errors == []
    assert hosts == {urlsplit(live_server.url).netloc}
    assert icons and all(status == 200 for status in icons)
