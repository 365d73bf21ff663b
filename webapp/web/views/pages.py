"""The practice's own pages at `/<slug>`, and the page lists the layout's nav and footer show.

Registered after every other blueprint, and its converter matches only the slugs of pages
that exist, so a page can never shadow another route and an unknown address is a plain 404.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template
from werkzeug.routing import BaseConverter, ValidationError

from webapp.generation.folder import IndexProblem
from webapp.model import Page, in_footer, in_nav
from webapp.web.live import current_snapshot

bp = Blueprint("pages", __name__)


class PageConverter(BaseConverter):
    """Match one path segment only when it is the slug of a page in the live generation."""

    def to_python(self, value: str) -> str:
        """Return the slug, or refuse the match so routing answers 404 as for any address."""
        try:
            known = current_snapshot().library.pages
        except IndexProblem:
            return value  # the view then fails the way every page does without an index
        if value not in known:
            raise ValidationError
        return value


@bp.get("/<page:slug>")
def page(slug: str):
    """Show one of the practice's pages."""
    found = current_snapshot().library.pages.get(slug)
    if found is None:  # the generation changed between routing and here
        abort(404)
    return render_template("page.html", site_page=found)


def site_pages() -> dict[str, list[Page]]:
    """Return the pages for the header navigation and for the footer."""
    try:
        pages = current_snapshot().library.pages
    except IndexProblem:  # the "being updated" page still renders the layout
        return {"nav_pages": [], "footer_pages": []}
    return {"nav_pages": in_nav(pages), "footer_pages": in_footer(pages)}


def init_app(app: Flask) -> None:
    """Add the page converter and give every template the page lists."""
    app.url_map.converters["page"] = PageConverter
    app.context_processor(site_pages)
