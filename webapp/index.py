"""The `index/` directory: build a generation beside the live one and swap it in atomically.

A generation is a folder holding everything the site serves from: the Whoosh index, the
validated content (articles rendered once, authors) and the related-articles lists. The file
`CURRENT` names the live generation; replacing it with `os.replace` is the atomic swap, so a
reader sees the old generation or the new one, never a half-built one. An exclusive `flock`
on `.lock` keeps two builds apart; the kernel drops it when a build dies, so a killed build
never leaves a stale lock. Leftover `.building-*` folders from a killed build are removed by
the next build. Each generation's manifest records a checksum of every file it holds, so
damaged files are found when the generation is opened, not by a visitor's search. No Flask here.

One test-only hook: `WEBAPP_TEST_PAUSE_AT=<stage>` (see `_pause_point`) lets the fault tests
kill a build at a known point. Nothing sets it in real use.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import search
from .content import Library, load_library, read_article

log = logging.getLogger(__name__)

FORMAT = 2  # bump when the snapshot layout changes; older generations are then rebuilt
CURRENT = "CURRENT"
LOCK = ".lock"
GENERATION_NAME = re.compile(r"gen-[0-9]{8}T[0-9]{12}")
PAUSE_ENV = "WEBAPP_TEST_PAUSE_AT"
PAUSE_STAGES = ("locked", "indexing", "before-swap", "before-pointer")


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
    checksums: dict[str, str] = field(default_factory=dict)  # file in generation -> sha256


@dataclass
class Snapshot:
    """One generation loaded for serving: content, related lists and the search index."""

    manifest: Manifest
    library: Library
    related: dict[str, list[str]]
    search: search.SearchIndex

    def close(self) -> None:
        """Release the generation's search files."""
        self.search.close()


@dataclass
class BuildReport:
    """What a build did, for the CLI's summary."""

    generation: str
    documents: int
    seconds: float
    problems: list[str]


