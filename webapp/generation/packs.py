"""Pre-rendered pages stored with a generation: the pack format and its reader."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

INDEX_FILE = "pages.index"  # names its pack file, so a reader never mixes two packs


PACK_PREFIX = "pages-"


# Config that shows in pages or their headers; anything else does not change their bytes.
PAGE_CONFIG = ("PAGE_MAX_AGE", "SEARCH_MAX_QUERY_LENGTH")


DROPPED_HEADERS = {"date", "content-length"}  # set per response by the server


FORMAT = 3  # 3: bodies in brotli (PACK_ENCODING), not gzip
# The encoding of the stored bodies: what browsers are sent (see http_cache.ENCODINGS).
PACK_ENCODING = "br"


PageKey = tuple[str, bool]  # (path, htmx fragment)


@dataclass(frozen=True)
class PackEntry:
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


# The whole site's code: views, hooks, templates and static files all shape a page's bytes.
CODE_ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def _code_digest(root: Path = CODE_ROOT) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


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
