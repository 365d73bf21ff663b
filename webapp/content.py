"""Read and validate the maintainers' Markdown: articles, authors and their front matter.

This module knows nothing of Flask or Whoosh. It turns `content/` into a `Library` of plain
objects with HTML rendered once, plus a list of `Problem`s that name the file, the field and
what is wrong. A bad file is skipped and reported; it never stops the rest from loading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
import reprlib
import stat
from collections import Counter
from collections.abc import Callable, Container, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import markdown
import nh3
import yaml
from slugify import slugify

from . import rendering
from .rendering import Heading, html_to_text, render_markdown

WORDS_PER_MINUTE = 200
# What an Article read from given bytes depends on besides those bytes: this module, the
# renderer and its libraries. A build reuses earlier Articles only when this is unchanged.
RENDER_VERSION = hashlib.sha256(
    Path(__file__).read_bytes()
    + Path(rendering.__file__).read_bytes()
    + f"{markdown.__version__} {nh3.__version__ if hasattr(nh3, '__version__') else ''} "
    f"{yaml.__version__}".encode()
).hexdigest()[:16]
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
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
INTERNAL_LINK = re.compile(r'href="/articles/([^"/#?]*)')
# The most bytes one content file may hold: a long article is a few tens of kilobytes, and
# every file is read whole (and an article rendered and indexed) by each build and check.
# A 50 MB article took a check 14 s and 0.9 GB. Larger files are refused, unread.
MAX_FILE_BYTES = 1_000_000
# How deeply YAML lists and mappings may nest ("[[[…" counts each bracket). Front matter
# and site.yml need four or five levels; libyaml takes quadratic time over deep nesting and
# crashes the process outright at about 100,000 levels.
MAX_YAML_DEPTH = 20
# How many characters of a bad value a message quotes.
EXCERPT_CHARS = 60


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in


class YAMLRefused(yaml.MarkedYAMLError):
    """YAML that parses, but that we will not load: an alias, or nesting too deep."""


def load_yaml(text: str, loader: type = _SafeLoader) -> Any:
    """Return the data of a YAML text, loaded safely and within bounds.

    Refused (with yaml.YAMLError carrying a `problem` and its `problem_mark`, whose `line`
    counts from 0):
    - aliases (`*name`, and so `<<: *name` merges): an alias repeats an anchored value
      without repeating its text, so nine levels of nine make 387 million strings from a
      few hundred bytes (the "billion laughs"); quoting one in an error message took 2.2 GB
      and ended in a MemoryError. Nothing we read needs them.
    - lists and mappings nested more than MAX_YAML_DEPTH deep: libyaml takes quadratic time
      over deep nesting and crashes the process at about 100,000 levels.
    A first pass over the parser's events finds either before anything is built; it stops
    at the first, having read little more than the text up to it.
    """
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise YAMLRefused(problem=_ALIAS_PROBLEM, problem_mark=event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise YAMLRefused(
                    problem=f"lists or mappings nest more than {MAX_YAML_DEPTH} deep",
                    problem_mark=event.start_mark,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader or a subclass


_ALIAS_PROBLEM = (
    "'*' repeats a value marked with '&' (an alias), which is not allowed: "
    "write the value out in full"
)


class _TextDatesLoader(_SafeLoader):
    """YAML loader that leaves dates as text, so we can say which field holds a bad one."""


# PyYAML turns `date: 2026-13-45` into an exception with no field name; without the timestamp
# resolver it stays a string and `_date` explains the problem.
_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# What YAML's parser says when something opened is never closed, in a maintainer's words.
_UNCLOSED = {
    "while scanning a quoted scalar": "a quotation mark opened here is never closed",
    "while parsing a flow sequence": "a list opened with '[' here is never closed with ']'",
    "while parsing a flow mapping": "a '{' opened here is never closed with '}'",
}


class _FrontMatterHandler(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs: Any) -> Any:
        return load_yaml(fm, _TextDatesLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one content file."""

    path: str
    field: str | None
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else self.path
        outcome = " (file skipped)" if self.skipped else ""
        # File names and field names come from the maintainers' files: a control character
        # or bidi override in one would move or hide text on the terminal, so it shows as
        # an escape.
        return printable(f"{where}: {self.message}{outcome}")


