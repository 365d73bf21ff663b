"""The `index/` directory: build a generation beside the live one and swap it in atomically.

A generation is a folder holding everything the site serves from: the Whoosh index, the
validated content (articles rendered once, authors) and the related-articles lists. The file
`CURRENT` names the live generation; replacing it with `os.replace` is the atomic swap, so a
reader sees the old generation or the new one, never a half-built one. An exclusive `flock`
on `.lock` keeps two builds apart; the kernel drops it when a build dies, so a killed build
never leaves a stale lock. Leftover `.building-*` folders from a killed build are removed by
the next build, and so are its worker processes if any outlived it (see `process_pool`).
Folders and files are created as the umask allows (0755 and 0644 by default), so a server
running as another user than the build can read them. Each generation's manifest records a
checksum of every file it holds, so damaged files are found when the generation is opened, not
by a visitor's search. No Flask here.

One test-only hook: `WEBAPP_TEST_PAUSE_AT=<stage>` (see `_pause_point`) lets the fault tests
kill a build at a known point. Nothing sets it in real use.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import fcntl
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import advice, pages, search, store, synonyms
from .content import (
    RENDER_VERSION,
    Article,
    Library,
    file_stat,
    fingerprint,
    link_problems,
    load_library,
    read_changed_articles,
    site_base_url,
)

log = logging.getLogger(__name__)

FORMAT = 12  # bump when the snapshot layout changes; older generations are then rebuilt
# 5: "Did you mean" and completions read whoosh/vocabulary.bin, no longer a `words` field.
# 8: related scoring reads whoosh/body-terms.bin.
# 9: a `headings` field. 11: related lists say why each article is there.
# 12: the practice's pages, stored beside the articles and indexed with a `kind` field.
CURRENT = "CURRENT"
LOCK = ".lock"
GENERATION_NAME = re.compile(r"gen-[0-9]{8}T[0-9]{12}")
PAUSE_ENV = "WEBAPP_TEST_PAUSE_AT"
PAUSE_STAGES = ("locked", "indexing", "before-swap", "before-pointer")  # of a rebuild
PRERENDERING = "pre-rendering"  # also a pause point: in parallel pre-rendering (prerender.py)
# The stages of a rebuild, as `progress(stage, done, total)` names them.
READING = "Reading articles"
INDEXING = "Indexing articles"
RELATING = "Finding related articles"
Progress = Callable[[str, int, int], None]
# Below this many articles a build runs in one process: starting workers would cost more.
PARALLEL_MIN = 300
MAX_WORKERS = 8


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
    checksums: dict[str, str] = field(default_factory=dict)  # file in generation -> _checksum
    # content file -> [size, mtime_ns] when it was hashed, so `update` and `status` re-read
    # only files whose size or time changed (git's index does the same).
    stats: dict[str, list[int]] = field(default_factory=dict)
    render_version: str = ""  # content.RENDER_VERSION of the build


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
    unchanged: bool = False  # nothing had changed, so no new generation was built


def content_fingerprints(content_dir: Path, known: Manifest | None = None) -> dict[str, str]:
    """Return a hash of every content file, keyed by its path relative to `content_dir`.

    With `known` (an earlier manifest), a file whose size and modification time are those
    recorded there keeps its recorded hash instead of being read again.
    """
    return _fingerprints(content_dir, known)[0]


def _fingerprints(
    content_dir: Path, known: Manifest | None = None
) -> tuple[dict[str, str], dict[str, list[int]]]:
    prints: dict[str, str] = {}
    stats: dict[str, list[int]] = {}
    # A file changed within a second of being hashed might change again with the same time
    # stamp and size: its stat is not recorded, so it is always read (git's "racy" rule).
    settled = time.time_ns() - 2_000_000_000
    old_prints = known.fingerprints if known else {}
    old_stats = known.stats if known else {}
    prefix = len(os.path.join(str(content_dir), ""))
    for folder, dirs, files in os.walk(content_dir):
        dirs.sort()
        for name in sorted(files):
            if os.path.splitext(name)[1] not in {".md", ".yml", ".yaml"}:
                continue
            path = os.path.join(folder, name)
            relative = path[prefix:]
            if relative in (synonyms.FILE, advice.FILE):
                continue  # read at query time, or only by `content check`: not built
            stat = file_stat(path)
            if old_stats.get(relative) == stat and relative in old_prints:
                prints[relative] = old_prints[relative]
            else:
                # Never reads a file too large, a pipe or a device, or a link out of content.
                prints[relative] = fingerprint(path, content_dir)
            if stat[1] < settled:
                stats[relative] = stat
    return dict(sorted(prints.items())), stats


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


def generations_before(index_dir: Path, generation: str) -> list[str]:
    """Return the generations older than `generation` still in the folder, newest first."""
    names = (p.name for p in index_dir.glob("gen-*") if GENERATION_NAME.fullmatch(p.name))
    return sorted((name for name in names if name < generation), reverse=True)


def load_snapshot(index_dir: Path, generation: str | None = None) -> Snapshot:
    """Open the live generation (or the one named) for serving; raise IndexProblem if it is
    missing or damaged."""
    generation = generation or current_generation(index_dir)
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
    """Check every file of a generation against its manifest, then load its content for
    serving (without the articles' plain text, which only indexing reads)."""
    _verify_checksums(folder, manifest)
    try:
        return store.read(folder, with_text=False)
    except Exception as error:
        raise IndexProblem(f"{folder}: index files are damaged ({error!r})") from None


def _verify_checksums(folder: Path, manifest: Manifest) -> None:
    # Whoosh reads most of its files lazily, so damage it would only meet in the middle of a
    # visitor's search is caught here; and nothing is unpickled before its checksum matches.
    if store.META_PATH not in manifest.checksums:
        raise IndexProblem(f"{folder}: manifest lists no content files")
    actual = _checksums(folder, list(manifest.checksums))
    for name, expected in manifest.checksums.items():
        if isinstance(actual[name], OSError):
            raise IndexProblem(f"{folder}: index file {name} is missing ({actual[name]})")
        if actual[name] != expected:
            raise IndexProblem(f"{folder}: index file {name} is damaged (checksum differs)")


def rebuild(
    content_dir: Path,
    index_dir: Path,
    *,
    allow_problems: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Build a whole new generation from `content_dir` and make it live.

    With problems in the content, refuse (leaving the live generation serving) unless
    `allow_problems`, which the first start-up uses so a fresh site serves what it can.
    `progress` is told how each stage (READING, INDEXING, RELATING) is getting on.
    """
    started = time.perf_counter()
    tell = progress or (lambda stage, done, total: None)
    with _build_lock(index_dir), _worker_pool(content_dir, index_dir) as (pool, workers):
        _pause_point("locked")
        fingerprints, stats = _fingerprints(content_dir)
        known = _unchanged_articles(index_dir, content_dir, fingerprints)
        library = load_library(
            content_dir,
            executor=pool,
            workers=workers,
            known=known,
            progress=lambda done, total: tell(READING, done, total),
        )
        _add_pages(library, content_dir)
        problems = [str(p) for p in library.problems]
        if problems and not allow_problems:
            raise IndexProblem(
                "content has problems, so the index was not rebuilt and the old one is still "
                "serving:\n  " + "\n  ".join(problems)
            )
        indexed = 0

        def step(done: int) -> None:
            nonlocal indexed
            indexed += done
            tell(INDEXING, indexed, len(library.articles))
            _pause_point("indexing")

        with _new_generation(index_dir) as (folder, name):
            tell(INDEXING, 0, len(library.articles))
            documents = search.build_index(
                folder / "whoosh",
                library.articles.values(),
                progress=step,
                executor=pool,
                workers=workers,
                pages=library.pages.values(),
            )
            tell(RELATING, 0, len(library.articles))
            related = search.compute_related(
                folder / "whoosh",
                library.articles,
                executor=pool,
                workers=workers,
                progress=lambda done, total: tell(RELATING, done, total),
            )
            seconds = time.perf_counter() - started
            _write_snapshot(folder, name, library, related, fingerprints, seconds, problems, stats)
        return BuildReport(name, documents, seconds, problems)


def read_content(content_dir: Path, index_dir: Path) -> Library:
    """Read and check every content file as a rebuild would (what `content check` runs).

    Articles whose files are byte for byte those of the live generation are taken from it
    rather than rendered again, and the rest are rendered a process per core: at 10,000
    articles a check took 50 s when it rendered every one in one process.
    """
    fingerprints, _ = _fingerprints(content_dir)
    known = _unchanged_articles(index_dir, content_dir, fingerprints)
    with _worker_pool(content_dir) as (pool, workers):
        library = load_library(content_dir, executor=pool, workers=workers, known=known)
    _add_pages(library, content_dir)
    return library


def _add_pages(library: Library, content_dir: Path) -> None:
    """Read the practice's pages into the library, with their problems and broken links."""
    library.pages, problems = pages.load_pages(content_dir)
    library.problems += problems
    library.problems += link_problems(
        library.pages.values(), library.articles, site_base_url(content_dir)
    )


def _unchanged_articles(
    index_dir: Path, content_dir: Path, fingerprints: dict[str, str]
) -> dict[str, Article]:
    """Return the live generation's Articles whose files are byte for byte the same now.

    Rendering Markdown is most of a rebuild's work; an Article depends only on its file's
    bytes and the renderer (content.RENDER_VERSION), so those are reused, not re-rendered.
    Anything unreadable just means rendering everything.
    """
    generation = current_generation(index_dir)
    if generation is None:
        return {}
    try:
        manifest = read_manifest(index_dir, generation)
        if manifest.format != FORMAT or manifest.render_version != RENDER_VERSION:
            return {}
        library, _ = store.read(index_dir / generation)
    except Exception:  # noqa: BLE001 - a damaged old generation is simply not reused
        return {}
    known = {}
    for article in [*library.articles.values(), *library.drafts.values()]:
        source = Path(article.source)
        if source.parts[0] != content_dir.name:  # sources name the content folder
            continue
        relative = str(source.relative_to(source.parts[0]))
        if relative in fingerprints and fingerprints[relative] == manifest.fingerprints.get(
            relative
        ):
            known[relative] = article
    return known


def update(content_dir: Path, index_dir: Path) -> BuildReport:
    """Re-index only added, changed and removed articles into a new generation (none when
    nothing changed: the report then says so and names the live generation)."""
    started = time.perf_counter()
    with _build_lock(index_dir):
        generation = current_generation(index_dir)
        if generation is None:
            raise IndexProblem(f"{index_dir}: no index yet: run 'index rebuild' first")
        old = read_manifest(index_dir, generation)
        if old.format != FORMAT:
            raise IndexProblem("the index was built by an older version: run 'index rebuild'")
        fingerprints, stats = _fingerprints(content_dir, old)
        changed_files = {p for p, h in fingerprints.items() if old.fingerprints.get(p) != h}
        removed_files = set(old.fingerprints) - set(fingerprints)
        if not changed_files and not removed_files:
            # Nothing to do: a new generation would only make every server reload its index
            # and drop its cached pages.
            return BuildReport(generation, 0, time.perf_counter() - started, [], unchanged=True)
        if any(not p.startswith("articles/") for p in changed_files | removed_files):
            # Authors, pages or site settings changed: every page may differ, so build it all.
            raise IndexProblem(
                "authors, pages or site settings changed: run 'index rebuild' instead"
            )
        live = index_dir / generation
        _verify_checksums(live, old)
        meta = store.read_meta(live)
        # As a rebuild reads them: Markdown files under articles/.
        article_files = [p for p in fingerprints if p.startswith("articles/") and p.endswith(".md")]
        read, problems = read_changed_articles(
            content_dir, changed_files.intersection(article_files), article_files, meta.authors
        )
        removed = {Path(relative).stem for relative in removed_files}
        removed.update(article.slug for article in read)  # replaced or hidden as a draft
        changed = [article for article in read if not article.draft]
        public = {s for s in meta.order if s not in removed} | {a.slug for a in changed}
        base_url = site_base_url(content_dir)
        problems += link_problems(read, public, base_url)
        if any(slug not in public for slug in meta.order):
            # An article deleted or made a draft: links to it from the others would break.
            # Rare enough to read every other article for (about a second at 10,000).
            kept = [s for s in meta.order if s not in removed]
            drafts = [d for s, d in meta.drafts.items() if s not in removed]
            others = [*store.read_articles(live, kept).values(), *drafts, *meta.pages.values()]
            problems += link_problems(others, public, base_url)
        if problems:
            raise IndexProblem(
                "content has problems, so the index was not updated and the old one is still "
                "serving:\n  " + "\n  ".join(map(str, problems))
            )
        with _new_generation(index_dir, copy_from=live) as (folder, name):
            search.update_index(folder / "whoosh", changed, removed)
            touched = {a.slug for a in changed} | removed
            related = {s: rel for s, rel in meta.related.items() if s not in removed}
            stale = {s for s, rel in related.items() if touched & {other for other, _ in rel}}
            # An article whose links changed changes the "links here" of the articles it
            # linked to, before and after.
            for item in changed:
                before = meta.light.get(item.slug, ((), 0, ()))[2]
                stale |= set(before) ^ set(store.light(item)[2])
            redo = sorted((stale | touched) & public)
            # Related scoring needs every article's topics, date and links, and the text of
            # those being redone and of the articles close to them in wording: the unchanged
            # ones are read from their chunks.
            inputs = {s: search.RelatedInput("", t, d, links)
                      for s, (t, d, links) in meta.light.items() if s not in removed}  # fmt: skip
            texts = {a.slug: a for a in changed}
            texts.update(store.read_articles(live, [s for s in redo if s not in texts]))
            inputs.update((s, search.related_input(a)) for s, a in texts.items())
            redone = search.related_lists(
                folder / "whoosh",
                inputs,
                redo,
                more_texts=lambda slugs: {
                    s: search.related_input(a) for s, a in store.read_articles(live, slugs).items()
                },
            )
            related.update((s, store.pairs(items)) for s, items in redone.items())
            seconds = time.perf_counter() - started
            drafts = [article for article in read if article.draft]
            store.write_update(folder, live, meta, changed, removed, related, drafts)
            _write_manifest(
                folder, name, len(public), fingerprints, seconds, [], stats, (live, old)
            )
        return BuildReport(name, len(touched), seconds, [])


def content_changed_since(content_dir: Path, index_dir: Path) -> bool | None:
    """Say whether content differs from the live generation (None when there is none)."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    manifest = read_manifest(index_dir, generation)
    return manifest.fingerprints != content_fingerprints(content_dir, manifest)


# --- building ---------------------------------------------------------------------------


@contextlib.contextmanager
def _worker_pool(
    content_dir: Path, record_in: Path | None = None
) -> Iterator[tuple[Executor | None, int]]:
    """Yield a pool of worker processes for a large build, or (None, 1) for a small one.

    Rendering Markdown, indexing and related scoring are pure Python: one process per core
    is the only way to use more than one. With `record_in` (the index folder, for a build
    that holds its lock) the workers are recorded there (see `process_pool`).
    """
    workers = available_cores()
    articles = content_dir / "articles"
    if workers < 2 or not articles.is_dir() or not _count_at_least(articles, PARALLEL_MIN):
        yield None, 1
        return
    with process_pool(workers, record_in) as pool:
        yield pool, workers


def available_cores() -> int:
    """Return how many cores this process may use, at most MAX_WORKERS."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cores or 1, MAX_WORKERS)


def _count_at_least(folder: Path, count: int) -> bool:
    return any(seen >= count for seen, _ in enumerate(folder.rglob("*.md"), start=1))


# --- worker processes -----------------------------------------------------------------------
#
# A build killed with SIGKILL runs no clean-up: its pool's workers would wait on their task
# queue for ever (about 100 MB each), and keep its multiprocessing resource tracker alive too,
# which exits only when every holder of its pipe is gone. So each worker asks the kernel to
# kill it when its parent dies (Linux's PR_SET_PDEATHSIG; elsewhere a thread watches the
# parent), and writes its PID and start time in a record in the index folder, which the next
# build reads under the lock to kill any that outlived their parent anyway.

WORKERS = ".workers-"  # + owner's PID and a time: "PID START" of the owner, then its workers
_PR_SET_PDEATHSIG = 1


@contextlib.contextmanager
def process_pool(
    workers: int,
    record_in: Path | None = None,
    initializer: Callable[..., object] | None = None,
    initargs: tuple = (),
) -> Iterator[ProcessPoolExecutor]:
    """Yield a pool of `workers` spawned processes that die when this process dies.

    Spawned, not forked, so a pool started inside a threaded server copies no locks or
    threads. With `record_in` (an index folder) each worker is recorded there until the pool
    is shut down, so the next build can reap it if it outlives a killed owner.
    """
    record = _new_record(record_in) if record_in is not None else None
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(), record and str(record), initializer, initargs),
        ) as pool:
            yield pool
    finally:
        if record is not None:
            record.unlink(missing_ok=True)


