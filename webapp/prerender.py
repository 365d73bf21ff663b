"""Article pages and related panels rendered once per index generation, before visitors ask.

An article page and its related panel are the same for every visitor until the content
changes, so after `index rebuild` or `index update` makes a generation live, `render_pages`
runs each request through the app itself (so body and headers are exactly what a visit
would get, compressed with brotli) and keeps them in the generation's folder: the bodies one
after another in a pack file, and an index of where each starts, with a CRC of each. A
worker then answers those URLs with one file read instead of rendering (see
`caching.serve_cached`).

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

No visitor-facing behaviour depends on the pack; it only saves the work of rendering.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask

from .index import PRERENDERING, _pause_point, available_cores, process_pool

log = logging.getLogger(__name__)

INDEX_FILE = "pages.index"  # names its pack file, so a reader never mixes two packs
PACK_PREFIX = "pages-"
# Config that shows in pages or their headers; anything else does not change their bytes.
PAGE_CONFIG = ("PAGE_MAX_AGE", "SEARCH_MAX_QUERY_LENGTH")
DROPPED_HEADERS = {"date", "content-length"}  # set per response by the server
FORMAT = 3  # 3: bodies in brotli (PACK_ENCODING), not gzip
# The encoding of the stored bodies: what browsers are sent (see caching.ENCODINGS).
PACK_ENCODING = "br"
# Pages to render before worker processes pay: each starts Python and opens the generation.
PARALLEL_MIN_PAGES = 1000
SHARE = 250  # pages a worker renders per task

PageKey = tuple[str, bool]  # (path, htmx fragment)


@dataclass(frozen=True)
class PrerenderReport:
    """What `render_pages` did, for the CLI's summary."""

    rendered: int
    reused: int
    seconds: float


@dataclass(frozen=True)
class _Entry:
    offset: int
    length: int
    headers: int  # position in the pack's list of distinct header lists
    digest: bytes  # of the page's inputs
    crc: int  # of the stored bytes, so a damaged pack is never sent to a visitor


def fingerprint(app: Flask) -> str:
    """Return the digest of what, besides an article's content, decides its page's bytes."""
    theme = app.extensions["theme"]  # its URLs carry the logo's hash, which settings lack
    settings = pickle.dumps(
        (
            app.extensions["site_settings"],
            [app.config.get(name) for name in PAGE_CONFIG],
            (theme.css_version, theme.logo_version),
        )
    )
    return _code_digest() + "-" + hashlib.blake2b(settings, digest_size=8).hexdigest()


@lru_cache(maxsize=1)
def _code_digest() -> str:
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# --- writing ----------------------------------------------------------------------------


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
    pages: dict[PageKey, _Entry] = {}
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
                pages[key] = _Entry(pack.tell(), len(body), header_ids[headers], digest, crc)
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
    # Each Article is pickled and hashed once, not again for every related list naming it
    # (most of this function's time): a page's digest covers its articles' digests.
    articles = {slug: _digest(article) for slug, article in library.articles.items()}
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
    from . import create_app  # the factory imports this module's users

    return create_app(config)


def _render_all(renderer: Flask, config: dict[str, Any], made_by: tuple[str, str], keys):
    """Yield (key, body, headers) for each page, rendered in worker processes when there are
    enough of them to pay for starting those (a whole library: each page is ~1.5 ms of
    Python, Jinja and brotli), else here."""
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
            _pause_point(PRERENDERING)
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


# --- reading ----------------------------------------------------------------------------


