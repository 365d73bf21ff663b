"""Keep the live index generation open for serving, and switch to a new one when it appears.

Each worker process holds one `Snapshot` (content, related lists, one reused searcher). A
build elsewhere swaps `index/CURRENT`; we notice within `INDEX_CHECK_INTERVAL` seconds and
open the new generation, so a running server serves new content without a restart. When
there is no usable index at all, the first request builds one (CLI commands never do).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import Flask, current_app, g

from . import index
from .index import IndexProblem, Snapshot

log = logging.getLogger(__name__)

STARTUP_WAIT_SECONDS = 120  # how long a worker waits for another worker's first build
RETRY_BUILD_SECONDS = 30  # after a failed first build, how long before trying again


class LiveIndex:
    """The generation this process serves from, refreshed when a newer one is live.

    Requests `acquire` the snapshot they use and `release` it when they end. A snapshot that
    a newer generation replaced is closed only once no request still holds it: in the
    threaded development server a slow request may outlive two swaps, and closing its
    searcher under it would fail that request.
    """

    def __init__(
        self, content_dir: Path, index_dir: Path, check_interval: float, build_if_missing: bool
    ):
        self.content_dir = content_dir
        self.index_dir = index_dir
        self.check_interval = check_interval
        self.build_if_missing = build_if_missing
        self._snapshot: Snapshot | None = None
        self._retired: list[Snapshot] = []  # replaced, closed when no request holds them
        self._users: dict[int, int] = {}  # id(snapshot) -> requests holding it
        self._failed_generation: str | None = None  # a damaged generation not to retry
        self._checked_at = -float("inf")
        self._build_failed_at = -float("inf")
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

    def open_snapshots(self) -> int:
        """Return how many snapshots this process holds open (the live one included)."""
        with self._lock:
            return len(self._retired) + (self._snapshot is not None)

    def _refresh(self) -> Snapshot:
        now = time.monotonic()
        if self._snapshot is None or now - self._checked_at >= self.check_interval:
            self._checked_at = now
            if self._snapshot is None:
                self._first_open()
            else:
                generation = index.current_generation(self.index_dir)
                if (
                    generation
                    and generation != self._snapshot.manifest.generation
                    and generation != self._failed_generation
                ):
                    try:
                        self._open()
                    except IndexProblem as problem:
                        # Keep serving what we have; a damaged new generation is not fatal.
                        # Remember it, so the error is logged once rather than every check.
                        self._failed_generation = generation
                        log.error("cannot open the new index, still serving the old: %s", problem)
        if self._snapshot is None:
            raise IndexProblem("the search index is not available yet")
        return self._snapshot

    def _open(self) -> None:
        snapshot = index.load_snapshot(self.index_dir)
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
        still_used = []
        for snapshot in self._retired:
            if id(snapshot) in self._users:
                still_used.append(snapshot)
            else:
                snapshot.close()
        self._retired = still_used

    def _first_open(self) -> None:
        try:
            self._open()
            return
        except IndexProblem as problem:
            if not self.build_if_missing:
                raise
            if time.monotonic() - self._build_failed_at < RETRY_BUILD_SECONDS:
                raise
            log.warning("%s; building a new index from %s", problem, self.content_dir)
        try:
            self._build_first_index()
            self._open()
        except (IndexProblem, OSError) as problem:
            self._build_failed_at = time.monotonic()
            log.error("could not build the search index: %s", problem)
            raise IndexProblem(str(problem)) from None

    def _build_first_index(self) -> None:
        deadline = time.monotonic() + STARTUP_WAIT_SECONDS
        while True:
            try:
                report = index.rebuild(self.content_dir, self.index_dir, allow_problems=True)
            except index.BuildInProgress:
                # Another process is building; use its index when it is ready.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
                if index.current_generation(self.index_dir):
                    try:
                        index.load_snapshot(self.index_dir).close()
                        return
                    except IndexProblem:
                        pass  # what is live is still unusable: build our own
                continue
            for line in report.problems:
                log.warning("content problem: %s", line)
            return


def init_app(app: Flask) -> None:
    """Attach the live index to the app; it opens (or builds) the index on first use."""
    app.extensions["live_index"] = LiveIndex(
        Path(app.config["CONTENT_DIR"]),
        Path(app.config["INDEX_DIR"]),
        float(app.config["INDEX_CHECK_INTERVAL"]),
        bool(app.config["BUILD_INDEX_IF_MISSING"]),
    )
    app.teardown_appcontext(_release_snapshot)


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
