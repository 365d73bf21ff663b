"""Render every article page and related panel once per generation into a pack.

An article page and its related panel are the same for every visitor until the content
changes, so after `index rebuild` or `index update` makes a generation live, `render_pages`
runs each request through the app itself (so body and headers are exactly what a visit
would get, compressed with brotli) and keeps them in the generation's folder: the bodies one
after another in a pack file, and an index of where each starts, with a CRC of each. A
worker then answers those URLs with one file read instead of rendering (see
`web/http_cache.serve_cached`; the pack's format and reader are `generation/packs.py`).

- Pages whose inputs (the article, its author, how many related articles it has and the
  practice's pages its header and footer list; the related list and the articles on it) are
  unchanged since the previous generation are copied from its pack, not rendered again.
- The pack records a fingerprint of everything else that decides the bytes: the site's code,
  templates and static files, the site settings, the theme and the config that pages show.
  A server whose fingerprint differs (new code deployed, settings edited) ignores the pack
  and renders as usual, as it also does for any URL the pack lacks or a pack it cannot read
  (or whose bytes no longer match their CRC).
- A whole library is rendered by a process per core, each opening the generation itself;
  what a worker rendered from another generation or with other code is rendered again here.
- Only what a plain request from a browser gets is kept: no query string, brotli accepted
  (every current browser sends `br`), the site mounted at the root. Anything else (a client
  that takes only gzip, say) is rendered on request.

No visitor-facing behaviour depends on the pack; it only saves the work of rendering. It
runs the site itself (a private app per worker), so this module sits above the web layer.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from webapp.building.workers import available_cores, process_pool
from webapp.generation.packs import (
    DROPPED_HEADERS,
    FORMAT,
    INDEX_FILE,
    PACK_ENCODING,
    PACK_PREFIX,
    PackEntry,
    PageKey,
    PagePack,
    fingerprint,
)
from webapp.web.app import site_app

log = logging.getLogger(__name__)


# Pages to render before worker processes pay: each starts Python and opens the generation.
PARALLEL_MIN_PAGES = 1000


SHARE = 250  # pages a worker renders per task


@dataclass(frozen=True)
class PrerenderReport:
    """What `render_pages` did, for the CLI's summary."""

    rendered: int
    reused: int
    seconds: float


def render_pages(
    app: Flask, progress: Callable[[int, int], None] | None = None
) -> PrerenderReport | None:
    """Pre-render the live generation's article pages and related panels into its folder.

    Returns None when there is no live generation, or it was removed while rendering (two
    newer builds went live meanwhile; the newest renders its own). `progress(done, total)`
    is told as pages are rendered.
    """
    started = time.perf_counter()
    index_dir = Path(app.config["INDEX_DIR"])
    config = _renderer_config(app)
    renderer = _renderer(config)
    live = renderer.extensions["live_index"]
    try:
        snapshot = live.snapshot()
    except Exception as problem:  # noqa: BLE001 - no usable generation: nothing to render
        log.warning("no pages pre-rendered: %s", problem)
        return None
    generation = snapshot.manifest.generation
    folder = index_dir / generation
    stamp = fingerprint(renderer)
    previous = _previous_pack(index_dir, generation, stamp)
    pages: dict[PageKey, PackEntry] = {}
    header_lists: list[tuple[tuple[str, str], ...]] = []
    header_ids: dict[tuple[tuple[str, str], ...], int] = {}
    rendered = reused = 0
    pack_name = f"{PACK_PREFIX}{os.getpid()}-{time.time_ns()}.pack"
    try:
        with (folder / pack_name).open("wb") as pack:

            def store(key: PageKey, digest: bytes, body: bytes, headers) -> None:
                if headers not in header_ids:
                    header_ids[headers] = len(header_lists)
                    header_lists.append(headers)
                crc = zlib.crc32(body)
                pages[key] = PackEntry(pack.tell(), len(body), header_ids[headers], digest, crc)
                pack.write(body)

            unrendered: dict[PageKey, bytes] = {}
            for key, digest in _page_inputs(snapshot):
                body, headers = previous.read(key, digest) if previous else (None, None)
                if body is None:
                    unrendered[key] = digest
                else:
                    reused += 1
                    store(key, digest, body, headers)
            found = _render_all(renderer, config, (generation, stamp), list(unrendered))
            for done, (key, body, headers) in enumerate(found, start=1):
                if body is not None:
                    rendered += 1
                    store(key, unrendered[key], body, headers)
                if progress:
                    progress(done, len(unrendered))
        _write_index(folder, pack_name, stamp, generation, pages, header_lists)
    except FileNotFoundError as error:  # the generation was replaced and removed meanwhile
        log.warning("pages not pre-rendered: %s", error)
        (folder / pack_name).unlink(missing_ok=True)
        return None
    except BaseException:  # a full disk or a worker killed, say: no half-written pack is left
        with contextlib.suppress(OSError):
            (folder / pack_name).unlink(missing_ok=True)
        raise
    finally:
        snapshot.close()
        if previous is not None:
            previous.close()
    for old in folder.glob(f"{PACK_PREFIX}*.pack"):
        if old.name != pack_name:
            old.unlink(missing_ok=True)
    return PrerenderReport(rendered, reused, time.perf_counter() - started)


