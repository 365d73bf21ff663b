"""Shared fixtures, after flaskr: an `app` built on copies of content and a fresh index."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from webapp import create_app
from webapp.building import pipeline

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "content"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """Build the sample content's index once per session; tests copy it."""

    folder = tmp_path_factory.mktemp("sample-index")
    pipeline.rebuild(SAMPLE_CONTENT, folder)
    return folder


@pytest.fixture
def content_dir(tmp_path) -> Path:
    """Return a private copy of the sample content that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, target)
    return target


@pytest.fixture
def index_dir(tmp_path, sample_index) -> Path:
    """Return a private copy of the prebuilt sample index."""
    target = tmp_path / "index"
    shutil.copytree(sample_index, target, symlinks=True)
    return target


def make_app(content_dir: Path, index_dir: Path, **config):
    """Return the site in test mode on this content and index, with extra `config`."""
    return create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": str(content_dir),
            "INDEX_DIR": str(index_dir),
            "INDEX_CHECK_INTERVAL": 0,
            **config,
        }
    )


def change_site_settings(content_dir: Path, **changes) -> None:
    """Rewrite `site.yml` in a test's content copy with top-level fields replaced."""
    path = content_dir / "site.yml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings.update(changes)
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")


# A second look for the sample, different from style.css's in every colour a theme sets.
SECOND_THEME = {
    "light": {"accent": "#5b2a6e", "link": "#7a2e5a", "banner_background": "#e6f0fa",
              "banner_text": "#0b2a4a", "banner_link": "#123f8c"},
    "dark": {"accent": "#e3c6f0", "link": "#f2b6d8", "banner_background": "#10253d",
             "banner_text": "#e6f0fa", "banner_link": "#ffd48a"},
    "logo": "logo.svg",
}  # fmt: skip


def use_second_theme(content_dir: Path) -> None:
    """Give a test's content copy SECOND_THEME and its logo."""
    shutil.copy(FIXTURES / "theme_logo.svg", content_dir / "logo.svg")
    change_site_settings(content_dir, theme=SECOND_THEME)


def drop_links_to(content_dir: Path, slug: str) -> list[str]:
    """Turn every Markdown link to an article into plain text, as a maintainer does before
    removing the article; return the slugs of the articles changed."""
    link = re.compile(r"\[([^\]]*)\]\(/articles/" + re.escape(slug) + r"(?:#[^)]*)?\)")
    changed = []
    for path in sorted((content_dir / "articles").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if link.search(text):
            path.write_text(link.sub(r"\1", text), encoding="utf-8")
            changed.append(path.stem)
    return changed


@pytest.fixture
def app(content_dir, index_dir):
    """Return the site on private copies of the sample content and its index."""
    return make_app(content_dir, index_dir)


@pytest.fixture
def client(app):
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a CLI runner."""
    return app.test_cli_runner()


def htmx_headers(**extra: str) -> dict[str, str]:
    """Return the headers htmx sends with an ordinary request."""
    return {"HX-Request": "true", "HX-Current-URL": "http://localhost/", **extra}
