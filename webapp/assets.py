"""Self-hosted static files: fingerprinted URLs and year-long caching.

`asset_url("style.css")` gives `/static/style.css?v=<hash of the file>`, so a changed file
gets a new URL and browsers may keep each version for a year.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

HTMX_FILE = "vendor/htmx.min.js"


@cache
def _fingerprint(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """Return the fingerprinted URL of a file in `webapp/static`."""
    path = os.path.join(current_app.static_folder or "", name)
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        current_app.logger.error("static file %s is missing: run 'make assets'", name)
        return url_for("static", filename=name, v="missing")
    # Every page links three assets: building their URLs once per version keeps url_for off
    # the hot path, while a changed file (same mtime check as before) still gets a new URL.
    urls = current_app.extensions.setdefault("asset_urls", {})
    key = (name, mtime)
    if key not in urls:
        urls[key] = url_for("static", filename=name, v=_fingerprint(Path(path), mtime))
    return urls[key]


def cache_static(response: Response) -> Response:
    """Let browsers keep fingerprinted static files for a year."""
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        max_age = current_app.config["STATIC_MAX_AGE"]
        response.headers["Cache-Control"] = f"public, max-age={max_age}, immutable"
    return response


def init_app(app: Flask) -> None:
    """Expose `asset_url` to templates and register the caching hook."""
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["htmx_file"] = HTMX_FILE
    app.after_request(cache_static)
