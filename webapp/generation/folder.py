"""The `index/` folder as readers see it: which generation is live, its manifest, and
checksums that prove its files whole.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from webapp.generation import store

# Bump when the snapshot layout changes, or when a class stored in it moves: Whoosh's schema
# and the stored content name their classes by module path. Older generations are then
# refused by name and rebuilt. 13: the packages of the layered layout. 14: articles pickled
# one by one in their chunk files, after a table, so serving reads one article on demand.
# 15: that table holds a digest of each article, not a CRC, so pre-rendering sees edits.
# 16: bodies are indexed without the words of their links to other articles.
FORMAT = 16


# 5: "Did you mean" and completions read whoosh/vocabulary.bin, no longer a `words` field.
# 8: related scoring reads whoosh/body-terms.bin.
# 9: a `headings` field. 11: related lists say why each article is there.
# 12: the practice's pages, stored beside the articles and indexed with a `kind` field.
CURRENT = "CURRENT"


LOCK = ".lock"


CHECKSUM_THREADS = 8
GENERATION_NAME = re.compile(r"gen-[0-9]{8}T[0-9]{12}")


class IndexProblem(Exception):
    """The index cannot be built or opened; the message says why and what to do."""


class BuildInProgress(IndexProblem):
    """Another build holds the lock."""


@dataclass
class Manifest:
    """What a generation holds and where it came from."""

    generation: str
    built_at: str
    seconds: float
    documents: int
    fingerprints: dict[str, str]  # content file (relative path) -> sha256 of its bytes
    problems: list[str] = field(default_factory=list)
    format: int = FORMAT
    checksums: dict[str, str] = field(default_factory=dict)  # file in generation -> file_checksum
    # content file -> [size, mtime_ns] when it was hashed, so `update` and `status` re-read
    # only files whose size or time changed (git's index does the same).
    stats: dict[str, list[int]] = field(default_factory=dict)
    render_version: str = ""  # content.RENDER_VERSION of the build


def current_generation(index_dir: Path) -> str | None:
    """Return the live generation's name, or None when there is none (or CURRENT is bad)."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):  # missing, unreadable, or not text at all
        return None
    # Only a name this module writes: CURRENT is never a path to follow anywhere else.
    if GENERATION_NAME.fullmatch(name) and (index_dir / name).is_dir():
        return name
    return None


def why_no_generation(index_dir: Path) -> str:
    pointer = index_dir / CURRENT
    try:
        named = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return f"{index_dir}: no index has been built yet"
    except (OSError, ValueError) as error:
        return f"{pointer}: cannot be read ({error})"
    return f"{pointer}: names {named[:80]!r}, which is not a generation folder in {index_dir}"


def read_manifest(index_dir: Path, generation: str) -> Manifest:
    """Return the manifest of a generation; raise IndexProblem if it is unreadable."""
    try:
        data = json.loads((index_dir / generation / "manifest.json").read_text("utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError) as error:
        raise IndexProblem(f"{index_dir / generation}: manifest is unreadable ({error})") from None


def generations_before(index_dir: Path, generation: str) -> list[str]:
    """Return the generations older than `generation` still in the folder, newest first."""
    names = (p.name for p in index_dir.glob("gen-*") if GENERATION_NAME.fullmatch(p.name))
    return sorted((name for name in names if name < generation), reverse=True)


def verify_checksums(folder: Path, manifest: Manifest) -> None:
    # Whoosh reads most of its files lazily, so damage it would only meet in the middle of a
    # visitor's search is caught here; and nothing is unpickled before its checksum matches.
    if store.META_PATH not in manifest.checksums:
        raise IndexProblem(f"{folder}: manifest lists no content files")
    actual = file_checksums(folder, list(manifest.checksums))
    for name, expected in manifest.checksums.items():
        if isinstance(actual[name], OSError):
            raise IndexProblem(f"{folder}: index file {name} is missing ({actual[name]})")
        if actual[name] != expected:
            raise IndexProblem(f"{folder}: index file {name} is damaged (checksum differs)")


def file_checksums(folder: Path, names: list[str]) -> dict[str, str | OSError]:
    """Return the checksum of each named file (or the error reading it), a thread per core:
    checksumming releases the GIL, and a large generation is a few hundred megabytes."""

    def one(name: str) -> str | OSError:
        try:
            return file_checksum(folder / name)
        except OSError as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, min(CHECKSUM_THREADS, os.cpu_count() or 1))) as pool:
        return dict(zip(names, pool.map(one, names), strict=True))


def file_checksum(path: Path) -> str:
    # CRC-32 and the length: what zip, gzip and PNG use against damage on disk, several times
    # faster than a cryptographic hash, and every server process checks a whole generation
    # when it opens it. It is no defence against deliberate change, and needs none: whoever
    # can write a file in `index/` can write its manifest too.
    crc, size = 0, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return f"crc32:{crc:08x}:{size}"