def pages_missing(app: Flask, generation: str) -> str | None:
    """Say why the generation has no pages this code and these settings can serve (for
    `index update` to render them), or return None when it has them."""
    folder = Path(app.config["INDEX_DIR"]) / generation
    if not (folder / INDEX_FILE).exists():
        return "were never pre-rendered (the build that made it stopped before that)"
    if PagePack.open(folder, fingerprint(app)) is None:
        return "were pre-rendered by other code or settings, or are damaged"
    return None


def _page_inputs(snapshot):
    """Yield (page key, digest of everything from the content the page shows)."""
    library = snapshot.library
    # Each article's digest as stored, whole: the library's articles lack their bodies.
    articles = {slug: snapshot.article_digest(slug) for slug in library.articles}
    # Every whole page's header and footer list the practice's pages.
    layout = sorted((p.slug, p.title, p.nav, p.order) for p in library.pages.values())
    for slug, article in library.articles.items():
        author = library.authors.get(article.author or "")
        related = [(articles[s], s.why) for s in snapshot.related.get(slug, []) if s in articles]
        path = f"/articles/{slug}"
        # The page reserves a row for each related article.
        yield (path, False), _digest((articles[slug], author, len(related), layout))
        yield (f"{path}/related", True), _digest((slug, related))


def _digest(inputs: Any) -> bytes:
    return hashlib.blake2b(pickle.dumps(inputs, protocol=5), digest_size=16).digest()


def _renderer_config(app: Flask) -> dict[str, Any]:
    # A private app pinned to the generation live now: it never looks for a newer one, never
    # builds one, and keeps no page cache of its own.
    return {
        **app.config,
        "INDEX_CHECK_INTERVAL": float("inf"),
        "PAGE_CACHE_BYTES": 0,
    }


def _renderer(config: dict[str, Any]) -> Flask:
    return site_app(config)


def _render_all(renderer: Flask, config: dict[str, Any], made_by: tuple[str, str], keys):
    """Yield (key, body, headers) for each page, rendered in worker processes when there are
    enough of them to pay for starting those (a whole library: each page runs through the
    app, Jinja and brotli, in pure Python), else here."""
    workers = available_cores()
    if workers < 2 or len(keys) < PARALLEL_MIN_PAGES:
        for key in keys:
            yield key, *_render(renderer, key)
        return
    shares = [keys[i : i + SHARE] for i in range(0, len(keys), SHARE)]
    # Workers that die with this process, recorded for the next build to reap if they do not.
    index_dir = Path(config["INDEX_DIR"])
    with process_pool(workers, index_dir, _start_worker, (config,)) as pool:
        for share, done in zip(shares, pool.map(_render_share, shares), strict=True):
            if done is not None and done[0] == made_by:
                yield from done[1]
            else:
                # The worker opened another generation (a newer build went live since) or
                # runs other code (a deploy since): this process renders what it asked for.
                for key in share:
                    yield key, *_render(renderer, key)


# In a worker process: its renderer, and the generation and fingerprint it renders with.
_worker: tuple[Flask, tuple[str, str]] | None = None


def _start_worker(config: dict[str, Any]) -> None:
    global _worker  # one renderer per worker process, for all the shares it renders
    # Each worker opening the generation is not news for the maintainer's terminal.
    logging.getLogger("webapp.live").setLevel(logging.WARNING)
    try:
        renderer = _renderer(config)
        generation = renderer.extensions["live_index"].snapshot().manifest.generation
        _worker = renderer, (generation, fingerprint(renderer))
    except Exception:  # noqa: BLE001 - its shares come back unrendered; the caller renders them
        _worker = None


def _render_share(keys: list[PageKey]):
    """Render pages in a worker: return ((generation, fingerprint), [(key, body, headers)]),
    or None when this worker has no generation to render from."""
    if _worker is None:
        return None
    renderer, made_by = _worker
    return made_by, [(key, *_render(renderer, key)) for key in keys]


def _render(app: Flask, key: PageKey) -> tuple[bytes | None, tuple[tuple[str, str], ...]]:
    path, fragment = key
    headers = {"Accept-Encoding": PACK_ENCODING}
    if fragment:
        headers["HX-Request"] = "true"
    # The whole request as the server handles it (hooks included), without a WSGI round
    # trip, which would only add the Content-Length that is dropped anyway.
    with app.test_request_context(path, headers=headers):
        response = app.full_dispatch_request()
    if response.status_code != 200:
        return None, ()
    kept = tuple(
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in DROPPED_HEADERS
    )
    return response.get_data(), kept


def _write_index(folder: Path, pack_name: str, stamp: str, generation: str, pages, header_lists):
    data = {
        "format": FORMAT,
        "pack": pack_name,
        "fingerprint": stamp,
        "generation": generation,
        "headers": header_lists,
        "pages": {k: (e.offset, e.length, e.headers, e.digest, e.crc) for k, e in pages.items()},
    }
    temporary = folder / f".{INDEX_FILE}.{os.getpid()}"
    temporary.write_bytes(pickle.dumps(data, protocol=5))
    os.replace(temporary, folder / INDEX_FILE)


def _previous_pack(index_dir: Path, generation: str, stamp: str) -> PagePack | None:
    """Return the newest other generation's pack rendered by the same code and settings."""
    for folder in sorted(index_dir.glob("gen-*"), reverse=True):
        if folder.name != generation:
            found = PagePack.open(folder, stamp)
            if found is not None:
                return found
    return None
