"""A generation's content on disk: the Library in chunks, so an update rewrites only a few.

`library/meta.pickle` holds what is small and read as a whole: the order of the public
articles, drafts, authors, the practice's pages, problems, the related-articles lists and,
per public article, its topics and date (what related scoring needs of every article). The
public articles themselves, with their rendered HTML, are spread over CHUNKS files by a
stable hash of their slug; each article is pickled on its own within its chunk, after a
table of where each one is, so one article can be read without the rest. An `index update`
of one article loads the meta file and the one chunk that holds it, writes those two anew
and hard-links every other chunk from the live generation (files are never changed in
place, so links are safe, as with Whoosh's segments).
Serving holds every public article in memory without its body, table of contents and
resources (what lists and related panels need), and reads an article whole from its chunk
when its page is asked for (`ArticleFiles`). No Flask here.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import sys
import weakref
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from webapp.model import Article, Library, Related, body_links

FOLDER = "library"
META = "meta.pickle"
META_PATH = f"{FOLDER}/{META}"  # relative to a generation folder, as manifests name files
CHUNKS = 64
# A chunk file: MAGIC, the length of the pickled table, the table (slug -> offset after the
# table, length, digest), then each article pickled on its own. The digest proves the bytes
# read are those written, and tells whether a stored article changed between generations.
MAGIC = b"ARTCHUNK"
_HEAD = struct.Struct("<8sQ")
DIGEST_SIZE = 16


@dataclass
class Meta:
    """The small part of a stored library, read as a whole."""

    order: list[str]  # public article slugs, in library order
    # slug -> ((topic slug, name) pairs, date ordinal, slugs its body links to)
    light: dict[str, tuple[tuple[tuple[str, str], ...], int, tuple[str, ...]]]
    # slug -> (related slug, why) pairs: plain tuples load and save far faster than objects
    related: dict[str, list[tuple[str, str]]]
    drafts: dict[str, Article]
    authors: dict
    problems: list
    pages: dict = field(default_factory=dict)  # slug -> pages.Page: few, read as a whole


def chunk_of(slug: str) -> int:
    """Return the chunk a slug's article is stored in."""
    return zlib.crc32(slug.encode("utf-8")) % CHUNKS


def _chunk_path(folder: Path, number: int) -> Path:
    return folder / FOLDER / f"articles-{number:02}.pickle"


def _dump(path: Path, value: object) -> None:
    with path.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _load(path: Path):
    with path.open("rb") as handle:
        return pickle.load(handle)  # noqa: S301 - our own file, checksummed in the manifest


def _dump_chunk(path: Path, chunk: dict[str, Article]) -> None:
    table: dict[str, tuple[int, int, bytes]] = {}
    blobs = []
    offset = 0
    for slug, article in chunk.items():
        blob = _pickled(article)
        table[slug] = (offset, len(blob), _digest(blob))
        blobs.append(blob)
        offset += len(blob)
    head = pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)
    with path.open("wb") as handle:
        handle.write(_HEAD.pack(MAGIC, len(head)))
        handle.write(head)
        handle.writelines(blobs)


def _pickled(article: Article) -> bytes:
    return pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)


def digest(article: Article) -> bytes:
    """Return the digest of a whole article, as its chunk's table holds it once stored."""
    return _digest(_pickled(article))


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=DIGEST_SIZE).digest()


def _table(head: bytes, read_table) -> tuple[int, dict[str, tuple[int, int, bytes]]]:
    """Return where the articles start and the table, from a chunk's first bytes."""
    magic, length = _HEAD.unpack(head)
    if magic != MAGIC:
        raise ValueError("not a chunk of articles")
    table = pickle.loads(read_table(_HEAD.size, length))  # noqa: S301 - our own file
    return _HEAD.size + length, table


