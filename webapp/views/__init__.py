"""Blueprints by area: thin views that look things up, then render."""

from __future__ import annotations

from flask import Flask

from . import articles, feeds, search, site


def init_app(app: Flask) -> None:
    """Register every blueprint."""
    search.init_app(app)
    app.register_blueprint(articles.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(feeds.bp)