def _new_record(index_dir: Path) -> Path | None:
    me = _start_time(os.getpid())
    if me is None:  # no /proc: nothing could tell a straggler from a reused PID
        return None
    record = index_dir / f"{WORKERS}{os.getpid()}-{time.time_ns()}"
    try:
        with record.open("x", encoding="ascii") as handle:
            handle.write(f"{os.getpid()} {me}\n")
    except OSError:  # a read-only folder, say: the workers still die with this process
        return None
    return record


def _start_worker(parent: int, record: str | None, then, args: tuple) -> None:
    """In a new worker: die with the parent, record this process, run the pool's own
    initializer."""
    _die_with_parent(parent)
    stamp = _start_time(os.getpid())
    if record and stamp:
        with contextlib.suppress(OSError), open(record, "a", encoding="ascii") as handle:
            handle.write(f"{os.getpid()} {stamp}\n")  # one short append: never interleaved
    if then is not None:
        then(*args)


def _die_with_parent(parent: int) -> None:
    # Strictly, Linux signals when the *thread* that started the worker ends. A pool starts
    # its workers as tasks are submitted, and each pool here is used only by the thread that
    # made it, which outlives it.
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            asked = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            asked = False
        if asked:
            if os.getppid() != parent:  # it died before the request was made
                os._exit(1)
            return
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)  # orphaned: re-parented to init or a subreaper


