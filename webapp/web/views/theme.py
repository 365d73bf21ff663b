"""The practice's theme: its stylesheet of colours and its logo, served from our origin.

Both are worked out once when the app starts (site settings are read then too); their URLs
carry a hash of their bytes, so browsers may keep each version for a year.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request

from webapp.web import theme

bp = Blueprint("theme", __name__)


def _immutable(body: bytes | str, mimetype: str, version: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if request.args.get("v") == version:
        max_age = current_app.config["STATIC_MAX_AGE"]
        response.headers["Cache-Control"] = f"public, max-age={max_age}, immutable"
    return response


@bp.get("/theme.css")
def stylesheet():
    """Serve the custom properties that give the site the practice's colours."""
    found: theme.Theme = current_app.extensions["theme"]
    return _immutable(found.css, "text/css", found.css_version)


@bp.get("/theme/logo.svg")
def logo():
    """Serve the practice's logo, checked when the app started."""
    found: theme.Theme = current_app.extensions["theme"]
    if found.logo is None:
        abort(404)
    return _immutable(found.logo, "image/svg+xml", found.logo_version)


def init_app(app: Flask) -> None:
    """Work out the theme from site settings; log what had to be left out, and why."""
    found, problems = theme.load(app.extensions["site_settings"], Path(app.config["CONTENT_DIR"]))
    for problem in problems:
        app.logger.warning("theme left out: %s (run 'content check')", problem)
    app.extensions["theme"] = found
    app.jinja_env.globals["theme"] = found
