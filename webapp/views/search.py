"""The search page: a whole page normally, the results fragment for htmx."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from ..crisis import matches_crisis
from ..htmx import render
from ..live import current_snapshot
from .paging import requested_page

bp = Blueprint("search", __name__)


@bp.get("/search")
def search():
    """Search as the visitor types; crisis support comes before any result."""
    config = current_app.config
    max_length = config["SEARCH_MAX_QUERY_LENGTH"]
    text = request.args.get("q", "")[: max_length * 4]  # cheap first cut before any work
    results = current_snapshot().search.search(
        text, page=requested_page(), page_size=config["SEARCH_PAGE_SIZE"], max_length=max_length
    )
    site = current_app.extensions["site_settings"]
    crisis = matches_crisis(results.query, site["crisis"]["terms"])
    response = render(
        "search.html",
        "_search_results.html",
        results=results,
        crisis=crisis,
        topics=current_snapshot().library.topics(),
    )
    # What someone searched for is private: keep it out of shared caches and the disk cache.
    response.headers["Cache-Control"] = "no-store"
    return response
