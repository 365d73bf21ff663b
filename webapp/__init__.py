"""The application factory: the site (`web.app`) plus the maintainers' commands (`cli`)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from webapp import cli
from webapp.web.app import site_app


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the site: defaults, then FLASK_* environment variables, then `config`."""
    app = site_app(config)
    cli.init_app(app)
    return app