def _load_chunk(path: Path, names: Iterable[str] | None = None) -> dict[str, Article]:
    """Return the articles a chunk holds: all, or those of `names` it holds (only those are
    unpickled)."""
    data = memoryview(path.read_bytes())
    base, table = _table(bytes(data[: _HEAD.size]), lambda at, size: data[at : at + size])
    wanted = table if names is None else [name for name in names if name in table]
    found = {}
    for slug in wanted:
        offset, length, _ = table[slug]
        found[slug] = pickle.loads(data[base + offset : base + offset + length])  # noqa: S301 - ours
    return found


def served(article: Article) -> Article:
    """Return the article as serving holds it in memory: what lists and panels show, without
    the body, its plain text, table of contents and resources (`ArticleFiles` reads those)."""
    return replace(article, body_html="", body_text="", link_spans=(), toc=(), resources=())


class ArticleFiles:
    """A generation's chunk files, kept open, to read one public article whole on demand.

    Opened while the files are the ones the manifest checked, and kept open until `close`
    (or until nothing refers to them), so a generation removed from disk while a request
    still serves it reads as before.
    """

    def __init__(self, folder: Path):
        self._fds: list[int] = []
        self._tables: list[tuple[int, dict[str, tuple[int, int, bytes]]]] = []
        self._closer = weakref.finalize(self, _close_all, self._fds)
        try:
            for number in range(CHUNKS):
                fd = os.open(_chunk_path(folder, number), os.O_RDONLY | os.O_CLOEXEC)
                self._fds.append(fd)
                head = os.pread(fd, _HEAD.size, 0)
                self._tables.append(_table(head, lambda at, size, fd=fd: os.pread(fd, size, at)))
        except BaseException:
            self.close()
            raise

    def read(self, slug: str) -> Article | None:
        """Return the stored public article, whole but for its plain text, or None if the
        generation has none of that slug. Raises OSError or ValueError if its bytes are not
        those written."""
        number = chunk_of(slug)
        base, table = self._tables[number]
        entry = table.get(slug)
        if entry is None:
            return None
        offset, length, digest = entry
        blob = os.pread(self._fds[number], length, base + offset)
        if len(blob) != length or _digest(blob) != digest:
            raise ValueError(f"chunk {number:02}: bytes {offset}+{length} are not those written")
        article = pickle.loads(blob)  # noqa: S301 - our own file, and its digest matched
        return replace(article, body_text="", link_spans=())

    def digest(self, slug: str) -> bytes | None:
        """Return a digest of the public article with this slug as stored, whole (equal
        digests, equal articles), or None if the generation has none of that slug."""
        entry = self._tables[chunk_of(slug)][1].get(slug)
        return entry[2] if entry is not None else None

    def close(self) -> None:
        """Close the chunk files."""
        self._closer()


def _close_all(fds: list[int]) -> None:
    while fds:
        os.close(fds.pop())


def light(article: Article) -> tuple[tuple[tuple[str, str], ...], int, tuple[str, ...]]:
    """Return what related scoring needs of an article besides its text."""
    topics = tuple((t.slug, t.name) for t in article.topics)
    return topics, article.date.toordinal(), body_links(article)


def write(folder: Path, library: Library, related: dict[str, list[Related]]) -> None:
    """Store a whole library and its related lists in a new generation's folder."""
    (folder / FOLDER).mkdir()
    chunks: list[dict[str, Article]] = [{} for _ in range(CHUNKS)]
    for slug, article in library.articles.items():
        chunks[chunk_of(slug)][slug] = article
    for number, chunk in enumerate(chunks):
        _dump_chunk(_chunk_path(folder, number), chunk)
    _write_meta(folder, library, related)


def _write_meta(folder: Path, library: Library, related: dict[str, list[Related]]) -> None:
    meta = Meta(
        order=list(library.articles),
        light={slug: light(a) for slug, a in library.articles.items()},
        related={slug: pairs(items) for slug, items in related.items()},
        drafts=library.drafts,
        authors=library.authors,
        problems=library.problems,
        pages=library.pages,
    )
    _dump(folder / FOLDER / META, meta)


