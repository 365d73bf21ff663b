"""The search page: a whole page normally, the results fragment for htmx."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app, request

from webapp.search.crisis import support_articles
from webapp.search.query import clean
from webapp.search.synonyms import Synonyms, SynonymsFile
from webapp.web.htmx import render
from webapp.web.live import current_snapshot

from .paging import requested_page

bp = Blueprint("search", __name__)


def init_app(app: Flask) -> None:
    """Watch the content folder's synonyms file, read again whenever it changes."""
    app.extensions["synonyms"] = SynonymsFile(Path(app.config["CONTENT_DIR"]))


def site_synonyms() -> Synonyms:
    """Return the practice's synonyms as the file now says."""
    return current_app.extensions["synonyms"].current()


@bp.get("/search")
def search():
    """Search as the visitor types; crisis support comes before any result."""
    config = current_app.config
    max_length = config["SEARCH_MAX_QUERY_LENGTH"]
    text = request.args.get("q", "")[: max_length * 4]  # cheap first cut before any work
    crisis_settings = current_app.extensions["site_settings"]["crisis"]
    # All of it is read for a crisis, not only the part searched: it may come last.
    support = support_articles(clean(text, len(text)), crisis_settings)
    crisis = support is not None
    # `exact` is the "Search instead for …" link: the words as typed, uncorrected.
    exact = request.args.get("exact") == "1"
    results = current_snapshot().search.search(
        text,
        page=requested_page(),
        page_size=config["SEARCH_PAGE_SIZE"],
        max_length=max_length,
        synonyms=site_synonyms(),
        # Someone in crisis is never told they may have meant something else.
        correct=not (crisis or exact),
        lead=support or (),
    )
    response = render(
        "search.html",
        "_search_results.html",
        results=results,
        crisis=crisis,
        exact=exact,
        topics=current_snapshot().library.topics(),
    )
    # What someone searched for is private: keep it out of shared caches and the disk cache.
    response.headers["Cache-Control"] = "no-store"
    return response
