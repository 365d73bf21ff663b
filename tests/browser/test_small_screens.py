"""Small screens, large text and reduced motion: nothing scrolls sideways, nothing overlaps.

Conditions, the first two from WCAG 2.2, the third the hardest case a visitor really has:
- 320 CSS px wide (1.4.10 Reflow: what a 1280 px window shows at 400% zoom).
- Text at 200% (1.4.4 Resize Text) on a 1280 px window. We double the browser's default font
  size through DevTools (`Page.setFontSizes`), which is what a visitor does in the browser's
  settings: every `rem` doubles *and* `rem` media queries see the larger text, exactly as for
  them. Setting `font-size: 200%` on <html> from script would double the text but leave the
  media queries as they were, a layout no visitor ever gets.
- Text at 200% on a 390 px phone (large text set in the phone's browser).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .pages import PAGE_TYPES, open_page

CHROMIUM_DEFAULT_FONT_SIZE = 16

# Boxes of the page's big blocks and of everything a visitor can click or tap, measured per
# line (getClientRects), so a link that wraps onto two lines is two boxes, not one big one.
LAYOUT = """() => {
  const fragments = el => [...el.getClientRects()]
    .filter(r => r.width > 0 && r.height > 0)
    .map(r => ({x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}));
  const describe = el => el.localName + (el.id ? '#' + el.id : '') +
    ' "' + (el.textContent || el.value || '').trim().slice(0, 40) + '"';
  const blocks = ['.emergency', '.site-header', 'main', '.site-footer'].map(selector => {
    const el = document.querySelector(selector);
    return {name: selector, boxes: fragments(el)};
  });
  const controls = [...document.querySelectorAll('a[href], button, input, select, textarea')]
    .filter(el => el.checkVisibility())
    .map(el => ({name: describe(el), boxes: fragments(el)}));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    blocks,
    controls,
  };
}"""


def overlapping(things: list[dict], tolerance: float = 0.5) -> list[str]:
    """Return the pairs of named things whose boxes overlap by more than `tolerance` px."""

    def overlap(a: dict, b: dict) -> bool:
        return (
            min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > tolerance
            and min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > tolerance
        )

    found = []
    for i, first in enumerate(things):
        for second in things[i + 1 :]:
            if any(overlap(a, b) for a in first["boxes"] for b in second["boxes"]):
                found.append(f"{first['name']} overlaps {second['name']}")
    return found


def layout_problems(page) -> list[str]:
    """Return what is wrong with the page's layout as a visitor would see it."""
    layout = page.evaluate(LAYOUT)
    problems = []
    if layout["scrollWidth"] > layout["innerWidth"]:
        problems.append(
            f"scrolls sideways: {layout['scrollWidth']} px of content "
            f"in a {layout['innerWidth']} px window"
        )
    problems += overlapping(layout["blocks"])
    problems += overlapping(layout["controls"])
    return problems


CONDITIONS = {
    "320px": {"width": 320, "text_zoom": 1},
    "200%-text": {"width": 1280, "text_zoom": 2},
    "390px-200%-text": {"width": 390, "text_zoom": 2},
}


@pytest.mark.parametrize("condition", CONDITIONS)
def test_no_sideways_scroll_or_overlap(watched, live_server, condition):
    width, zoom = CONDITIONS[condition]["width"], CONDITIONS[condition]["text_zoom"]
    page, watch = watched(viewport={"width": width, "height": 800})
    if zoom != 1:
        cdp = page.context.new_cdp_session(page)
        cdp.send(
            "Page.setFontSizes",
            {"fontSizes": {"standard": CHROMIUM_DEFAULT_FONT_SIZE * zoom, "fixed": 13 * zoom}},
        )
    failures = []
    for kind in PAGE_TYPES:
        open_page(page, watch, live_server.url, kind)
        root_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert root_size == CHROMIUM_DEFAULT_FONT_SIZE * zoom, "text size was not applied"
        failures += [f"{kind.name}: {problem}" for problem in layout_problems(page)]
    assert not failures, f"At {condition}:\n" + "\n".join(failures)


def test_reduced_motion_turns_transitions_off(watched, live_server):
    page, _ = watched(reduced_motion="reduce")
    page.goto(live_server.url + "/articles/the-therapeutic-relationship")
    indicator = page.locator(".htmx-indicator").first
    expect(indicator).to_have_css("transition-duration", "0s")

    # Without the preference the indicator fades, so the check above is not trivially true.
    page, _ = watched(reduced_motion="no-preference")
    page.goto(live_server.url + "/articles/the-therapeutic-relationship")
    expect(page.locator(".htmx-indicator").first).to_have_css("transition-duration", "0.2s")


@pytest.mark.parametrize("width", [390, 1280])
def test_related_panel_arrives_without_making_the_page_jump(watched, live_server, width):
    # The placeholder reserves about the room its related articles take, so when the panel
    # arrives what follows it (the footer) barely moves. Measured on the sample article,
    # which has the usual four.
    page, _ = watched(viewport={"width": width, "height": 800})
    held = []  # keep the panel's response back until the placeholder has been measured
    page.route("**/related", lambda route: held.append(route))
    page.goto(live_server.url + "/articles/the-therapeutic-relationship")
    panel, footer = page.locator("#related-panel"), page.locator(".site-footer")
    panel.scroll_into_view_if_needed()
    expect(panel).to_have_attribute("aria-busy", "true")
    reserved = panel.evaluate("el => el.offsetHeight")
    footer_before = footer.evaluate("el => el.offsetTop")
    held[0].fallback()
    expect(panel).to_have_class(re.compile(r"\bis-loaded\b"))
    expect(panel.locator(".related-list > li")).to_have_count(4)
    moved = footer.evaluate("el => el.offsetTop") - footer_before
    assert abs(moved) <= 0.15 * reserved, (
        f"the page jumped {moved} px when the related panel arrived ({reserved} px reserved)"
    )
