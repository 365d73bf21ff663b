"""HTTP caching and compression for every response: ETag and 304, Cache-Control, br and gzip.

- Pages and fragments get a strong ETag from a hash of their body (Werkzeug's `add_etag`),
  so the htmx fragment and the whole page (different bodies) always get different ETags,
  and a browser revalidating with `If-None-Match` gets a bodiless 304. The htmx `Vary`
  headers set in `htmx.py` stay.
- HTML and XML pages without a Cache-Control of their own may be kept `PAGE_MAX_AGE`
  seconds. Responses that set one (search: `no-store`; static files: a year) keep theirs.
- Text responses of at least `MIN_COMPRESS` bytes are sent compressed to clients that accept
  it, with `Vary: Accept-Encoding`: brotli where the client prefers it at least as much as
  gzip (every current browser does, over HTTPS and on localhost), else gzip. Each
  representation has its own ETag (`-br`, `-gz`). Static files are compressed once per
  version and encoding, at the highest settings, and kept in memory.
- Article pages, related panels, the feed and the sitemap, which change only with the index
  generation, are kept as finished responses (body compressed, headers set) in a
  per-process cache bounded in bytes, keyed by generation, mount point, path, fragment or
  page, and encoding: a repeat view costs a dictionary look-up instead of a render and a
  compression. Before that first view, article pages and panels may come ready-made from
  the generation's pre-rendered pages (`prerender.py`).
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, Response, current_app, g, has_request_context, request, url_for

from webapp.generation.folder import IndexProblem
from webapp.generation.packs import PACK_ENCODING, PagePacks
from webapp.web.htmx import wants_fragment
from webapp.web.live import current_snapshot

# Smaller bodies (/healthz, robots.txt) gain a few bytes at most; a related panel of 700
# bytes is sent in 300 with brotli.
MIN_COMPRESS = 256
# On the fly, the lowest gzip level costs a fraction of the default level's time for a few
# more bytes, and brotli quality 5 is clearly smaller than that for little more time per page,
# where higher qualities gain almost nothing more for many times the cost. Static files are
# compressed once per version, so they get the smallest output. docs/performance.md
# ("Figures behind limits and choices in the code") has the measurements.
COMPRESS_LEVEL = 1
BROTLI_QUALITY = 5
STATIC_COMPRESS_LEVEL = 9
STATIC_BROTLI_QUALITY = 11
# The encodings sent, most preferred first: a client that accepts both equally gets the first.
ENCODINGS = ("br", "gzip")
COMPRESSIBLE = {
    "text/html", "text/css", "text/plain", "text/xml", "text/javascript",
    "application/javascript", "application/json", "application/xml",
    "application/atom+xml", "application/rss+xml", "image/svg+xml",
}  # fmt: skip
PAGE_TYPES = {"text/html", "application/xml", "text/xml", "application/atom+xml"}
ETAG_SUFFIXES = {"br": "-br", "gzip": "-gz"}
URL_MEMO_SIZE = 100_000  # entries; about two per article and topic, emptied when full
# Each depends only on the index generation and its path, never on a query string: so
# "?utm_source=…" from a newsletter link is served from the cache too, and no query string
# can make the server build the sitemap of a whole library again and again.
CACHED_ENDPOINTS = {
    "articles.article", "articles.related", "feeds.feed", "feeds.sitemap", "pages.page",
}  # fmt: skip
PAGE_CACHE_BYTES = 32 * 2**20  # per process; most entries are a few KB of gzipped HTML


class PageCache:
    """Finished responses, least recently used dropped first, bounded in total bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self._entries: OrderedDict[tuple, tuple[bytes, list[tuple[str, str]]]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, list[tuple[str, str]]] | None:
        """Return the stored body and headers, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple, body: bytes, headers: list[tuple[str, str]]) -> None:
        """Store a response, dropping the least recently used ones beyond the limit."""
        if len(body) > self.limit // 16:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[0])
            self._entries[key] = (body, headers)
            self._size += len(body)
            while self._size > self.limit and self._entries:
                _, (dropped, _) = self._entries.popitem(last=False)
                self._size -= len(dropped)


def _page_key() -> tuple | None:
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    try:
        generation = current_snapshot().manifest.generation
    except IndexProblem:
        return None
    return (generation, request.script_root, request.path, wants_fragment(), _encoding())


def serve_cached() -> Response | None:
    """Answer from the page cache, or from the generation's pre-rendered pages, when this
    exact representation is there."""
    key = _page_key()
    g.page_key = key
    if key is None:
        return None
    found = current_app.extensions["page_cache"].get(key)
    generation, mounted_at, path, fragment, encoding = key
    if found is None and encoding == PACK_ENCODING and not mounted_at:
        found = current_app.extensions["page_packs"].get(generation, (path, fragment))
    if found is None:
        return None
    body, headers = found
    g.page_cached = True
    return Response(body, status=200, headers=headers)


def compress(data: bytes, encoding: str, static: bool = False) -> bytes:
    """Return `data` in `encoding` ("br" or "gzip"): smallest for static files, fast else."""
    if encoding == "br":
        return brotli.compress(data, quality=STATIC_BROTLI_QUALITY if static else BROTLI_QUALITY)
    return gzip.compress(data, STATIC_COMPRESS_LEVEL if static else COMPRESS_LEVEL, mtime=0)


@lru_cache(maxsize=64)
def _compress_static(etag: str, data: bytes, encoding: str) -> bytes:  # noqa: ARG001 - the key is the version
    return compress(data, encoding, static=True)


def _encoding() -> str | None:
    """Return the encoding to send this request's client, or None for the plain body."""
    # Werkzeug's parsed header, so "br;q=0" (refused), "gzip;q=0.5" and "*" count as they
    # mean; of two encodings the client prefers equally, the first in ENCODINGS wins.
    accepted = request.accept_encodings
    best = max(ENCODINGS, key=accepted.quality)
    return best if accepted.quality(best) > 0 else None


