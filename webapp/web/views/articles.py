"""Reading pages: home, articles, related panels, topics and authors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, render_template, url_for

from webapp.model import Article, Author
from webapp.web.discovery import article_jsonld
from webapp.web.htmx import render
from webapp.web.live import current_snapshot
from webapp.web.urls import absolute_url

from .paging import paginate, requested_page

bp = Blueprint("articles", __name__)


def _public_article(slug: str, whole: bool = False) -> Article:
    # Slugs are looked up in the loaded content, never joined into a file path. The library
    # holds articles without their bodies: `whole` reads the one asked for from its files.
    snapshot = current_snapshot()
    library = snapshot.library
    article = snapshot.article(slug) if whole else library.articles.get(slug)
    if article is None and "preview" in current_app.extensions:
        article = library.drafts.get(slug)  # the writer's preview shows drafts too
    if article is None:
        abort(404)
    return article


def review_due(article: Article) -> dt.date | None:
    """Return when the article is next due for review, from `reviewed` and site settings."""
    years = int(current_app.extensions["site_settings"].get("review_interval_years", 3))
    return article.review_due(years)


@bp.get("/")
def home():
    """Show the welcome, the latest articles (paginated) and the topics."""
    library = current_snapshot().library
    page = paginate(library.latest(), requested_page(), current_app.config["LIST_PAGE_SIZE"])
    drafts = []
    if "preview" in current_app.extensions and page.number == 1:
        drafts = sorted(library.drafts.values(), key=lambda a: (a.date, a.slug), reverse=True)
    return render_template(
        "home.html", page=page, topics=library.topics(), authors=library.authors, drafts=drafts
    )


@bp.get("/articles/<slug>")
def article(slug: str):
    """Show one article with its author, review dates and the related-articles placeholder."""
    item = _public_article(slug, whole=True)
    library = current_snapshot().library
    person = library.authors.get(item.author or "")
    return render_template(
        "article.html",
        article=item,
        author=person,
        review_due=review_due(item),
        structured_data=_structured_data(item, person),
        related_count=len(related_articles(slug)),
    )


def _structured_data(item: Article, person: Author | None) -> dict[str, Any]:
    site = current_app.extensions["site_settings"]
    return article_jsonld(
        item,
        url=absolute_url(url_for("articles.article", slug=item.slug)),
        author=person,
        author_url=absolute_url(url_for("articles.author", slug=person.slug)) if person else None,
        publisher=site["name"],
        language=site["language"],
    )


@bp.get("/articles/<slug>/related")
def related(slug: str):
    """Show the related-articles panel: a fragment for htmx, a whole page otherwise."""
    item = _public_article(slug)
    return render("related.html", "_related.html", article=item, related=related_articles(slug))


def related_articles(slug: str) -> list[tuple[Article, str]]:
    """Return the public articles related to the article, best first, each with the reason
    it is there."""
    snapshot = current_snapshot()
    articles = snapshot.library.articles
    related = snapshot.related.get(slug, [])
    return [(articles[s], s.why) for s in related if s in articles]


@bp.get("/topics")
def topics():
    """List every topic with its number of articles."""
    return render_template("topics.html", topics=current_snapshot().library.topics())


@bp.get("/topics/<slug>")
def topic(slug: str):
    """List one topic's articles, newest first."""
    library = current_snapshot().library
    found = library.topic(slug)
    if found is None:
        abort(404)
    page = paginate(
        library.articles_on(slug), requested_page(), current_app.config["LIST_PAGE_SIZE"]
    )
    return render_template("topic.html", topic=found, page=page, authors=library.authors)


@bp.get("/authors/<slug>")
def author(slug: str):
    """Show an author's bio and articles, newest first, a page at a time."""
    library = current_snapshot().library
    person = library.authors.get(slug)
    if person is None:
        abort(404)
    page = paginate(
        library.articles_by(slug), requested_page(), current_app.config["LIST_PAGE_SIZE"]
    )
    return render_template("author.html", author=person, page=page)
