"""The site's plain objects: articles, authors, topics, pages, problems and the library.

Everything above reads or serves these; nothing here does I/O or knows Flask or Whoosh.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from slugify import slugify

from webapp.files import printable

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


INTERNAL_LINK = re.compile(r'href="/articles/([^"/#?]*)')


@dataclass(frozen=True)
class Heading:
    """An entry in an article's table of contents."""

    level: int
    id: str
    title: str


@dataclass(frozen=True)
class Advice:
    """One warning: where it is (file, line, field) and what to do about it."""

    path: str
    line: int | None
    field: str
    message: str
    also: tuple[str, ...] = ()  # other files it concerns

    def concerns(self, source: str) -> bool:
        """Say whether the warning is about this content file."""
        return source == self.path or source in self.also

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}"


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
    unknown_fields: tuple[str, ...] = ()


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
    # Where body_text holds the words of links to other articles, as (start, end) offsets.
    link_spans: tuple[tuple[int, int], ...] = ()

    @property
    def own_text(self) -> str:
        """Return body_text without the words of its links to other articles (blanked, so
        every other word keeps its place): they name the other article, not this one's
        subject. Search indexes this, and related articles score it."""
        return without_spans(self.body_text, self.link_spans)

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


def body_links(article: Article) -> tuple[str, ...]:
    """Return the slugs of the articles the article's body links to, in order, once each."""
    return tuple(dict.fromkeys(INTERNAL_LINK.findall(article.body_html)))


def without_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Return the text with each (start, end) span replaced by as many spaces."""
    pieces, at = [], 0
    for start, end in spans:
        pieces += [text[at:start], " " * (end - start)]
        at = end
    return "".join(pieces) + text[at:] if pieces else text


def topic_for(name: str) -> Topic:
    """Return the Topic for a tag name as written in front matter."""
    cleaned = " ".join(name.split())
    return Topic(name=cleaned.lower(), slug=slugify(cleaned))


@dataclass(frozen=True)
class Page:
    """One of the practice's own pages, its body rendered to safe HTML."""

    slug: str
    title: str
    summary: str
    body_html: str
    body_text: str
    source: str
    nav: bool = False
    order: int = 0
    toc: tuple[Heading, ...] = ()


def in_nav(pages: dict[str, Page]) -> list[Page]:
    """Return the pages for the header navigation, in their `order` (then by title)."""
    return sorted((p for p in pages.values() if p.nav), key=lambda p: (p.order, p.title))


def in_footer(pages: dict[str, Page]) -> list[Page]:
    """Return the pages not in the header navigation, for the footer, in the same order."""
    return sorted((p for p in pages.values() if not p.nav), key=lambda p: (p.order, p.title))
