"""Pictures of every kind of page, for people to look at, in the git-ignored `screenshots/`.

They are how a reviewer checks that pages are calm and readable without running the site:
`<page>-<width>.png` in the light scheme and `<page>-<width>-dark.png` in the dark one. The
test also checks what every picture must show: the emergency banner on top, across the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .pages import PAGE_TYPES, open_page

pytestmark = pytest.mark.screenshots  # run by `make screenshots`, not by `make test`

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SIZES = [(390, 844), (1280, 800)]  # a common phone, and a laptop
# A whole-page picture of the article shows its related panel loaded; one taken while the
# panel loads ("article-top") would differ from run to run.
PICTURED = [kind for kind in PAGE_TYPES if kind.name != "article-top"]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_screenshots_of_every_page(watched, live_server, width, height):
    SCREENSHOTS.mkdir(exist_ok=True)
    page, watch = watched(viewport={"width": width, "height": height}, reduced_motion="reduce")
    for kind in PICTURED:
        page.emulate_media(color_scheme="light")
        open_page(page, watch, live_server.url, kind)
        banner = page.get_by_role("region", name="Emergency help")
        expect(banner).to_be_visible()
        top, banner_width = banner.evaluate(
            "el => [el.getBoundingClientRect().top + window.scrollY, el.offsetWidth]"
        )
        assert (top, banner_width) == (0, width), f"{kind.name}: banner is not on top"
        # Both schemes from one load: emulate_media switches prefers-color-scheme in place.
        for scheme, suffix in (("light", ""), ("dark", "-dark")):
            page.emulate_media(color_scheme=scheme)
            path = SCREENSHOTS / f"{kind.name}-{width}{suffix}.png"
            page.screenshot(path=path, full_page=True)
            assert path.stat().st_size > 0
