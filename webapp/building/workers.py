"""Build worker processes that die with their parent, and the reaping of any that outlive it."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)

# Below this many articles a build runs in one process: starting workers would cost more.
PARALLEL_MIN = 300


MAX_WORKERS = 8


@contextlib.contextmanager
def worker_pool(
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


def reap_stragglers(index_dir: Path) -> None:
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
