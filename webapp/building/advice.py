"""Warnings that help a writer and never block publishing. No Flask, no Whoosh.

Three kinds: wording that safe-messaging guidance on suicide and self-harm advises against
(the phrases, and what counts as a mention, are data in `content/safe-messaging.yml`, which
the practice edits), tags that look like slips for one another, and articles whose review is
overdue. `content check` prints them after its problems (`--strict` counts them as problems);
the preview shows an article's own above it. Each names the file, line and field.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

from webapp.building.safe_messaging import Support, read_guide, safe_messaging_advice
from webapp.building.source_lines import Sources
from webapp.config import SITE_DEFAULTS, SettingsError, load_site_settings
from webapp.model import Advice, Article, Library, topic_for
from webapp.search import spelling
from webapp.search.patterns import normalise

SHORTEST_TAG = 6  # shorter tags differ by a letter on purpose too often ("panic", "manic")


def find_warnings(
    content_dir: Path, library: Library, today: dt.date | None = None
) -> list[Advice]:
    """Return every warning about the content: safe messaging first, then tags, then
    reviews, most overdue first."""
    site = _site_settings(content_dir)
    guide, _ = read_guide(content_dir)
    articles = sorted([*library.articles.values(), *library.drafts.values()], key=_by_source)
    sources = Sources(content_dir)
    found: list[Advice] = []
    if guide is not None:
        support = Support(site, guide, library)
        for article in articles:
            found += safe_messaging_advice(article, guide, support, sources)
    found += _similar_tags(articles, sources)
    found += _overdue_reviews(articles, site, today or dt.date.today(), sources)
    return found


def problems(content_dir: Path) -> list[str]:
    """Return what is wrong with the safe-messaging file (none when it is absent)."""
    return read_guide(content_dir)[1]


def _similar_tags(articles: list[Article], sources: Sources) -> list[Advice]:
    users: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        for topic in article.topics:
            users[topic.name].append(article.source)
    found = []
    for first, second in combinations(sorted(users), 2):
        if not _alike(first, second):
            continue
        rare, common = sorted((first, second), key=lambda t: (len(users[t]), t))
        if len(users[rare]) == len(users[common]):
            rare, common = max(first, second), min(first, second)
        files = users[rare]
        message = (
            f'"{rare}" ({_count(len(files), "article")}) looks like "{common}" '
            f"({_count(len(users[common]), 'article')}): if they are one topic, write it one "
            f'way. "{rare}" is in {", ".join(files)}'
        )
        line = sources.key_line(files[0], "tags")
        found.append(Advice(files[0], line, "tags", message, also=tuple(files[1:])))
    return found


def _alike(first: str, second: str) -> bool:
    if _compact(first) == _compact(second):
        return True  # "self care", "self-care", "selfcare"
    shorter = min(len(first), len(second))
    if shorter < SHORTEST_TAG:
        return False
    limit = 1 if shorter < spelling.TWO_TYPOS_FROM else 2
    if spelling.distance(first, second, limit) > limit:
        return False
    # Two real words a letter apart are two topics ("mother", "father"), unless one is
    # the plural of the other.
    singular = [" ".join(w.removesuffix("s") for w in t.split()) for t in (first, second)]
    english = spelling.english()
    real = all(english.knows(w) for t in (first, second) for w in normalise(t))
    return not real or singular[0] == singular[1]


def _compact(tag: str) -> str:
    return topic_for(tag).slug.replace("-", "")


def _overdue_reviews(
    articles: list[Article], site: dict[str, Any], today: dt.date, sources: Sources
) -> list[Advice]:
    try:
        years = int(site["review_interval_years"])
    except (TypeError, ValueError):
        value = site["review_interval_years"]
        message = f"'{value}' is not a whole number of years, so no review date is checked"
        return [Advice("site.yml", None, "review_interval_years", message)]
    overdue = []
    for article in articles:
        due = article.review_due(years)
        if due is not None and due < today:
            overdue.append(((today - due).days, article, due))
    overdue.sort(key=lambda item: (-item[0], item[1].source))
    return [
        Advice(
            article.source,
            sources.key_line(article.source, "reviewed"),
            "reviewed",
            f"review overdue by {_count(days, 'day')} (last reviewed {article.reviewed}, due "
            f"{due}): check the article is still right, then set reviewed to that day's date",
        )
        for days, article, due in overdue
    ]


def _site_settings(content_dir: Path) -> dict[str, Any]:
    # A broken site.yml is one of `content check`'s problems: the defaults serve here.
    try:
        return load_site_settings(content_dir)
    except SettingsError:
        return copy.deepcopy(SITE_DEFAULTS)


def _by_source(article: Article) -> str:
    return article.source


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
