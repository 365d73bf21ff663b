"""Discovery for machines: the Atom feed, the sitemap and robots.txt."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, redirect, url_for

from webapp.model import Article
from webapp.web import discovery
from webapp.web.assets import asset_url
from webapp.web.discovery import SitemapEntry
from webapp.web.live import current_snapshot
from webapp.web.urls import absolute_url

bp = Blueprint("feeds", __name__)

# Search result pages are endless and private; crawlers should follow articles instead.
NOT_FOR_CRAWLERS = ("/search",)


def _cacheable(body: bytes | str, mimetype: str) -> Response:
    # Feed readers and crawlers poll. `http_cache.finish` gives each representation its ETag
    # and answers their revalidations with a 304; robots.txt, which is not a page type, needs
    # its Cache-Control set here.
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PAGE_MAX_AGE']}"
    return response


@bp.get("/feed.xml")
def feed():
    """Serve an Atom feed of the newest public articles, newest first."""
    library = current_snapshot().library
    body = discovery.atom_feed(
        library.latest()[: current_app.config["FEED_ENTRIES"]],
        library.authors,
        current_app.extensions["site_settings"],
        home_url=absolute_url(url_for("articles.home")),
        feed_url=absolute_url(url_for("feeds.feed")),
        link=lambda article: absolute_url(url_for("articles.article", slug=article.slug)),
    )
    return _cacheable(body, "application/atom+xml")


def _newest(articles: list[Article]) -> dt.date | None:
    return max((a.last_modified for a in articles), default=None)


@bp.get("/sitemap.xml")
def sitemap():
    """Serve a sitemap of every public content page with when it last changed."""
    library = current_snapshot().library
    latest = library.latest()
    entries = [
        SitemapEntry(absolute_url(url_for("articles.home")), _newest(latest)),
        *(
            SitemapEntry(absolute_url(url_for("articles.article", slug=a.slug)), a.last_modified)
            for a in latest
        ),
        SitemapEntry(absolute_url(url_for("articles.topics")), _newest(latest)),
        *(
            SitemapEntry(
                absolute_url(url_for("articles.topic", slug=topic.slug)),
                _newest(library.articles_on(topic.slug)),
            )
            for topic, _count in library.topics()
        ),
        *(
            SitemapEntry(
                absolute_url(url_for("articles.author", slug=slug)),
                _newest(library.articles_by(slug)),
            )
            for slug in sorted(library.authors)
        ),
        *(
            SitemapEntry(absolute_url(url_for("pages.page", slug=slug)))
            for slug in sorted(library.pages)
        ),
    ]
    return _cacheable(discovery.sitemap(entries), "application/xml")


@bp.get("/favicon.ico")
def favicon():
    """Send browsers and tools that ask for the icon at its old address to the real one."""
    return redirect(asset_url("icon.svg"), code=301)


@bp.get("/robots.txt")
def robots():
    """Serve robots.txt: crawl everything but search, and find pages in the sitemap."""
    body = discovery.robots_txt(absolute_url(url_for("feeds.sitemap")), NOT_FOR_CRAWLERS)
    return _cacheable(body, "text/plain")
