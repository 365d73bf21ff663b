"""A few pages of the sample site, byte for byte as committed in tests/golden/.

A change to a template, a style hook, the content model or the renderer shows up here as a
readable diff of the page a visitor gets. When the change is meant, rewrite the files with
`make golden` (or `GOLDEN_UPDATE=1 pytest tests/test_golden.py`) and review their diff as
part of the change.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from .conftest import htmx_headers

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"
SHOWN_LINES = 40  # of a diff: enough to see what changed, not a whole page

ARTICLE = "/articles/living-with-grief"
PAGES = {
    # golden file: (path, fragment (htmx) request, status)
    "home": ("/", False, 200),
    "article": (ARTICLE, False, 200),
    "article-related-fragment": (f"{ARTICLE}/related", True, 200),
    "search-fragment": ("/search?q=grief", True, 200),
    "practice-page": ("/how-i-work", False, 200),
    "not-found": ("/articles/nothing-here", False, 404),
}


# A static file's version is a hash of its bytes: it changes with every edit to the
# stylesheet or a script, which is no change to the page, and with a checkout that converts
# line endings. A missing file's "v=missing" is left to show.
ASSET_VERSION = re.compile(r"(/static/[\w./-]+\?v=)[0-9a-f]{12}\b")


def normalise(html: str) -> str:
    """Replace what differs without the page changing, and only that.

    Nothing else does: two runs, other hash seeds, time zones and locales give the same
    bytes, and no page shows today's date or the generation's name.
    """
    return ASSET_VERSION.sub(r"\1HASH", html)


@pytest.mark.parametrize("name", PAGES)
def test_page_is_as_committed(client, name):
    path, fragment, status = PAGES[name]
    response = client.get(path, headers=htmx_headers() if fragment else {})
    assert response.status_code == status
    html = normalise(response.get_data(as_text=True))
    golden = GOLDEN / f"{name}.html"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(html, encoding="utf-8")
        return
    assert golden.is_file(), f"{golden} is missing: run 'make golden'"
    expected = golden.read_text(encoding="utf-8")
    if html != expected:
        diff = difflib.unified_diff(
            expected.splitlines(),
            html.splitlines(),
            f"tests/golden/{name}.html (committed)",
            f"{path} (rendered now)",
            lineterm="",
        )
        shown = "\n".join(list(diff)[:SHOWN_LINES])
        pytest.fail(
            f"{path} is not as committed; if the change is meant, run 'make golden' and "
            f"review the diff:\n{shown}",
            pytrace=False,
        )
