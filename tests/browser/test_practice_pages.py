"""The practice's own pages and look in a real browser: the nav by keyboard, a page without
JavaScript, search finding a page, and a second theme that still passes WCAG AA."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import SAMPLE_CONTENT, SECOND_THEME, use_second_theme

from .conftest import LiveServer, serve_sample_site, watched_pages
from .pages import PAGE_TYPES, open_page
from .test_accessibility import STRUCTURE_RULES, axe_violations, describe
from .test_keyboard import tab_to

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture(scope="module")
def themed_server(tmp_path_factory, sample_index) -> Iterator[LiveServer]:
    """Serve the sample site with SECOND_THEME and its logo (a copy of the content)."""
    content = tmp_path_factory.mktemp("themed") / "content"
    shutil.copytree(SAMPLE_CONTENT, content)
    use_second_theme(content)
    with serve_sample_site(tmp_path_factory, sample_index, content_dir=content) as server:
        yield server


@pytest.fixture
def themed(browser, themed_server):
    """Return a factory for checked pages on the themed site."""
    with watched_pages(browser, themed_server) as open_page:
        yield open_page


def test_nav_pages_are_reached_and_opened_by_keyboard(watched, live_server):
    # A slow stylesheet: the page is not drawn until it arrives, and neither is a focus ring.
    live_server.delays.slow(r"style\.css", 0.5)
    page, _ = watched(viewport={"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    nav = page.get_by_role("navigation", name="Main")
    fees = nav.get_by_role("link", name="Fees", exact=True)
    tab_to(page, fees)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/fees")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fees")
    expect(nav.get_by_role("link", name="Fees", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    footer_link = page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice")
    tab_to(page, footer_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")


def test_a_page_reads_and_links_without_javascript(watched, live_server):
    page, _ = watched(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page.goto(live_server.url + "/contact")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="hello@example.org")).to_have_attribute(
        "href", "mailto:hello@example.org"
    )
    expect(main.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
    page.get_by_role("contentinfo").get_by_role("link", name="How I work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How I work")


def test_search_as_you_type_finds_a_page_and_marks_it(page, live_server):
    page.goto(live_server.url + "/search")
    page.get_by_label("Search articles").fill("cancelling a session")
    first = page.locator("#search-results li.result").first
    expect(first.locator(".kind")).to_have_text("Page")
    first.get_by_role("link", name="Fees").click()
    expect(page).to_have_url(live_server.url + "/fees")


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("width", [320, 1280])
def test_a_second_theme_passes_wcag_aa_on_every_page(themed, themed_server, width):
    page, watch = themed(viewport={"width": width, "height": 800})
    failures = []
    for kind in PAGE_TYPES:
        page.emulate_media(color_scheme="light")
        open_page(page, watch, themed_server.url, kind)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            # The theme is what the visitor sees, or this audit would prove nothing.
            banner = page.evaluate(
                "getComputedStyle(document.querySelector('.emergency')).backgroundColor"
            )
            assert banner == _rgb(SECOND_THEME[scheme]["banner_background"])
            violations = axe_violations(page, extra_rules=STRUCTURE_RULES)
            if violations:
                failures.append(f"{kind.name} ({kind.path}), {scheme}:\n{describe(violations)}")
    assert not failures, f"Accessibility problems at {width} px wide:\n" + "\n".join(failures)


def test_screenshots_of_the_sample_in_two_themes(watched, themed, live_server, themed_server):
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, factory, server in (("default", watched, live_server),
                                  ("second", themed, themed_server)):  # fmt: skip
        page, _ = factory(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.goto(server.url + "/about")
            expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("About"))
            page.screenshot(path=SCREENSHOTS / f"theme-{name}-{scheme}.png")
