"""WCAG 2.2 AA, checked by axe-core in a real browser on every kind of page.

Each page is audited in light and dark colour schemes, at 320 px (a small phone, and what
1280 px looks like at 400% zoom) and at 1280 px. axe is run through `page.evaluate`, which
goes through DevTools rather than the page, so the site's strict CSP does not need loosening
to let the test's script in.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .pages import PAGE_TYPES, open_page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# axe's best-practice rules about page structure: not WCAG success criteria on their own, but
# what screen-reader users find their way by (landmarks, headings, the skip link).
STRUCTURE_RULES = [
    "region",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "page-has-heading-one",
    "heading-order",
    "skip-link",
]
# The page's top-level landmarks, in order: the emergency banner first, then the usual four.
LANDMARKS = """() => [...document.querySelectorAll(
    'body > section[aria-label], body > header, body > header nav, body > main, body > footer')]
    .map(e => [e.localName, e.getAttribute('aria-label')].filter(Boolean).join(':'))"""
EXPECTED_LANDMARKS = ["section:Emergency help", "header", "nav:Main", "main", "footer"]


@cache
def axe_source() -> str:
    """Return axe-core's source, installed by `npm ci` from package-lock.json."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (npm ci installs axe-core)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, extra_rules: list[str] = ()) -> list[dict]:
    """Run axe-core's WCAG 2.x A/AA rules (and `extra_rules`) on the page; return violations."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        """([tags, extra]) => axe.run(document, {
            runOnly: {type: 'rule', values: [...axe.getRules(tags).map(r => r.ruleId), ...extra]},
            resultTypes: ['violations'],
        })""",
        [WCAG_AA_TAGS, list(extra_rules)],
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """Return one line per violation: rule id, impact, help, and the selectors of its nodes."""
    lines = []
    for violation in violations:
        nodes = [" ".join(node["target"]) for node in violation["nodes"]]
        targets = ", ".join(nodes[:12]) + (
            f" and {len(nodes) - 12} more" if len(nodes) > 12 else ""
        )
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n    {targets}"
        )
    return "\n".join(lines)


@pytest.mark.parametrize("width", [320, 1280])
def test_every_page_passes_wcag_aa_in_light_and_dark(watched, live_server, width):
    # One browser context visits every page, and each page is audited in both schemes without
    # reloading it (emulate_media switches prefers-color-scheme in place): far quicker than a
    # fresh context and load per page and scheme.
    page, watch = watched(viewport={"width": width, "height": 800})
    failures = []
    for kind in PAGE_TYPES:
        page.emulate_media(color_scheme="light")
        open_page(page, watch, live_server.url, kind)
        landmarks = page.evaluate(LANDMARKS)
        if landmarks != EXPECTED_LANDMARKS:
            failures.append(f"{kind.name} ({kind.path}): landmarks are {landmarks}")
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            violations = axe_violations(page, extra_rules=STRUCTURE_RULES)
            if violations:
                failures.append(f"{kind.name} ({kind.path}), {scheme}:\n{describe(violations)}")
    assert not failures, f"Accessibility problems at {width} px wide:\n" + "\n".join(failures)


def test_section_links_do_not_clutter_headings(page, live_server):
    # A screen reader lists headings by name: "Trust and safety", not "Trust and safety #";
    # the self-link beside it says where it goes.
    page.goto(live_server.url + "/articles/the-therapeutic-relationship")
    heading = page.get_by_role("heading", name="Trust and safety", exact=True)
    expect(heading).to_have_attribute("id", "trust-and-safety")
    link = page.get_by_role("link", name="Link to this section: Trust and safety", exact=True)
    expect(link).to_have_attribute("href", "#trust-and-safety")
    expect(page.get_by_role("link", name="#", exact=True)).to_have_count(0)
    # Still one line to the eye: the "#" sits on the heading's last line.
    heading_box, link_box = heading.bounding_box(), link.bounding_box()
    assert heading_box and link_box
    assert link_box["x"] > heading_box["x"]
    assert (
        abs((link_box["y"] + link_box["height"]) - (heading_box["y"] + heading_box["height"]))
        < link_box["height"]
    )
