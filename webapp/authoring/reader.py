"""Read and validate the maintainers' Markdown: articles, authors and their front matter.

It turns `content/` into a `Library` of plain objects with HTML rendered once, plus a list
of `Problem`s that name the file, the field and what is wrong. A bad file is skipped and
reported; it never stops the rest from loading. No Flask or Whoosh here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
from collections.abc import Callable, Container, Iterable
from concurrent.futures import Executor
from importlib import metadata
from itertools import repeat
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from slugify import slugify

from webapp import files, model
from webapp.authoring import front_matter, rendering
from webapp.authoring.front_matter import (
    date_field,
    display_path,
    flag,
    markdown_files,
    optional_text,
    read_front_matter,
    required_text,
    resources_field,
    topics_field,
)
from webapp.authoring.rendering import article_link_spans, html_to_text, render_markdown
from webapp.files import ContentError, excerpt, load_yaml, quoted, read_file
from webapp.model import SLUG_PATTERN, Article, Author, Library, Problem

WORDS_PER_MINUTE = 200


# What an Article read from given bytes depends on besides those bytes: the modules that read
# and render it, and the libraries they call (by distribution name). A build reuses earlier
# Articles only when RENDER_VERSION is unchanged; tests/test_content.py checks that these two
# lists follow the modules' imports.
RENDERING_MODULES = (__file__, rendering.__file__, front_matter.__file__, files.__file__,
                     model.__file__)  # fmt: skip
RENDERING_LIBRARIES = ("Markdown", "nh3", "PyYAML", "python-frontmatter", "python-slugify")
RENDER_VERSION = hashlib.sha256(
    b"".join(Path(module).read_bytes() for module in RENDERING_MODULES)
    + " ".join(f"{name}=={metadata.version(name)}" for name in RENDERING_LIBRARIES).encode()
).hexdigest()[:16]


ARTICLE_FIELDS = {
    "title",
    "summary",
    "date",
    "updated",
    "reviewed",
    "tags",
    "author",
    "draft",
    "resources",
    "quick_exit",
}


AUTHOR_FIELDS = {"name", "credentials"}


def load_library(
    content_dir: Path,
    executor: Executor | None = None,
    workers: int = 1,
    known: dict[str, Article] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Library:
    """Read every author and article under `content_dir`, collecting problems as we go.

    With an `executor` (a pool of `workers` processes), articles are read and rendered in
    parallel; the library is assembled in the same order either way, so it is the same.
    `known` maps article files (relative to `content_dir`) whose bytes have not changed to
    the Article read from them before: those are used as they are, not rendered again.
    `progress(done, total)` is told after each article file.
    """
    library = Library()
    for path in markdown_files(content_dir / "authors"):
        try:
            author = read_author(path, content_dir)
        except ContentError as error:
            library.problems.append(
                Problem(display_path(path, content_dir), error.field, error.message)
            )
            continue
        shown = display_path(path, content_dir)
        library.problems.extend(_unknown_field_problems(author, AUTHOR_FIELDS, shown))
        library.authors[author.slug] = author

    paths = list(markdown_files(content_dir / "articles"))
    known = known or {}
    reused = {p: known.get(str(p.relative_to(content_dir))) for p in paths}
    unread = [p for p in paths if reused[p] is None]
    if executor is not None and workers > 1 and len(unread) >= 4 * workers:
        chunk = max(1, min(64, len(unread) // (4 * workers)))
        fresh = executor.map(_read_outcome, unread, repeat(content_dir), chunksize=chunk)
    else:
        fresh = (_read_outcome(path, content_dir) for path in unread)
    fresh_outcomes = iter(fresh)
    outcomes = (reused[p] if reused[p] is not None else next(fresh_outcomes) for p in paths)
    for done, (path, outcome) in enumerate(zip(paths, outcomes, strict=True), start=1):
        if progress:
            progress(done, len(paths))
        shown = display_path(path, content_dir)
        try:
            if isinstance(outcome, tuple):
                raise ContentError(*outcome)
            article = outcome
            _check_author(article, library.authors)
        except ContentError as error:
            library.problems.append(Problem(shown, error.field, error.message))
            continue
        library.problems.extend(_unknown_field_problems(article, ARTICLE_FIELDS, shown))
        existing = library.articles.get(article.slug) or library.drafts.get(article.slug)
        if existing:
            library.problems.append(_duplicate(shown, article.slug, existing.source))
            continue
        (library.drafts if article.draft else library.articles)[article.slug] = article

    library.problems.extend(
        link_problems(
            [*library.articles.values(), *library.drafts.values(), *library.authors.values()],
            library.articles,
            site_base_url(content_dir),
        )
    )
    return library


def read_changed_articles(
    content_dir: Path, files: Iterable[str], article_files: Iterable[str], authors: Container[str]
) -> tuple[list[Article], list[Problem]]:
    """Read the article files an update re-indexes, checked as `load_library` checks them.

    `files` and `article_files` (every article file there is now) are relative to
    `content_dir`; `authors` are the author slugs there are. Links are checked by
    `link_problems` once the caller knows which articles will be public.
    """
    by_slug: dict[str, list[str]] = {}
    for relative in sorted(article_files):
        # String operations, not a Path per file: an update pays for each file it looks at.
        by_slug.setdefault(os.path.basename(relative).removesuffix(".md"), []).append(relative)
    articles, problems = [], []
    for relative in sorted(files):
        path = content_dir / relative
        shown = display_path(path, content_dir)
        try:
            article = read_article(path, content_dir)
            _check_author(article, authors)
        except ContentError as error:
            problems.append(Problem(shown, error.field, error.message))
            continue
        problems.extend(_unknown_field_problems(article, ARTICLE_FIELDS, shown))
        others = [f for f in by_slug.get(article.slug, []) if f != relative]
        if others:
            other = display_path(content_dir / others[0], content_dir)
            problems.append(_duplicate(shown, article.slug, other))
            continue
        articles.append(article)
    return articles, problems


def link_problems(
    items: Iterable[Article | Author], public: Container[str], base_url: str | None = None
) -> list[Problem]:
    """Return a problem for each link from these articles, pages or author bios to an
    article not in `public`: links written as /articles/<slug>, and with `base_url` (the
    site's address, from site.yml) those written in full as <base_url>/articles/<slug> too."""
    pattern = _article_link(base_url)
    problems = []
    for item in items:
        field, html = (
            ("bio", item.bio_html) if isinstance(item, Author) else ("body", item.body_html)
        )
        problems += [
            Problem(
                item.source,
                field,
                f"links to {excerpt(link.group(1), 120)}, which does not exist or is a draft",
                skipped=False,
            )
            for link in pattern.finditer(html)
            if link.group(2) not in public
        ]
    return problems


def _article_link(base_url: str | None) -> re.Pattern[str]:
    # Group 1 is the address as written, group 2 the slug. Scheme and host match in any
    # case, and http matches https: browsers treat them as the same site's pages here.
    parts = urlsplit(base_url or "")
    site = ""
    if parts.scheme in ("http", "https") and parts.netloc:
        host = re.escape(parts.netloc)
        site = f"(?:(?i:(?:https?:)?//{host}){re.escape(parts.path.rstrip('/'))})?"
    return re.compile(f'href="({site}/articles/([^"/#?]*))')


def site_base_url(content_dir: Path) -> str | None:
    """Return `base_url` from the content folder's site.yml, or None if it sets none or
    cannot be read (whatever is wrong with the file is reported where settings load)."""
    from webapp.config import SITE_SETTINGS_FILE

    try:
        data = load_yaml(read_file(content_dir / SITE_SETTINGS_FILE, content_dir).decode())
    except (ContentError, yaml.YAMLError, UnicodeDecodeError):
        return None
    value = data.get("base_url") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _check_author(article: Article, authors: Container[str]) -> None:
    if article.author and article.author not in authors:
        raise ContentError(
            "author",
            f"no author with slug {quoted(article.author)}: add content/authors/"
            f"{excerpt(article.author)}.md or correct the slug",
        )


def _unknown_field_problems(read: Article | Author, known: set[str], shown: str) -> list[Problem]:
    return [
        Problem(
            shown,
            excerpt(name),
            f"is not a field we use (known: {', '.join(sorted(known))})",
            skipped=False,
        )
        for name in read.unknown_fields
    ]


def _duplicate(shown: str, slug: str, other: str) -> Problem:
    return Problem(
        shown, None, f"duplicate slug '{slug}', already used by {other}; rename one of the files"
    )


def _read_outcome(path: Path, content_dir: Path) -> Article | tuple[str | None, str]:
    # What a worker process sends back: the article, or the (field, message) of its problem.
    try:
        return read_article(path, content_dir)
    except ContentError as error:
        return (error.field, error.message)


def read_article(path: Path, content_dir: Path) -> Article:
    """Parse and validate one article file, rendering its body; raise ContentError."""
    slug = path.stem
    if not SLUG_PATTERN.match(slug):
        raise ContentError(
            None,
            f"file name {quoted(path.name)} is not a valid slug: use lowercase letters, "
            f"digits and hyphens, for example '{slugify(slug) or 'my-article'}.md'",
        )
    meta, body = read_front_matter(path, content_dir)
    title = required_text(meta, "title")
    summary = required_text(meta, "summary")
    published = date_field(meta, "date", required=True)
    updated = date_field(meta, "updated")
    reviewed = date_field(meta, "reviewed")
    if updated and updated < published:
        raise ContentError("updated", f"{updated} is before the published date {published}")
    body_html, toc = render_markdown(body)
    body_text = html_to_text(body_html)
    words = len(body_text.split())
    return Article(
        slug=slug,
        title=title,
        summary=summary,
        date=published,
        updated=updated,
        reviewed=reviewed,
        topics=topics_field(meta),
        author=optional_text(meta, "author"),
        draft=flag(meta, "draft"),
        quick_exit=flag(meta, "quick_exit"),
        resources=resources_field(meta),
        body_html=body_html,
        body_text=body_text,
        link_spans=article_link_spans(body_html, body_text),
        toc=toc,
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
        source=display_path(path, content_dir),
        unknown_fields=_unknown_fields(meta, ARTICLE_FIELDS),
    )


def _unknown_fields(meta: dict, known: set[str]) -> tuple[str, ...]:
    # As text: YAML keys may be numbers or dates too, which do not sort with text.
    return tuple(sorted({str(name) for name in meta} - known))


def read_author(path: Path, content_dir: Path) -> Author:
    """Parse and validate one author file; raise ContentError."""
    if not SLUG_PATTERN.match(path.stem):
        raise ContentError(None, f"file name {quoted(path.name)} is not a valid slug")
    meta, body = read_front_matter(path, content_dir)
    bio_html, _ = render_markdown(body)
    return Author(
        slug=path.stem,
        name=required_text(meta, "name"),
        credentials=optional_text(meta, "credentials") or "",
        bio_html=bio_html,
        source=display_path(path, content_dir),
        unknown_fields=_unknown_fields(meta, AUTHOR_FIELDS),
    )


def scaffold_article(title: str, today: dt.date, author: str | None = None) -> tuple[str, str]:
    """Return the slug and starting text for a new article called `title`."""
    # A long title makes a short address (cut at a word where there is one), not a file
    # name longer than the file system allows.
    slug = slugify(title, max_length=80, word_boundary=True) or "untitled"
    lines = [
        "---",
        f"title: {yaml.safe_dump(title, default_style=None).strip().removesuffix('...').strip()}",
        "summary: One or two sentences that introduce the article.",
        f"date: {today.isoformat()}",
        "tags: []",
    ]
    if author:
        lines.append(f"author: {author}")
    lines += ["draft: true", "resources: []", "---", "", "Start writing here.", ""]
    return slug, "\n".join(lines)
