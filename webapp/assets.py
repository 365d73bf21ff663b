"""Self-hosted static files: fingerprinted URLs and year-long caching.

`asset_url("style.css")` gives `/static/style.css?v=<hash of the file>`, so a changed file
gets a new URL and browsers may keep each version for a year.
"""

from __future__ import annotations

import hashlib
import os
import time
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

HTMX_FILE = "vendor/htmx.min.js"
RECHECK_SECONDS = 1.0


@cache
def _fingerprint(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """Return the fingerprinted URL of a file in `webapp/static`."""
    # Every page links three assets: their URLs are built once per file version and the
    # file is looked at again at most once a second, so a changed file still gets a new URL
    # (within a second) without a stat and url_for on every page.
    urls = current_app.extensions.setdefault("asset_urls", {})
    now = time.monotonic()
    found = urls.get(name)
    if found is not None and now - found[1] < RECHECK_SECONDS:
        return found[0]
    path = os.path.join(current_app.static_folder or "", name)
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        current_app.logger.error("static file %s is missing: restore it with git checkout", name)
        return url_for("static", filename=name, v="missing")
    if found is None or found[2] != mtime:
        url = url_for("static", filename=name, v=_fingerprint(Path(path), mtime))
    else:
        url = found[0]
    urls[name] = (url, now, mtime)
    return url


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
