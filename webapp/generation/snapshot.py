"""One generation opened for serving: its search index, library, related lists and settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

from webapp.generation import store
from webapp.generation.folder import (
    FORMAT,
    IndexProblem,
    Manifest,
    current_generation,
    read_manifest,
    verify_checksums,
    why_no_generation,
)
from webapp.model import Article, Library
from webapp.search import engine

log = logging.getLogger(__name__)

# Whole articles kept per snapshot once read: an article page and its related panel come
# together, and a popular article is asked for again and again. (Each is about 10 KB.)
RECENT_ARTICLES = 64


@dataclass
class Snapshot:
    """One generation loaded for serving: content, related lists and the search index.

    The library's public articles are held without their bodies (see `store.served`);
    `article` returns one whole, read from the generation's files.
    """

    manifest: Manifest
    library: Library
    related: store.RelatedLists
    search: engine.SearchIndex
    files: store.ArticleFiles | None = None
    _recent: object = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        # Not a cache of a bound method: that would make a reference cycle, and a replaced
        # generation (its library, related lists and caches) would then stay in memory until
        # the garbage collector's next full pass instead of going when its last request ends.
        self._recent = lru_cache(maxsize=RECENT_ARTICLES)(
            partial(_read_article, self.files, self.manifest.generation)
        )

    def article(self, slug: str) -> Article | None:
        """Return the public article with this slug, whole (body, table of contents and
        resources; not its plain text), or None; raise IndexProblem if its stored bytes are
        damaged."""
        if slug not in self.library.articles:
            return None
        if self.files is None:  # a library loaded whole
            return self.library.articles[slug]
        return self._recent(slug)

    def article_digest(self, slug: str) -> bytes | None:
        """Return a digest of the public article with this slug, whole as stored (equal
        digests, equal articles), or None; read from the files' tables, not the articles."""
        if slug not in self.library.articles:
            return None
        if self.files is None:  # a library loaded whole
            return store.digest(self.library.articles[slug])
        return self.files.digest(slug)

    def warm(self, previous: Snapshot | None = None) -> None:
        """Do now what this generation's first visitors would otherwise wait for: order the
        library's articles and topics (every page lists them), and warm the search index,
        with what was searched lately on the `previous` generation it replaces."""
        self.library.latest()
        self.library.topics()
        self.search.warm(previous=previous.search if previous is not None else None)

    def close(self) -> None:
        """Release the generation's search and article files."""
        self.search.close()
        if self.files is not None:
            self.files.close()


def _read_article(files: store.ArticleFiles, generation: str, slug: str) -> Article | None:
    try:
        return files.read(slug)
    except Exception as error:  # noqa: BLE001 - damaged files: "rebuild", not a crash
        log.error("index generation %s: article %r unreadable (%r): run 'flask --app wsgi "
                  "index rebuild'", generation, slug, error)  # fmt: skip
        raise IndexProblem(f"{generation}: article files are damaged ({error!r})") from None


def load_snapshot(index_dir: Path, generation: str | None = None) -> Snapshot:
    """Open the live generation (or the one named) for serving; raise IndexProblem if it is
    missing or damaged."""
    generation = generation or current_generation(index_dir)
    if generation is None:
        raise IndexProblem(why_no_generation(index_dir))
    manifest = read_manifest(index_dir, generation)
    if manifest.format != FORMAT:
        raise IndexProblem(f"{index_dir / generation}: built by an older version of the site")
    folder = index_dir / generation
    library, related, files = _read_content(folder, manifest)
    try:
        searcher = engine.SearchIndex(folder / "whoosh")
    except Exception as error:  # noqa: BLE001 - any damage to the files means "rebuild", not a crash
        files.close()
        raise IndexProblem(f"{folder}: index files are damaged ({error!r})") from None
    return Snapshot(manifest, library, related, searcher, files)


def _read_content(
    folder: Path, manifest: Manifest
) -> tuple[Library, store.RelatedLists, store.ArticleFiles]:
    """Check every file of a generation against its manifest, then load its content for
    serving: the articles without their bodies, and the files to read those from."""
    verify_checksums(folder, manifest)
    try:
        files = store.ArticleFiles(folder)
    except Exception as error:  # noqa: BLE001 - damaged files: "rebuild", not a crash
        raise IndexProblem(f"{folder}: index files are damaged ({error!r})") from None
    try:
        library, related = store.read(folder, whole=False)
    except Exception as error:  # noqa: BLE001 - damaged files: "rebuild", not a crash
        files.close()
        raise IndexProblem(f"{folder}: index files are damaged ({error!r})") from None
    return library, related, files
