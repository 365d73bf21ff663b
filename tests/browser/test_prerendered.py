"""Pre-rendered pages in a real browser: what a production server mostly sends, since every
index command stores each article page and related panel ready to send (in brotli, with its
headers). The same checks as for live pages: banner, lazy panel, keyboard, no console
errors or CSP violations, nothing from another host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from webapp.building import prerender
from webapp.web import htmx
from webapp.web.views import articles

from .conftest import LiveServer, serve_sample_site, watched_pages

ARTICLE = "/articles/the-therapeutic-relationship"


def _prerender(app) -> None:
    report = prerender.render_pages(app)
    assert report is not None and report.rendered > 0


@pytest.fixture(scope="module")
def packed_server(tmp_path_factory, sample_index) -> Iterator[LiveServer]:
    """Serve the sample site from a generation whose pages have been pre-rendered."""
    with serve_sample_site(tmp_path_factory, sample_index, prepare=_prerender) as server:
        yield server


@pytest.fixture
def packed_page(browser, packed_server, monkeypatch):
    """A checked page on the pre-rendered site, where rendering an article page or a related
    panel on request fails: whatever the browser gets of those came from the stored pages."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered on request, not read from the pre-rendered pages")

    monkeypatch.setattr(articles, "render_template", refuse)
    monkeypatch.setattr(htmx, "render_template", refuse)
    with watched_pages(browser, packed_server) as open_page:
        page, _ = open_page(viewport={"width": 1280, "height": 800})
        yield page


def test_a_prerendered_article_works_like_a_live_one(packed_page, packed_server):
    page = packed_page
    response = page.goto(packed_server.url + ARTICLE)
    assert response.status == 200
    assert response.headers.get("content-encoding") == "br"
    expect(page.locator("body > *").first).to_contain_text("This is not an emergency service.")
    expect(page.get_by_role("heading", level=1)).to_have_text("The therapeutic relationship")
    page.locator("#related-panel").scroll_into_view_if_needed()
    panel = page.locator("#related-panel.is-loaded")
    expect(panel).to_be_visible()
    titles = panel.locator("h3 a").all_inner_texts()
    assert titles and "The therapeutic relationship" not in titles
    # The stored panel's links work from the keyboard like any other.
    first = panel.locator("h3 a").first
    first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