class ContentError(Exception):
    """A problem found while reading one file; carries what `Problem` needs."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Topic:
    """A tag as visitors see it: its name and the slug used in its URL."""

    name: str
    slug: str


class Related(str):
    """The slug of a related article, carrying in plain words why it is related (`why`).

    A string, so lists of them still compare, hash and look up as lists of slugs do.
    """

    why: str

    def __new__(cls, slug: str, why: str = "") -> Related:
        """Return the slug with its reason."""
        item = super().__new__(cls, slug)
        item.why = why
        return item

    def __reduce__(self):
        return Related, (str(self), self.why)


@dataclass(frozen=True)
class Resource:
    """An entry in "Resources and further reading"."""

    title: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Author:
    """Someone who writes for the site."""

    slug: str
    name: str
    credentials: str
    bio_html: str
    source: str


@dataclass(frozen=True)
class Article:
    """One article, validated, with its body already rendered to safe HTML."""

    slug: str
    title: str
    summary: str
    date: dt.date
    body_html: str
    body_text: str
    source: str
    updated: dt.date | None = None
    reviewed: dt.date | None = None
    topics: tuple[Topic, ...] = ()
    author: str | None = None
    draft: bool = False
    quick_exit: bool = False
    resources: tuple[Resource, ...] = ()
    toc: tuple[Heading, ...] = ()
    reading_minutes: int = 1
    unknown_fields: tuple[str, ...] = ()

    @property
    def sections(self) -> tuple[Heading, ...]:
        """Return the level-2 headings: the sections a table of contents lists."""
        return tuple(h for h in self.toc if h.level == 2)

    @property
    def last_modified(self) -> dt.date:
        """Return the latest of published and updated dates."""
        return max(d for d in (self.date, self.updated) if d)

    def review_due(self, interval_years: int) -> dt.date | None:
        """Return when the article is next due for review: `interval_years` after `reviewed`."""
        if self.reviewed is None:
            return None
        try:
            return self.reviewed.replace(year=self.reviewed.year + interval_years)
        except ValueError:  # 29 February in a year that has none
            return self.reviewed.replace(year=self.reviewed.year + interval_years, day=28)


@dataclass
class Library:
    """Everything readable in `content/`: public articles, drafts, authors, the practice's
    pages (`pages.py` reads them) and problems."""

    articles: dict[str, Article] = field(default_factory=dict)
    drafts: dict[str, Article] = field(default_factory=dict)
    authors: dict[str, Author] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    pages: dict[str, Any] = field(default_factory=dict)  # slug -> pages.Page

    # A served library never changes, and home, topic, feed and every search page ask for
    # these lists: sort and count once per library, not once per request. (Nothing reads
    # them while `load_library` is still filling the library in.)

    @cached_property
    def _latest(self) -> tuple[Article, ...]:
        return tuple(sorted(self.articles.values(), key=lambda a: (-a.date.toordinal(), a.title)))

    @cached_property
    def _topics(self) -> tuple[tuple[Topic, int], ...]:
        counts = Counter(t for a in self.articles.values() for t in a.topics)
        return tuple(sorted(counts.items(), key=lambda item: item[0].name))

    def latest(self) -> list[Article]:
        """Return public articles, newest first, ties broken by title for a stable order."""
        return list(self._latest)

    def topics(self) -> list[tuple[Topic, int]]:
        """Return every topic used by a public article with its article count, by name."""
        return list(self._topics)

    def topic(self, slug: str) -> Topic | None:
        """Return the topic with this slug, if any public article uses it."""
        return next((t for t, _ in self.topics() if t.slug == slug), None)

    def articles_on(self, topic_slug: str) -> list[Article]:
        """Return public articles with this topic, newest first."""
        return [a for a in self.latest() if any(t.slug == topic_slug for t in a.topics)]

    def articles_by(self, author_slug: str) -> list[Article]:
        """Return an author's public articles, newest first."""
        return [a for a in self.latest() if a.author == author_slug]


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
    for path in _markdown_files(content_dir / "authors"):
        try:
            author = read_author(path, content_dir)
        except ContentError as error:
            library.problems.append(
                Problem(_display(path, content_dir), error.field, error.message)
            )
            continue
        library.authors[author.slug] = author

    paths = list(_markdown_files(content_dir / "articles"))
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
        shown = _display(path, content_dir)
        try:
            if isinstance(outcome, tuple):
                raise ContentError(*outcome)
            article = outcome
            _check_author(article, library.authors)
        except ContentError as error:
            library.problems.append(Problem(shown, error.field, error.message))
            continue
        library.problems.extend(_unknown_field_problems(article, shown))
        existing = library.articles.get(article.slug) or library.drafts.get(article.slug)
        if existing:
            library.problems.append(_duplicate(shown, article.slug, existing.source))
            continue
        (library.drafts if article.draft else library.articles)[article.slug] = article

    library.problems.extend(
        link_problems(
            [*library.articles.values(), *library.drafts.values()],
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
        # String operations, not a Path per file: an update at 10,000 articles pays for each.
        by_slug.setdefault(os.path.basename(relative).removesuffix(".md"), []).append(relative)
    articles, problems = [], []
    for relative in sorted(files):
        path = content_dir / relative
        shown = _display(path, content_dir)
        try:
            article = read_article(path, content_dir)
            _check_author(article, authors)
        except ContentError as error:
            problems.append(Problem(shown, error.field, error.message))
            continue
        problems.extend(_unknown_field_problems(article, shown))
        others = [f for f in by_slug.get(article.slug, []) if f != relative]
        if others:
            other = _display(content_dir / others[0], content_dir)
            problems.append(_duplicate(shown, article.slug, other))
            continue
        articles.append(article)
    return articles, problems


def body_links(article: Article) -> tuple[str, ...]:
    """Return the slugs of the articles the article's body links to, in order, once each."""
    return tuple(dict.fromkeys(INTERNAL_LINK.findall(article.body_html)))


def link_problems(
    articles: Iterable[Article], public: Container[str], base_url: str | None = None
) -> list[Problem]:
    """Return a problem for each link from these articles to an article not in `public`:
    links written as /articles/<slug>, and with `base_url` (the site's address, from
    site.yml) those written in full as <base_url>/articles/<slug> too."""
    pattern = _article_link(base_url)
    return [
        Problem(
            article.source,
            "body",
            f"links to {excerpt(link.group(1), 120)}, which does not exist or is a draft",
            skipped=False,
        )
        for article in articles
        for link in pattern.finditer(article.body_html)
        if link.group(2) not in public
    ]


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
    from .settings import SITE_SETTINGS_FILE

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
            f"no author with slug {_quoted(article.author)}: add content/authors/"
            f"{excerpt(article.author)}.md or correct the slug",
        )


def _unknown_field_problems(article: Article, shown: str) -> list[Problem]:
    return [
        Problem(
            shown,
            excerpt(name),
            f"is not a field we use (known: {', '.join(sorted(ARTICLE_FIELDS))})",
            skipped=False,
        )
        for name in article.unknown_fields
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
            f"file name {_quoted(path.name)} is not a valid slug: use lowercase letters, "
            f"digits and hyphens, for example '{slugify(slug) or 'my-article'}.md'",
        )
    meta, body = _read_front_matter(path, content_dir)
    title = _required_text(meta, "title")
    summary = _required_text(meta, "summary")
    published = _date(meta, "date", required=True)
    updated = _date(meta, "updated")
    reviewed = _date(meta, "reviewed")
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
        topics=_topics(meta),
        author=_optional_text(meta, "author"),
        draft=_flag(meta, "draft"),
        quick_exit=_flag(meta, "quick_exit"),
        resources=_resources(meta),
        body_html=body_html,
        body_text=body_text,
        toc=toc,
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
        source=_display(path, content_dir),
        # As text: YAML keys may be numbers or dates too, which do not sort with text.
        unknown_fields=tuple(sorted({str(name) for name in meta} - ARTICLE_FIELDS)),
    )


