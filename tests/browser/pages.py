"""Every kind of page a visitor meets, and how to open one until it is ready to look at.

Shared by the accessibility audit, the zoom checks and the screenshots, so all three look at
the same pages in the same state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect

ARTICLE = "/articles/the-therapeutic-relationship"


@dataclass(frozen=True)
class PageType:
    """One kind of page: a short name (used in screenshot file names) and where it lives."""

    name: str
    path: str
    status: int = 200
    # Scroll the lazily loaded related panel into view and wait until it has arrived.
    with_related: bool = False

    def __str__(self) -> str:
        return self.name


PAGE_TYPES = [
    PageType("home", "/"),
    PageType("article-top", ARTICLE),  # as it loads, the related panel not yet in view
    PageType("article", ARTICLE, with_related=True),
    PageType("related", f"{ARTICLE}/related"),
    PageType("search-results", "/search?q=anxiety"),
    PageType("search-none", "/search?q=zzzzqqq"),
    PageType("search-crisis", "/search?q=suicide"),
    PageType("topics", "/topics"),
    PageType("topic", "/topics/anxiety"),
    PageType("author", "/authors/sam-example"),
    PageType("page", "/fees"),  # one of the practice's own pages
    PageType("not-found", "/no-such-page", status=404),
]


def open_page(page: Page, watch, base_url: str, kind: PageType) -> None:
    """Load a page and wait until everything a visitor would see has arrived."""
    if kind.status == 404:
        watch.allow("404 (NOT FOUND)")  # Chromium logs the page's own 404 status as an error
    response = page.goto(base_url + kind.path)
    assert response is not None and response.status == kind.status
    if kind.with_related:
        panel = page.locator("#related-panel")
        panel.scroll_into_view_if_needed()
        expect(panel).to_have_class(re.compile(r"\bis-loaded\b"))