def pairs(items: Iterable[Related]) -> list[tuple[str, str]]:
    """Return a related list as (slug, why) pairs, as a Meta holds it.

    Interned, so that a slug or reason is one object however many lists name it: pickle
    then stores it once, and every process that loads the meta holds it once.
    """
    return [(sys.intern(str(item)), sys.intern(item.why)) for item in items]


class RelatedLists(Mapping[str, list[Related]]):
    """Each public article's related list, held as the stored (slug, why) pairs and made
    into `Related` items only when a page asks for one: every serving process holds every
    list, and a `Related` (a string with an attribute) costs several times a pair."""

    def __init__(self, stored: dict[str, list[tuple[str, str]]]):
        self._stored = stored

    def __getitem__(self, slug: str) -> list[Related]:
        return [Related(other, why) for other, why in self._stored[slug]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)


def read_meta(folder: Path) -> Meta:
    """Return the small part of a generation's stored library."""
    return _load(folder / FOLDER / META)


def read_articles(folder: Path, slugs: Iterable[str]) -> dict[str, Article]:
    """Return the stored public articles with these slugs (reading only their chunks)."""
    wanted: dict[int, list[str]] = {}
    for slug in slugs:
        wanted.setdefault(chunk_of(slug), []).append(slug)
    found = {}
    for number, names in wanted.items():
        found.update(_load_chunk(_chunk_path(folder, number), names))
    return found


def read(folder: Path, whole: bool = True) -> tuple[Library, RelatedLists]:
    """Return a generation's whole library and its related lists.

    Without `whole`, public articles come as serving holds them (`served`: no body, plain
    text, table of contents or resources): every server process keeps every article in
    memory, and the bodies were most of it; a page reads its article from `ArticleFiles`.
    """
    meta = read_meta(folder)
    everything: dict[str, Article] = {}
    for number in range(CHUNKS):
        chunk = _load_chunk(_chunk_path(folder, number))
        if not whole:  # chunk by chunk, so the bodies never all sit in memory at once
            chunk = {slug: served(article) for slug, article in chunk.items()}
        everything.update(chunk)
    library = Library(
        articles={slug: everything[slug] for slug in meta.order},
        drafts=meta.drafts,
        authors=meta.authors,
        problems=meta.problems,
        pages=meta.pages,
    )
    return library, RelatedLists(meta.related)


def write_update(
    folder: Path,
    old: Path,
    meta: Meta,
    changed: Iterable[Article],
    removed: Iterable[str],
    related: dict[str, list[tuple[str, str]]],
    drafts: Iterable[Article] = (),
) -> None:
    """Store the live generation's library with articles changed and removed, in `folder`.

    `meta` is the live generation's (it is not modified). Chunks with no change are hard
    links to the live generation's files. `drafts` are drafts read anew (their slugs are
    among `removed`).
    """
    changed = list(changed)
    removed = set(removed)
    touched = {chunk_of(s) for s in removed} | {chunk_of(a.slug) for a in changed}
    (folder / FOLDER).mkdir()
    for number in range(CHUNKS):
        if number not in touched:
            os.link(_chunk_path(old, number), _chunk_path(folder, number))
            continue
        chunk = _load_chunk(_chunk_path(old, number))
        for slug in removed:
            chunk.pop(slug, None)
        chunk.update((a.slug, a) for a in changed if chunk_of(a.slug) == number)
        _dump_chunk(_chunk_path(folder, number), chunk)
    order = [s for s in meta.order if s not in removed]
    order += [a.slug for a in changed]
    new_light = {s: v for s, v in meta.light.items() if s not in removed}
    new_light.update((a.slug, light(a)) for a in changed)
    kept_drafts = {s: a for s, a in meta.drafts.items() if s not in removed}
    kept_drafts.update((a.slug, a) for a in drafts)
    _dump(folder / FOLDER / META, Meta(order, new_light, related, kept_drafts, meta.authors,
                                       meta.problems, meta.pages))  # fmt: skip