def finish(response: Response) -> Response:
    """Add ETag, Cache-Control and compression; answer 304 when the client's copy is current."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if g.get("page_cached"):  # finished before it was stored
        return _conditional(response)
    mimetype = response.mimetype or ""
    compressible = mimetype in COMPRESSIBLE and "Content-Encoding" not in response.headers
    static = request.endpoint == "static"
    if response.is_streamed and not (static and compressible):
        return response
    if compressible:
        response.vary.add("Accept-Encoding")
    encoding = _encoding() if compressible else None
    body = None
    if static:  # Flask's send_file has set the file's ETag
        if encoding is None:
            return response
        etag, _ = response.get_etag()
        response.direct_passthrough = False  # read the file so it can be compressed
        data = response.get_data()
        body = _compress_static(etag, data, encoding) if etag else compress(data, encoding, True)
    else:
        response.add_etag()  # from the body, unless the view chose one
        data = response.get_data()
        if mimetype in PAGE_TYPES and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = (
                f"public, max-age={current_app.config['PAGE_MAX_AGE']}"
            )
        if encoding is not None and len(data) >= MIN_COMPRESS:
            body = compress(data, encoding)
    if body is not None:
        etag, weak = response.get_etag()
        if etag:
            response.set_etag(etag + ETAG_SUFFIXES[encoding], weak)
        response.set_data(body)
        response.headers["Content-Encoding"] = encoding
    key = g.get("page_key")
    if key is not None and not static:
        current_app.extensions["page_cache"].put(
            key, response.get_data(), list(response.headers.items())
        )
    return _conditional(response)


def _conditional(response: Response) -> Response:
    """Make `response` a 304 when the client's `If-None-Match` names its ETag."""
    # Weak comparison, as RFC 9110 asks for `If-None-Match` (and as Werkzeug's own
    # `make_conditional` does): a proxy that marked the ETag weak still gets its 304.
    # `make_conditional` itself would also stamp a Date, which the server adds already and
    # the page cache would keep. Werkzeug sends a 304 without the body and the headers that
    # describe it (Content-Type, -Encoding, -Length).
    etag, _ = response.get_etag()
    if etag and request.if_none_match.contains_weak(etag):
        response.status_code = 304
    return response


def cached_url_for(endpoint: str, **values: Any) -> str:
    """Return `url_for(endpoint, **values)`, remembered per request root.

    Templates build a URL for every topic and article they link (dozens a page), and
    `url_for` costs tens of microseconds each; the same arguments always give the same URL
    under one script root and host, so templates share a bounded memo.
    """
    if not has_request_context():
        return url_for(endpoint, **values)
    try:
        environ = request.environ
        key = (
            environ.get("SCRIPT_NAME"),
            environ.get("HTTP_HOST"),
            environ.get("wsgi.url_scheme"),
            endpoint,
            *sorted(values.items()),
        )
        hash(key)
    except TypeError:  # a list or other unhashable value: build it as usual
        return url_for(endpoint, **values)
    memo = current_app.extensions["url_memo"]
    found = memo.get(key)
    if found is None:
        found = url_for(endpoint, **values)
        if len(memo) >= URL_MEMO_SIZE:
            memo.clear()
        memo[key] = found
    return found


def init_app(app: Flask) -> None:
    """Register the hook and the template URL memo.

    Flask runs after-request hooks last-registered first, so register this before the
    others: it then sees every header they set.
    """
    app.after_request(finish)
    app.before_request(serve_cached)
    app.extensions["page_cache"] = PageCache(
        int(app.config.get("PAGE_CACHE_BYTES", PAGE_CACHE_BYTES))
    )
    app.extensions["page_packs"] = PagePacks(
        app, Path(app.config["INDEX_DIR"]), float(app.config["INDEX_CHECK_INTERVAL"])
    )
    app.extensions["url_memo"] = {}
    app.jinja_env.globals["url_for"] = cached_url_for