class PagePack:
    """One generation's pre-rendered pages, read one at a time from its pack file."""

    def __init__(self, folder: Path, data: dict):
        self.generation = data["generation"]
        self._pack = folder / data["pack"]
        self._headers = data["headers"]
        self._pages = data["pages"]
        self._broken = False
        self._kept: Any = None  # the pack file, kept open while `read` copies its pages

    @classmethod
    def open(cls, folder: Path, stamp: str) -> PagePack | None:
        """Return the folder's pack if the same code and settings rendered it, else None."""
        try:
            data = pickle.loads((folder / INDEX_FILE).read_bytes())  # noqa: S301 - our own file
            if data.get("format") != FORMAT or data.get("generation") != folder.name:
                return None
        except FileNotFoundError:
            return None
        except Exception as error:  # noqa: BLE001 - a damaged pack only costs speed
            log.warning("%s: pre-rendered pages unreadable, rendering on request: %r",
                        folder, error)  # fmt: skip
            return None
        return cls(folder, data) if data.get("fingerprint") == stamp else None

    def get(self, key: PageKey) -> tuple[bytes, tuple[tuple[str, str], ...]] | None:
        """Return the stored body and headers of a page (as sent to a client accepting
        PACK_ENCODING), or None."""
        entry = self._pages.get(key)
        if entry is None:
            return None
        return self._read(entry)

    def read(self, key: PageKey, digest: bytes):
        """Return (body, headers) if the page was rendered from the same inputs, else
        (None, None). For copying pages into a new pack: the file stays open until `close`."""
        entry = self._pages.get(key)
        if entry is None or entry[3] != digest:
            return None, None
        return self._read(entry, keep_open=True) or (None, None)

    def close(self) -> None:
        """Close the file that `read` kept open."""
        if self._kept is not None:
            self._kept.close()
            self._kept = None

    def _read(
        self, entry, keep_open: bool = False
    ) -> tuple[bytes, tuple[tuple[str, str], ...]] | None:
        if self._broken:
            return None
        offset, length, headers, _, crc = entry
        try:
            if keep_open:
                if self._kept is None:
                    self._kept = self._pack.open("rb")
                body = os.pread(self._kept.fileno(), length, offset)
            else:
                # Opened per read: nothing to close when a generation is replaced, and a
                # replaced pack file that was removed is simply not found.
                with self._pack.open("rb") as pack:
                    body = os.pread(pack.fileno(), length, offset)
            if len(body) != length or zlib.crc32(body) != crc:
                raise OSError(f"the {length} bytes at {offset} are not those written")
        except OSError as error:
            # Logged once: every page of the pack would fail alike.
            self._broken = True
            log.warning("%s: pre-rendered pages unreadable, rendering on request: %r",
                        self._pack, error)  # fmt: skip
            return None
        return body, self._headers[headers]


class PagePacks:
    """The pack of the generation a worker serves, opened once. While there is none it is
    looked for again every `check_interval` seconds (it is written after the generation goes
    live); one that cannot be used (other code rendered it, say) is read again only once its
    index file changes."""

    def __init__(self, app: Flask, index_dir: Path, check_interval: float):
        self._app = app
        self._index_dir = index_dir
        self._interval = check_interval
        self._generation: str | None = None
        self._pack: PagePack | None = None
        self._checked_at = -float("inf")
        self._tried: tuple[int, int, int] | None = None  # the index file's identity then
        self._lock = threading.Lock()
        # The code this process runs is the code on disk now, not after a later deploy.
        _code_digest()

    def get(self, generation: str, key: PageKey):
        """Return (body, headers) of a pre-rendered page of the generation, or None."""
        with self._lock:
            if generation != self._generation:
                self._generation, self._pack = generation, None
                self._checked_at, self._tried = -float("inf"), None
            if self._pack is None:
                now = time.monotonic()
                if now - self._checked_at < self._interval:
                    return None
                self._checked_at = now
                folder = self._index_dir / generation
                try:
                    found = (folder / INDEX_FILE).stat()
                except OSError:
                    return None
                identity = (found.st_ino, found.st_size, found.st_mtime_ns)
                if identity == self._tried:
                    return None
                self._tried = identity
                self._pack = PagePack.open(folder, fingerprint(self._app))
                if self._pack is None:
                    return None
            pack = self._pack
        return pack.get(key)