def read_author(path: Path, content_dir: Path) -> Author:
    """Parse and validate one author file; raise ContentError."""
    if not SLUG_PATTERN.match(path.stem):
        raise ContentError(None, f"file name {_quoted(path.name)} is not a valid slug")
    meta, body = _read_front_matter(path, content_dir)
    bio_html, _ = render_markdown(body)
    return Author(
        slug=path.stem,
        name=_required_text(meta, "name"),
        credentials=_optional_text(meta, "credentials") or "",
        bio_html=bio_html,
        source=_display(path, content_dir),
    )


def topic_for(name: str) -> Topic:
    """Return the Topic for a tag name as written in front matter."""
    cleaned = " ".join(name.split())
    return Topic(name=cleaned.lower(), slug=slugify(cleaned))


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


# --- reading files safely ----------------------------------------------------------------


def read_file(path: Path | str, content_dir: Path, limit: int | None = None) -> bytes:
    """Return the bytes of one file in `content_dir`; raise ContentError (no field) instead
    when it may not be read: it is not a regular file (a folder, a named pipe, a device), it
    is a link to somewhere outside `content_dir` or to nothing, or it holds more than `limit`
    bytes (MAX_FILE_BYTES by default). All of that is checked before a byte is read, so a
    link to /dev/zero or a 50 MB file costs nothing, and a named pipe never hangs a build.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    root = os.path.realpath(content_dir)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise ContentError(
            None,
            f"is a link to {excerpt(real)}, outside the content folder: only files inside "
            "it are read; copy the file in instead",
        )
    try:
        _check_kind(os.stat(real), limit)  # before opening: opening a pipe waits for a writer
        # Non-blocking, in case it became a pipe since; no controlling terminal either way.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ContentError(None, "is a link to a file that does not exist") from None
    except OSError as error:
        raise ContentError(None, f"cannot be read: {error.strerror}") from None
    try:
        _check_kind(os.fstat(fd), limit)  # the file opened, whatever the path names now
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise ContentError(None, f"cannot be read: {error.strerror}") from None
    finally:
        os.close(fd)
    if size > limit:  # it grew while being read
        raise ContentError(None, _too_large(size, limit))
    return b"".join(chunks)


def _check_kind(info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        raise ContentError(None, f"is {kind}, not a plain file: only plain files are read")
    if info.st_size > limit:
        raise ContentError(None, _too_large(info.st_size, limit))


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _too_large(size: int, limit: int) -> str:
    return (
        f"is {size:,} bytes, more than the {limit:,} bytes one file may hold: "
        "split it into shorter articles"
    )


def file_stat(path: str | Path) -> list[int]:
    """Return [size, modification time in ns] of a content file (the link's own, when it
    is a link to nothing), as builds record it to know whether a file changed."""
    try:
        info = os.stat(path)
    except OSError:
        try:
            info = os.lstat(path)
        except OSError:
            return [-1, 0]
    return [info.st_size, info.st_mtime_ns]


def fingerprint(path: str | Path, content_dir: Path) -> str:
    """Return the sha256 of a content file's bytes, read as `read_file` reads them; for a
    file it refuses, a marker saying so (which differs from any hash, so a build that
    compares fingerprints reads the file, and `read_file` names the problem)."""
    try:
        return hashlib.sha256(read_file(path, content_dir)).hexdigest()
    except ContentError as error:
        return f"refused: {error.message}"


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """Return at most `limit` characters of a value for a message, control characters
    escaped; a list or mapping is named by its kind, never turned into text whole."""
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if not isinstance(value, str | int | float | dt.date | None):
        return f"a {type(value).__name__}"
    text = str(value) if not isinstance(value, bool) else str(value).lower()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return printable(text)


def short_repr(value: Any) -> str:
    """Return repr(value) cut short (at most a few items of a list, EXCERPT_CHARS of a
    text), with anything not printable escaped."""
    return printable(_SHORT_REPR.repr(value))


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = EXCERPT_CHARS
_SHORT_REPR.maxlevel, _SHORT_REPR.maxlist, _SHORT_REPR.maxdict = 2, 4, 4


def _quoted(value: Any) -> str:
    """Return a value as a message quotes it: 'text' in quotes, or the kind of a list."""
    shown = excerpt(value)
    return shown if isinstance(value, list | tuple | dict) else f"'{shown}'"


def printable(text: str) -> str:
    """Return text with every character that is not printable (control characters, bidi
    overrides and isolates, zero-width marks, line separators) written as an escape,
    e.g. \\u202e, so that a file name can neither hide text nor move it on a terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# --- helpers ---------------------------------------------------------------------------


