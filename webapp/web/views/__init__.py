"""Blueprints by area: thin views that look things up, then render."""

from __future__ import annotations

from flask import Flask

from . import articles, feeds, pages, search, site, theme


def init_app(app: Flask) -> None:
    """Register every blueprint."""
    search.init_app(app)
    app.register_blueprint(articles.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(feeds.bp)
    theme.init_app(app)
    app.register_blueprint(theme.bp)
    # Last: `/<slug>` answers only for pages, after every other route has had its chance.
    pages.init_app(app)
    app.register_blueprint(pages.bp)
