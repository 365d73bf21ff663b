"""Keep the live index generation open for serving, and switch to a new one when it appears.

Each worker process holds one `Snapshot` (content, related lists, one reused searcher). A
build elsewhere swaps `index/CURRENT`; we notice within `INDEX_CHECK_INTERVAL` seconds and
open the new generation, so a running server serves new content without a restart. A
background thread does that, and warms the new generation's caches with the searches its
first visitors would make before serving it; with a check interval of 0 (tests, the writer's
preview) each request checks, and switches, itself.

Serving only reads: building is the CLI's job (`flask --app wsgi index rebuild`). A build
takes longer than any request may, and every worker would start its own. When the live
generation cannot be opened, an older one that is still whole serves instead; when there is
none, requests get the "being updated" page and the log says what to run.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from pathlib import Path

from flask import Flask, current_app, g

from webapp.generation.folder import IndexProblem, current_generation, generations_before
from webapp.generation.snapshot import Snapshot, load_snapshot

log = logging.getLogger(__name__)

REBUILD_ADVICE = "run 'flask --app wsgi index rebuild' to build it"
# How soon a generation that failed to open is tried again while CURRENT still names it
# (its permissions may have been put right, say); anything newer is tried at once.
RETRY_FAILED_SECONDS = 60.0


class LiveIndex:
    """The generation this process serves from, refreshed when a newer one is live.

    Requests `acquire` the snapshot they use and `release` it when they end. A snapshot that
    a newer generation replaced is closed only once no request still holds it: in the
    threaded development server a slow request may outlive two swaps, and closing its
    searcher under it would fail that request.
    """

    def __init__(self, index_dir: Path, check_interval: float):
        self.index_dir = index_dir
        self.check_interval = check_interval
        self._snapshot: Snapshot | None = None
        self._retired: list[Snapshot] = []  # replaced, closed when no request holds them
        self._users: dict[int, int] = {}  # id(snapshot) -> requests holding it
        # What CURRENT named ("" for nothing) when opening it last failed, and when: it is
        # not tried on every check, because checking a generation reads every file it holds.
        self._failed: tuple[str, float] | None = None
        self._unavailable: IndexProblem | None = None  # why nothing can be served, if so
        self._checked_at = -float("inf")
        self._watcher: threading.Thread | None = None  # started once something is served
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """Return the current snapshot, opening a newer generation if one went live.

        Outside a request only: the snapshot may be closed once a newer one replaces it.
        """
        with self._lock:
            return self._refresh()

    def acquire(self) -> Snapshot:
        """Return the current snapshot, kept open until a matching `release`."""
        with self._lock:
            snapshot = self._refresh()
            self._users[id(snapshot)] = self._users.get(id(snapshot), 0) + 1
            return snapshot

    def release(self, snapshot: Snapshot) -> None:
        """Say that a request no longer uses `snapshot`; close it if it was replaced."""
        with self._lock:
            count = self._users.pop(id(snapshot)) - 1
            if count:
                self._users[id(snapshot)] = count
            self._close_unused()

    def warm_up(self) -> None:
        """Open and warm the live generation now, before this process takes requests: a
        server's worker does this as it starts, so its first visitors after a restart or a
        deploy wait neither for the index to open nor for its cold caches. If it cannot be
        opened, requests try again and say what is wrong, as without this."""
        with self._lock:
            if self._snapshot is not None:
                return
        snapshot = self._opened_and_warmed(None, None, "will try again on the first request")
        if snapshot is None:
            return
        with self._lock:
            if self._snapshot is None:
                self._serve(snapshot)
                self._failed = self._unavailable = None
            else:
                snapshot.close()

    def _refresh(self) -> Snapshot:
        if self._snapshot is None or self.check_interval <= 0:
            # Nothing to serve yet, or told to check on every request: check here and now.
            now = time.monotonic()
            if now - self._checked_at >= self.check_interval:
                self._checked_at = now
                generation = current_generation(self.index_dir)
                serving = self._snapshot.manifest.generation if self._snapshot else None
                changed = self._snapshot is None or generation != serving
                if changed and not self._failed_lately(generation, now):
                    self._open_live(generation, now)
        watching = 0 < self.check_interval < float("inf")  # inf: pinned to one generation
        if self._snapshot is not None and watching and self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="index-watch", daemon=True)
            self._watcher.start()
        if self._snapshot is None:
            raise self._unavailable or IndexProblem("the search index is not available yet")
        return self._snapshot

    def _watch(self) -> None:
        """Look for a new generation every `check_interval` seconds; open and warm it here,
        off every visitor's request, and serve it only then. (A worker that switched at once
        made its next visitors pay for opening the generation and for its cold caches.)"""
        while True:
            time.sleep(self.check_interval)
            generation = current_generation(self.index_dir)
            with self._lock:
                serving = self._snapshot.manifest.generation if self._snapshot else None
                if generation in (None, serving) or self._failed_lately(
                    generation, time.monotonic()
                ):
                    continue
            snapshot = self._opened_and_warmed(generation, self._serving(), "still serving the old")
            if snapshot is None:
                with self._lock:
                    self._failed = (generation, time.monotonic())
                continue
            with self._lock:
                self._failed = None
                self._serve(snapshot)

    def _opened_and_warmed(
        self, generation: str | None, previous: Snapshot | None, meanwhile: str
    ) -> Snapshot | None:
        """Open a generation (the live one for None) and warm it with what was searched on
        `previous`; if either fails, log why and what happens `meanwhile`, and return None."""
        try:
            snapshot = load_snapshot(self.index_dir, generation)
        except IndexProblem as problem:
            log.error("cannot open the index, %s: %s", meanwhile, problem)
            return None
        try:
            snapshot.warm(previous=previous)
        except Exception:
            # The watch thread must outlive whatever a damaged generation does to a search.
            snapshot.close()
            log.exception("cannot search the index %s, %s", snapshot.manifest.generation,
                          meanwhile)  # fmt: skip
            return None
        return snapshot

    def _serving(self) -> Snapshot | None:
        # Returned, never kept in a local of the watch loop: that would hold a replaced
        # generation in memory until the next one arrives.
        with self._lock:
            return self._snapshot

    def _failed_lately(self, generation: str | None, now: float) -> bool:
        if self._failed is None:
            return False
        named, at = self._failed
        return named == (generation or "") and now - at < RETRY_FAILED_SECONDS

    def _open_live(self, generation: str | None, now: float) -> None:
        try:
            # Not warmed: here a request waits for it (warming belongs to the watch thread).
            self._serve(load_snapshot(self.index_dir))
            self._failed = self._unavailable = None
            return
        except IndexProblem as problem:
            failure = problem
        self._failed = (generation or "", now)
        if self._snapshot is not None:
            # Keep serving what we have; a damaged new generation is not fatal.
            log.error("cannot open the new index, still serving the old: %s", failure)
            return
        older = self._open_older(generation)
        if older is not None:
            log.error("cannot open the live index (%s); serving the older generation %s "
                      "meanwhile: %s", failure, older, REBUILD_ADVICE)  # fmt: skip
            return
        log.error("no usable search index, so pages answer 503 (%s): %s",
                  failure, REBUILD_ADVICE)  # fmt: skip
        self._unavailable = failure

    def _open_older(self, live: str | None) -> str | None:
        """Serve the newest generation older than `live` that opens; return its name."""
        if live is None:
            return None
        for older in generations_before(self.index_dir, live):
            try:
                self._serve(load_snapshot(self.index_dir, older))
            except IndexProblem:
                continue
            return older
        return None

    def _serve(self, snapshot: Snapshot) -> None:
        log.info(
            "serving index generation %s (%d articles)",
            snapshot.manifest.generation,
            snapshot.manifest.documents,
        )
        if self._snapshot is not None:
            self._retired.append(self._snapshot)
        self._snapshot = snapshot
        self._close_unused()

    def _close_unused(self) -> None:
        unused = [s for s in self._retired if id(s) not in self._users]
        if not unused:
            return
        self._retired = [s for s in self._retired if id(s) in self._users]
        while unused:
            unused.pop().close()  # and with it goes the last reference to the generation
        _return_freed_memory()


def _return_freed_memory() -> None:
    """Ask the C library to give the memory of a closed generation back to the system.

    Its score tables and lists are large blocks that the C allocator would otherwise keep
    for reuse, and with each switch a worker would hold more than the generation it serves
    (docs/performance.md, "Memory after publishing"). glibc's `malloc_trim`; elsewhere
    nothing is done.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):  # not glibc, or no C library to name
        return
    trim(0)


def init_app(app: Flask) -> None:
    """Attach the live index to the app; it opens the index on first use."""
    app.extensions["live_index"] = LiveIndex(
        Path(app.config["INDEX_DIR"]), float(app.config["INDEX_CHECK_INTERVAL"])
    )
    app.teardown_appcontext(_release_snapshot)


def warm_up(app: Flask) -> None:
    """Open and warm the app's live index before it takes requests (see LiveIndex.warm_up)."""
    app.extensions["live_index"].warm_up()


def current_snapshot() -> Snapshot:
    """Return the snapshot to serve this request from; raise IndexProblem if none.

    One request sees one generation throughout, even if a new one goes live meanwhile.
    """
    if "snapshot" not in g:
        g.snapshot = current_app.extensions["live_index"].acquire()
    return g.snapshot


def _release_snapshot(_error: BaseException | None) -> None:
    snapshot = g.pop("snapshot", None)
    if snapshot is not None:
        current_app.extensions["live_index"].release(snapshot)