def _markdown_files(folder: Path) -> Iterable[Path]:
    # Shallower files first, so a stray copy in a subfolder never displaces the original.
    if not folder.is_dir():
        return []
    return sorted(folder.rglob("*.md"), key=lambda p: (len(p.parts), str(p)))


def _display(path: Path, content_dir: Path) -> str:
    try:
        return str(Path(content_dir.name) / path.relative_to(content_dir))
    except ValueError:
        return str(path)


def _read_front_matter(path: Path, content_dir: Path) -> tuple[dict[str, Any], str]:
    try:
        text = read_file(path, content_dir).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(
            None, f"is not UTF-8 text (byte {error.start}); save the file as UTF-8"
        ) from None
    if not text.lstrip("\ufeff").startswith("---"):
        raise ContentError(
            "front matter", "is missing: start the file with '---', the fields, then '---'"
        )
    try:
        # `parse`, not `loads`: its Post takes the fields as keywords, and a field named by a
        # number (`1: x`) is no keyword (a TypeError).
        meta, body = frontmatter.parse(text.lstrip("\ufeff"), handler=_FrontMatterHandler())
    except yaml.YAMLError as error:
        # Where the broken part starts (an unclosed bracket or quote), else where the parser
        # stopped, which for those is only the end of the front matter. The front matter's
        # text starts at the end of the "---" line: its line 0 is line 1 of the file.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = _UNCLOSED.get(getattr(error, "context", None) or "") or (
            getattr(error, "problem", None) or "cannot be parsed"
        )
        raise ContentError("front matter", f"is not valid YAML{where}: {problem}") from None
    if not isinstance(meta, dict):
        raise ContentError("front matter", "must be a list of 'field: value' lines")
    return dict(meta), body


