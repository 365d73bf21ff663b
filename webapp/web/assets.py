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

from webapp.web.http_cache import cached_url_for

HTMX_FILE = "vendor/htmx.min.js"
RECHECK_SECONDS = 1.0


@cache
def _fingerprint(path: Path, mtime_ns: int) -> str:  # noqa: ARG001 - the key is the version
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """Return the fingerprinted URL of a file in `webapp/static`."""
    # Every page links three assets: their versions are worked out once per file version and
    # the file is looked at again at most once a second, so a changed file still gets a new
    # URL (within a second) without a stat on every page. Only the version is remembered
    # here: the URL is built for this request, so no request's mount point or host can
    # become every later visitor's.
    versions = current_app.extensions.setdefault("asset_versions", {})
    now = time.monotonic()
    found = versions.get(name)
    if found is None or now - found[1] >= RECHECK_SECONDS:
        path = os.path.join(current_app.static_folder or "", name)
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            current_app.logger.error("static file %s is missing: git checkout restores it", name)
            return url_for("static", filename=name, v="missing")
        version = found[0] if found and found[2] == mtime else _fingerprint(Path(path), mtime)
        found = versions[name] = (version, now, mtime)
    return cached_url_for("static", filename=name, v=found[0])


def cache_static(response: Response) -> Response:
    """Let browsers keep fingerprinted static files for a year, without headers they never
    use."""
    if request.endpoint != "static":
        return response
    # "inline" is what a browser does anyway, and a saved file takes its name from the URL.
    response.headers.pop("Content-Disposition", None)
    if request.args.get("v") and response.status_code == 200:
        max_age = current_app.config["STATIC_MAX_AGE"]
        response.headers["Cache-Control"] = f"public, max-age={max_age}, immutable"
        # A fingerprinted URL is never revalidated while kept; if it is, the ETag does it.
        response.headers.pop("Last-Modified", None)
    return response


def init_app(app: Flask) -> None:
    """Expose `asset_url` to templates and register the caching hook."""
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["htmx_file"] = HTMX_FILE
    app.after_request(cache_static)
