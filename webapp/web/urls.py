"""Absolute and canonical URLs, built from the `base_url` in the site settings.

Links inside pages stay relative; anything read away from the site (canonical links, Open
Graph, the feed, the sitemap) needs the address the practice publishes at, not the one this
request happened to arrive on.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from webapp.web.discovery import absolute


def absolute_url(path: str) -> str:
    """Return `path` (starting with '/') as an absolute URL on the configured base URL."""
    return absolute(current_app.extensions["site_settings"]["base_url"], path)


def canonical_url(page: int | None = None) -> str:
    """Return this page's canonical URL: no query string except `page` beyond the first."""
    url = absolute_url(request.path)
    return f"{url}?page={page}" if page and page > 1 else url


def init_app(app: Flask) -> None:
    """Make the URL helpers available to templates."""
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["canonical_url"] = canonical_url
