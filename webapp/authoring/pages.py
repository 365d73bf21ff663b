"""Read the practice's own pages (About, Fees, Contact, Privacy …) from `content/pages/`.

A page is Markdown with front matter, read with the same helpers and rules as an article,
but it has no date, author or topics: it is served at `/<slug>`, listed in the header
navigation (`nav: true`, in `order`) or the footer, found by search and never shown among
articles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slugify import slugify

from webapp.authoring.front_matter import (
    display_path,
    flag,
    markdown_files,
    read_front_matter,
    required_text,
)
from webapp.authoring.rendering import html_to_text, render_markdown
from webapp.files import ContentError
from webapp.model import SLUG_PATTERN, Page, Problem

FOLDER = "pages"


PAGE_FIELDS = {"title", "summary", "nav", "order"}


# First parts of addresses the site already answers: a page there would be unreachable or
# would hide a feature. Pages are served by the last route, so these always win.
RESERVED = frozenset(
    {
        "articles", "topics", "authors", "search", "feed.xml", "sitemap.xml", "robots.txt",
        "healthz", "quick-exit", "static", "theme", "theme.css", "favicon.ico", "preview",
    }
)  # fmt: skip


def load_pages(content_dir: Path) -> tuple[dict[str, Page], list[Problem]]:
    """Read every page under `content_dir/pages`, returning the pages and their problems."""
    pages: dict[str, Page] = {}
    problems: list[Problem] = []
    for path in markdown_files(content_dir / FOLDER):
        shown = display_path(path, content_dir)
        try:
            page, unknown = read_page(path, content_dir)
        except ContentError as error:
            problems.append(Problem(shown, error.field, error.message))
            continue
        problems += [
            Problem(
                shown,
                name,
                f"is not a field pages use (known: {', '.join(sorted(PAGE_FIELDS))})",
                skipped=False,
            )
            for name in unknown
        ]
        if page.slug in pages:
            other = pages[page.slug].source
            problems.append(
                Problem(shown, None, f"duplicate slug '{page.slug}', already used by {other}")
            )
            continue
        pages[page.slug] = page
    return pages, problems


def read_page(path: Path, content_dir: Path) -> tuple[Page, list[str]]:
    """Parse and validate one page file; return it and its unknown fields, or raise
    ContentError."""
    slug = path.stem
    if not SLUG_PATTERN.match(slug):
        raise ContentError(
            "file name",
            f"'{path.name}' is not a valid slug: use lowercase letters, digits and hyphens, "
            f"for example '{slugify(slug) or 'about'}.md'",
        )
    if slug in RESERVED:
        raise ContentError(
            "file name",
            f"'{path.name}' would be served at /{slug}, which the site already uses: "
            f"rename the file (for example '{slug}-page.md')",
        )
    meta, body = read_front_matter(path, content_dir)
    body_html, toc = render_markdown(body)
    page = Page(
        slug=slug,
        title=required_text(meta, "title"),
        summary=required_text(meta, "summary"),
        body_html=body_html,
        body_text=html_to_text(body_html),
        source=display_path(path, content_dir),
        nav=flag(meta, "nav"),
        order=_order(meta),
        toc=toc,
    )
    return page, sorted(set(meta) - PAGE_FIELDS)


def _order(meta: dict[str, Any]) -> int:
    value = meta.get("order", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError("order", f"must be a whole number such as 1 or 2, not '{value}'")
    return value