def _required_text(meta: dict[str, Any], name: str) -> str:
    value = _optional_text(meta, name)
    if not value:
        raise ContentError(name, "is required and missing or empty")
    return value


def _optional_text(meta: dict[str, Any], name: str) -> str | None:
    value = meta.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ContentError(name, f"must be text, not {type(value).__name__}")
    return " ".join(str(value).split()) or None


def _date(meta: dict[str, Any], name: str, required: bool = False) -> dt.date | None:
    value = meta.get(name)
    if value is None or value == "":
        if required:
            raise ContentError(name, "is required: write it as YYYY-MM-DD, e.g. 2026-03-14")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ContentError(
            name, f"{_quoted(value)} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-14"
        ) from None


def _flag(meta: dict[str, Any], name: str) -> bool:
    value = meta.get(name, False)
    if not isinstance(value, bool):
        raise ContentError(name, f"must be true or false, not {_quoted(value)}")
    return value


def _topics(meta: dict[str, Any]) -> tuple[Topic, ...]:
    value = meta.get("tags") or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError("tags", "must be a list of words, e.g. [anxiety, self-care]")
    topics = {}
    for name in value:
        topic = topic_for(name)
        if not topic.slug:
            # Its page would be /topics/, the list of all topics, shared with every other
            # such tag.
            raise ContentError(
                "tags",
                f"{_quoted(name)} has no letters or digits to make the topic's address from: "
                "write the tag in words, e.g. anxiety",
            )
        topics[topic.slug] = topic
    return tuple(topics.values())


def _resources(meta: dict[str, Any]) -> tuple[Resource, ...]:
    value = meta.get("resources") or []
    if not isinstance(value, list):
        raise ContentError("resources", "must be a list of entries with title, url and note")
    resources = []
    for number, item in enumerate(value, start=1):
        where = f"resources[{number}]"
        if not isinstance(item, dict):
            raise ContentError(where, "must have 'title:' and 'url:' (and optionally 'note:')")
        title, url = _optional_text(item, "title"), _optional_text(item, "url")
        if not title:
            raise ContentError(f"{where}.title", "is required")
        if not url or not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
            raise ContentError(
                f"{where}.url", f"{_quoted(url or '')} is not a full http(s) address"
            )
        resources.append(Resource(title, url, _optional_text(item, "note") or ""))
    return tuple(resources)