def _start_time(pid: int) -> str | None:
    """Return when the process started (clock ticks since boot), None if it is not running.

    With the PID it names a process for good: a PID can be reused, the pair cannot.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in (b"Z", b"X"):  # dead, only not yet waited for
        return None
    return fields[19].decode("ascii")


def _reap_stragglers(index_dir: Path) -> None:
    """Kill the worker processes that a dead build or pre-render left running (under the
    build lock). A record whose owner still runs is left alone: its workers are busy."""
    for record in index_dir.glob(f"{WORKERS}*"):
        try:
            lines = [line.split() for line in record.read_text("ascii").splitlines()]
            (owner, owner_started), *workers = [(int(a), b) for a, b in lines]
        except (OSError, ValueError):
            continue  # being written this moment, or not ours: look again next build
        if _start_time(owner) == owner_started:
            continue
        for pid, started in workers:
            if _start_time(pid) == started and _is_multiprocessing(pid):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    log.warning("killed worker process %d, left running by a killed build", pid)
        record.unlink(missing_ok=True)


def _is_multiprocessing(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"multiprocessing" in handle.read()
    except OSError:
        return False


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
            _reap_stragglers(index_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _new_generation(index_dir: Path, copy_from: Path | None = None) -> Iterator[tuple[Path, str]]:
    """Yield a private folder to build in and the generation's name; on success rename the
    folder to that name and point CURRENT at it."""
    name = "gen-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    # Not tempfile.mkdtemp, which makes the folder 0700 whatever the umask: a server running
    # as another user could then read nothing in the generation. The build lock keeps the
    # name unique.
    building = index_dir / f".building-{os.getpid()}-{time.time_ns()}"
    building.mkdir()
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


def _write_snapshot(
    folder, name, library, related, fingerprints, seconds, problems, stats=None
) -> Manifest:
    store.write(folder, library, related)
    return _write_manifest(
        folder, name, len(library.articles), fingerprints, seconds, problems, stats
    )


def _write_manifest(
    folder, name, documents, fingerprints, seconds, problems, stats=None, verified=None
) -> Manifest:
    """Write the generation's manifest with a checksum of every file in it.

    `verified` is (folder, manifest) of a generation whose files were just checked against
    their checksums: a file hard-linked from it is the same file, so its checksum is reused
    rather than computed again (an update links nearly everything).
    """
    manifest = Manifest(
        generation=name,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        seconds=round(seconds, 3),
        documents=documents,
        fingerprints=fingerprints,
        problems=problems,
        stats=stats or {},
        render_version=RENDER_VERSION,
    )
    manifest.checksums = {}
    unknown = []
    for path in sorted(folder.rglob("*")):
        # Whoosh's lock file is shared (hard-linked) between generations and means nothing.
        if not path.is_file() or path.name.endswith("WRITELOCK"):
            continue
        relative = str(path.relative_to(folder))
        known = verified[1].checksums.get(relative) if verified else None
        if known and _same_file(path, verified[0] / relative):
            manifest.checksums[relative] = known
        else:
            manifest.checksums[relative] = ""
            unknown.append(relative)
    for relative, checksum in _checksums(folder, unknown).items():
        if isinstance(checksum, OSError):
            raise checksum
        manifest.checksums[relative] = checksum
    (folder / "manifest.json").write_text(json.dumps(manifest.__dict__), "utf-8")
    return manifest


def _same_file(path: Path, other: Path) -> bool:
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


def _checksums(folder: Path, names: list[str]) -> dict[str, str | OSError]:
    """Return the checksum of each named file (or the error reading it), a thread per core:
    checksumming releases the GIL, and a large generation is a few hundred megabytes."""

    def one(name: str) -> str | OSError:
        try:
            return _checksum(folder / name)
        except OSError as error:
            return error

    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, os.cpu_count() or 1))) as pool:
        return dict(zip(names, pool.map(one, names), strict=True))


def _checksum(path: Path) -> str:
    # CRC-32 and the length: what zip, gzip and PNG use against damage on disk, at about
    # 3 GB/s here against 0.66 for BLAKE2b (every server process checks a whole generation
    # when it opens it). It is no defence against deliberate change, and needs none: whoever
    # can write a file in `index/` can write its manifest too.
    crc, size = 0, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return f"crc32:{crc:08x}:{size}"


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
