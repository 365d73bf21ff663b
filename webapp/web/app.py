"""The site as a Flask app: config, extensions and blueprints, without the CLI.

`webapp.create_app` adds the maintainers' commands; pre-rendering builds its private
renderers from this, so the build can render pages without the CLI importing it back.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from htmx_flask import Htmx

from webapp import config
from webapp.web import assets, errors, http_cache, live, privacy, security, urls, views


def site_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Create the site: defaults, then FLASK_* environment variables, then `overrides`."""
    # Named after the package, so templates and static files are found in webapp/.
    app = Flask("webapp")
    # Werkzeug would answer "//" in a path with an absolute redirect built from the Host
    # header; `errors` redirects such addresses itself, relatively.
    app.url_map.merge_slashes = False
    app.config.from_mapping(config.CONFIG_DEFAULTS)
    app.config.from_prefixed_env()
    if overrides:
        app.config.from_mapping(overrides)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    Htmx(app)
    http_cache.init_app(app)  # first, so its after-request hook runs last
    config.init_app(app)
    live.init_app(app)
    security.init_app(app)
    privacy.init_app(app)
    assets.init_app(app)
    urls.init_app(app)
    errors.init_app(app)
    views.init_app(app)
    return app
