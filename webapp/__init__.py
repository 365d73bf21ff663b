"""The Flask application factory: config, extensions and blueprints, nothing else."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from htmx_flask import Htmx

from . import assets, caching, cli, errors, live, meta, privacy, security, settings, views


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the site: defaults, then FLASK_* environment variables, then `config`."""
    app = Flask(__name__)
    # Werkzeug would answer "//" in a path with an absolute redirect built from the Host
    # header; `errors` redirects such addresses itself, relatively.
    app.url_map.merge_slashes = False
    app.config.from_mapping(settings.CONFIG_DEFAULTS)
    app.config.from_prefixed_env()
    if config:
        app.config.from_mapping(config)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    Htmx(app)
    caching.init_app(app)  # first, so its after-request hook runs last
    settings.init_app(app)
    live.init_app(app)
    security.init_app(app)
    privacy.init_app(app)
    assets.init_app(app)
    meta.init_app(app)
    errors.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    return app
