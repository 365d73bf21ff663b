"""The writer's preview, in a real browser: drafts shown, pages reload on save, problems shown
in the page, and the published site untouched."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import expect

from webapp import create_app
from webapp.building.pipeline import rebuild
from webapp.generation.folder import current_generation

from ..conftest import ROOT, SAMPLE_CONTENT
from ..test_privacy import PREVIEW, serving
from .conftest import Delays, LiveServer, watched_pages

DRAFT = "draft-coming-soon-working-with-couples"
SCREENSHOTS = ROOT / "screenshots"


@contextlib.contextmanager
def preview(content_dir: Path, index_dir: Path, log: Path) -> Iterator[str]:
    """Run `flask --app wsgi content preview` on the folders; yield its address."""
    env = {**os.environ, "PORT": "0", "FLASK_CONTENT_DIR": str(content_dir),
           "FLASK_INDEX_DIR": str(index_dir)}  # fmt: skip
    with serving(PREVIEW, env, log) as (port, _):
        yield f"http://127.0.0.1:{port}"


def listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def test_a_draft_in_the_preview_reloads_on_save_shows_problems_and_recovers(browser, tmp_path):
    content_dir, index_dir = tmp_path / "content", tmp_path / "index"
    shutil.copytree(SAMPLE_CONTENT, content_dir)
    rebuild(content_dir, index_dir)  # the published site's index, which must stay as it is
    published = listing(index_dir)
    draft = content_dir / "articles" / f"{DRAFT}.md"
    original = draft.read_text(encoding="utf-8")

    with preview(content_dir, index_dir, tmp_path / "preview.log") as url:
        server = LiveServer(url, Delays(), None)
        with watched_pages(browser, server) as open_page:
            page, _ = open_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{url}/")
            expect(page.locator("#drafts-heading")).to_be_visible()
            page.goto(f"{url}/articles/{DRAFT}")
            expect(page.locator(".draft-notice")).to_contain_text("Draft — not published")
            expect(page.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
            expect(page.locator(".emergency")).to_contain_text("This is not an emergency service")

            # Saved with a new title: the open page reloads by itself and shows it.
            draft.write_text(original.replace("title:", "title: Edited -", 1), encoding="utf-8")
            expect(page.locator("h1")).to_contain_text("Edited -", timeout=15_000)

            # Broken front matter: the page shows the problem, naming the file.
            draft.write_text(original.replace("title:", "title: [unclosed", 1), encoding="utf-8")
            problems = page.locator(".preview-problems")
            expect(problems).to_contain_text(f"{DRAFT}.md", timeout=15_000)
            expect(problems).to_contain_text("not valid YAML")
            expect(page.locator(".emergency")).to_be_visible()
            SCREENSHOTS.mkdir(exist_ok=True)  # for people to look at; the README shows one
            page.screenshot(path=SCREENSHOTS / "preview-problem-1280.png", full_page=True)

            # Fixed: the page recovers with the article.
            draft.write_text(original, encoding="utf-8")
            expect(page.locator(".draft-notice")).to_be_visible(timeout=15_000)
            expect(problems).to_have_count(0)

    assert listing(index_dir) == published  # the published index was never written
    site = create_app({"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir)})
    assert site.test_client().get(f"/articles/{DRAFT}").status_code == 404
    assert current_generation(index_dir) == published_generation(published)


def published_generation(listed: list[tuple[str, int]]) -> str:
    return next(name for name, _ in listed if "/" not in name and name.startswith("gen-"))
