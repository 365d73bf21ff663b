"""What machines read about the site: the Atom feed, the sitemap, robots.txt and JSON-LD.

No Flask here: callers pass absolute URLs in, so these functions can be tested alone and the
views stay thin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from feedgen.feed import FeedGenerator

from webapp.model import Article, Author

SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class SitemapEntry:
    """One page in the sitemap: its absolute URL and when its content last changed."""

    loc: str
    lastmod: dt.date | None = None


def absolute(base_url: str, path: str) -> str:
    """Join the site's configured base URL and a path that starts with '/'."""
    return base_url.rstrip("/") + path


def _midnight_utc(day: dt.date) -> dt.datetime:
    # Front matter holds dates, Atom wants instants: the start of the day in UTC is honest.
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def atom_feed(
    articles: Iterable[Article],
    authors: Mapping[str, Author],
    site: Mapping[str, Any],
    *,
    home_url: str,
    feed_url: str,
    link: Callable[[Article], str],
) -> bytes:
    """Return an Atom feed of `articles` in the order given (newest first), as UTF-8 XML."""
    articles = list(articles)
    feed = FeedGenerator()
    feed.id(home_url)
    feed.title(site["name"])
    feed.subtitle(site.get("tagline") or site["name"])
    feed.link(href=home_url, rel="alternate", type="text/html")
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.language(site.get("language", "en-GB"))
    # Atom needs an author for every entry; the practice stands in where an article has none.
    feed.author({"name": site["name"]})
    newest = max((a.last_modified for a in articles), default=dt.date(2000, 1, 1))
    feed.updated(_midnight_utc(newest))
    for article in articles:
        url = link(article)
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.title(article.title)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.summary(article.summary)
        person = authors.get(article.author or "")
        if person:
            entry.author({"name": person.name})
        entry.published(_midnight_utc(article.date))
        entry.updated(_midnight_utc(article.last_modified))
        for topic in article.topics:
            entry.category(term=topic.slug, label=topic.name)
    return feed.atom_str(pretty=True, encoding="UTF-8")


def sitemap(entries: Iterable[SitemapEntry]) -> bytes:
    """Return a sitemaps.org 0.9 `urlset` listing `entries`, as UTF-8 XML."""
    ElementTree.register_namespace("", SITEMAP_NAMESPACE)
    urlset = ElementTree.Element(f"{{{SITEMAP_NAMESPACE}}}urlset")
    for entry in entries:
        url = ElementTree.SubElement(urlset, f"{{{SITEMAP_NAMESPACE}}}url")
        ElementTree.SubElement(url, f"{{{SITEMAP_NAMESPACE}}}loc").text = entry.loc
        if entry.lastmod:
            lastmod = ElementTree.SubElement(url, f"{{{SITEMAP_NAMESPACE}}}lastmod")
            lastmod.text = entry.lastmod.isoformat()
    ElementTree.indent(urlset)
    return ElementTree.tostring(urlset, encoding="UTF-8", xml_declaration=True)


def robots_txt(sitemap_url: str, disallow: Iterable[str] = ()) -> str:
    """Return a robots.txt that lets every crawler in except for `disallow`ed paths."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallow), "Allow: /", ""]
    return "\n".join([*lines, f"Sitemap: {sitemap_url}", ""])


def article_jsonld(
    article: Article,
    *,
    url: str,
    author: Author | None,
    author_url: str | None,
    publisher: str,
    language: str,
) -> dict[str, Any]:
    """Return schema.org Article data for one article, ready to serialise as JSON-LD."""
    page: dict[str, Any] = {"@type": "WebPage", "@id": url}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.summary,
        "url": url,
        "mainEntityOfPage": page,
        "datePublished": article.date.isoformat(),
        "dateModified": article.last_modified.isoformat(),
        "inLanguage": language,
        "publisher": {"@type": "Organization", "name": publisher},
    }
    if article.topics:
        data["keywords"] = [topic.name for topic in article.topics]
    if author:
        data["author"] = {"@type": "Person", "name": author.name}
        if author_url:
            data["author"]["url"] = author_url
    if article.reviewed:
        # schema.org defines lastReviewed on the WebPage; we also state it on the Article,
        # where readers of this data look for it first.
        data["lastReviewed"] = page["lastReviewed"] = article.reviewed.isoformat()
    return data