def content_fingerprints(content_dir: Path) -> dict[str, str]:
    """Return a hash of every content file, keyed by its path relative to `content_dir`."""
    prints = {}
    for path in sorted(content_dir.rglob("*")):
        if path.is_file() and path.suffix in {".md", ".yml", ".yaml"}:
            prints[str(path.relative_to(content_dir))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return prints


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


def _why_no_generation(index_dir: Path) -> str:
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


def load_snapshot(index_dir: Path) -> Snapshot:
    """Open the live generation for serving; raise IndexProblem if missing or damaged."""
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexProblem(_why_no_generation(index_dir))
    manifest = read_manifest(index_dir, generation)
    if manifest.format != FORMAT:
        raise IndexProblem(f"{index_dir / generation}: built by an older version of the site")
    folder = index_dir / generation
    library, related = _read_content(folder, manifest)
    try:
        searcher = search.SearchIndex(folder / "whoosh")
    except Exception as error:  # any damage to the files means "rebuild", not a crash
        raise IndexProblem(f"{folder}: index files are damaged ({error!r})") from None
    return Snapshot(manifest, library, related, searcher)


def _read_content(folder: Path, manifest: Manifest) -> tuple[Library, dict[str, list[str]]]:
    """Check every file of a generation against its manifest, then load its content."""
    # Whoosh reads most of its files lazily, so damage it would only meet in the middle of a
    # visitor's search is caught here; and nothing is unpickled before its checksum matches.
    for name, expected in manifest.checksums.items():
        try:
            actual = _sha256(folder / name)
        except OSError as error:
            raise IndexProblem(f"{folder}: index file {name} is missing ({error})") from None
        if actual != expected:
            raise IndexProblem(f"{folder}: index file {name} is damaged (checksum differs)")
    if "snapshot.pickle" not in manifest.checksums:
        raise IndexProblem(f"{folder}: manifest lists no files")
    try:
        with (folder / "snapshot.pickle").open("rb") as handle:
            return pickle.load(handle)
    except Exception as error:
        raise IndexProblem(f"{folder}: index files are damaged ({error!r})") from None


def rebuild(
    content_dir: Path,
    index_dir: Path,
    *,
    allow_problems: bool = False,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BuildReport:
    """Build a whole new generation from `content_dir` and make it live.

    With problems in the content, refuse (leaving the live generation serving) unless
    `allow_problems`, which the first start-up uses so a fresh site serves what it can.
    """
    started = time.perf_counter()
    with _build_lock(index_dir):
        _pause_point("locked")
        fingerprints = content_fingerprints(content_dir)
        library = load_library(content_dir)
        problems = [str(p) for p in library.problems]
        if problems and not allow_problems:
            raise IndexProblem(
                "content has problems, so the index was not rebuilt and the old one is still "
                "serving:\n  " + "\n  ".join(problems)
            )
        if on_start:
            on_start(len(library.articles))

        def step(done: int) -> None:
            if progress:
                progress(done)
            _pause_point("indexing")

        with _new_generation(index_dir) as (folder, name):
            documents = search.build_index(folder / "whoosh", library.articles.values(),
                                           progress=step)
            related = search.compute_related(folder / "whoosh", library.articles)
            seconds = time.perf_counter() - started
            _write_snapshot(folder, name, library, related, fingerprints, seconds, problems)
        return BuildReport(name, documents, seconds, problems)


def update(content_dir: Path, index_dir: Path) -> BuildReport:
    """Re-index only added, changed and removed articles into a new generation."""
    started = time.perf_counter()
    with _build_lock(index_dir):
        generation = current_generation(index_dir)
        if generation is None:
            raise IndexProblem(f"{index_dir}: no index yet: run 'index rebuild' first")
        old = read_manifest(index_dir, generation)
        if old.format != FORMAT:
            raise IndexProblem("the index was built by an older version: run 'index rebuild'")
        fingerprints = content_fingerprints(content_dir)
        changed_files = {p for p, h in fingerprints.items() if old.fingerprints.get(p) != h}
        removed_files = set(old.fingerprints) - set(fingerprints)
        if any(not p.startswith("articles/") for p in changed_files | removed_files):
            # Authors or site settings changed: every page may differ, so build it all.
            raise IndexProblem("authors or site settings changed: run 'index rebuild' instead")
        library, related = _read_content(index_dir / generation, old)
        changed, removed = [], set()
        for relative in sorted(removed_files):
            removed.add(Path(relative).stem)
        for relative in sorted(changed_files):
            article = read_article(content_dir / relative, content_dir)
            removed.add(article.slug)  # replaced or hidden as a draft
            if not article.draft:
                changed.append(article)
        for slug in removed:
            library.articles.pop(slug, None)
            library.drafts.pop(slug, None)
        for article in changed:
            library.articles[article.slug] = article
        with _new_generation(index_dir, copy_from=index_dir / generation) as (folder, name):
            search.update_index(folder / "whoosh", changed, removed)
            touched = {a.slug for a in changed} | removed
            stale = {s for s, rel in related.items() if touched & set(rel)}
            for slug in removed:
                related.pop(slug, None)
            related.update(
                search.compute_related(folder / "whoosh", library.articles,
                                       slugs=sorted((stale | touched) & set(library.articles)))
            )
            seconds = time.perf_counter() - started
            _write_snapshot(folder, name, library, related, fingerprints, seconds, [])
        return BuildReport(name, len(touched), seconds, [])


def content_changed_since(content_dir: Path, index_dir: Path) -> bool | None:
    """Say whether content differs from the live generation (None when there is none)."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    return read_manifest(index_dir, generation).fingerprints != content_fingerprints(content_dir)


# --- building ---------------------------------------------------------------------------


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(
                "another index build is running; wait for it to finish and try again"
            ) from None
        try:
            # Left by a build that was killed: its private folder and CURRENT's temporary file.
            for stale in index_dir.glob(".building-*"):
                shutil.rmtree(stale, ignore_errors=True)
            for stale in index_dir.glob(f".{CURRENT}.*"):
                stale.unlink(missing_ok=True)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _new_generation(index_dir: Path, copy_from: Path | None = None) -> Iterator[tuple[Path, str]]:
    """Yield a private folder to build in and the generation's name; on success rename the
    folder to that name and point CURRENT at it."""
    name = "gen-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=index_dir))
    try:
        if copy_from is not None:
            # Whoosh never rewrites a segment file in place, so hard links are a safe,
            # instant copy: the new generation's writes leave the live one untouched.
            shutil.copytree(copy_from / "whoosh", building / "whoosh", copy_function=os.link)
        else:
            (building / "whoosh").mkdir()
        yield building, name
        _pause_point("before-swap")
        previous = current_generation(index_dir)
        os.rename(building, index_dir / name)
        _fsync_dir(index_dir)
        _pause_point("before-pointer")
        pointer = index_dir / f".{CURRENT}.{os.getpid()}"
        pointer.write_text(name + "\n", encoding="utf-8")
        os.replace(pointer, index_dir / CURRENT)
        _fsync_dir(index_dir)
        _remove_old_generations(index_dir, keep={name, previous})
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _write_snapshot(folder, name, library, related, fingerprints, seconds, problems) -> Manifest:
    with (folder / "snapshot.pickle").open("wb") as handle:
        pickle.dump((library, related), handle, protocol=pickle.HIGHEST_PROTOCOL)
    manifest = Manifest(
        generation=name,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=round(seconds, 3),
        documents=len(library.articles),
        fingerprints=fingerprints,
        problems=problems,
    )
    manifest.checksums = {
        str(path.relative_to(folder)): _sha256(path)
        for path in sorted(folder.rglob("*"))
        # Whoosh's lock file is shared (hard-linked) between generations and means nothing.
        if path.is_file() and not path.name.endswith("WRITELOCK")
    }
    (folder / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=1), "utf-8")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _remove_old_generations(index_dir: Path, keep: set[str | None]) -> None:
    """Remove every generation but the new one and the one before, which a slow reader may
    still hold; also one that a killed build renamed but never made live."""
    for old in index_dir.glob("gen-*"):
        if old.name not in keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


_paused: set[str] = set()


def _pause_point(stage: str) -> None:
    """Test-only: stop at `stage` when WEBAPP_TEST_PAUSE_AT names it, until stdin has a line.

    The marker line on stderr tells the test the build has reached the stage; it can then
    kill the process there, or write a line (or close stdin) to let the build go on.
    """
    if stage in _paused or os.environ.get(PAUSE_ENV) != stage:
        return
    _paused.add(stage)
    print(f"{PAUSE_ENV}: paused at {stage}", file=sys.stderr, flush=True)
    sys.stdin.readline()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
