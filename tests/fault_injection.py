"""Run the Flask CLI stopped at one named point of a build, for a test to kill it there.

`python -m tests.fault_injection STAGE index rebuild` runs `flask --app wsgi index rebuild`
with one production function wrapped so that, on reaching STAGE, the build prints
`MARKER STAGE` on stderr and waits for a line on stdin (or its end). The test can then kill
the process at that point, as a crash or the OOM killer would, or let the build go on.

Each stage wraps the real function called at that point of a rebuild, so production code
carries no hook for tests. Every stage is reached in the building process itself: worker
processes of a large build only index, relate or render what they are given, so nothing
needs patching in them (spawned, they import this module as `__mp_main__`, which runs
none of the code below the `__main__` guard).
"""

from __future__ import annotations

import contextlib
import os
import sys

MARKER = "fault_injection: paused at"

# The stages of a rebuild, in order, and one of its pre-rendering.
LOCKED = "locked"  # the lock held (and any workers started), nothing read yet
INDEXING = "indexing"  # the first articles indexed into the private folder
BEFORE_SWAP = "before-swap"  # the new generation complete in its private folder
BEFORE_POINTER = "before-pointer"  # renamed to its final name, CURRENT not yet rewritten
PRERENDERING = "pre-rendering"  # the workers have returned the first share of pages
REBUILD_STAGES = (LOCKED, INDEXING, BEFORE_SWAP, BEFORE_POINTER)


def pause(stage: str) -> None:
    """Tell the test the build reached `stage`, then wait until stdin has a line or ends."""
    print(f"{MARKER} {stage}", file=sys.stderr, flush=True)
    sys.stdin.readline()


def once(stage: str):
    """Return a function that pauses at `stage` the first time it is called, then never."""
    done = []

    def pause_once() -> None:
        if not done:
            done.append(stage)
            pause(stage)

    return pause_once


def install(stage: str) -> None:
    """Wrap the production function called at `stage` so that reaching it pauses there."""
    from webapp.building import pipeline, prerender, publish

    stop = once(stage)
    if stage == LOCKED:
        # A rebuild reads the content first thing once it holds the lock.
        load_library = pipeline.load_library

        def reading(*args, **kwargs):
            stop()
            return load_library(*args, **kwargs)

        pipeline.load_library = reading
    elif stage == INDEXING:
        # Told after each batch of articles is written to the new generation's index.
        build_index = pipeline.indexing.build_index

        def indexing(*args, progress=None, **kwargs):
            def step(done: int) -> None:
                if progress is not None:
                    progress(done)
                stop()

            return build_index(*args, progress=step, **kwargs)

        pipeline.indexing.build_index = indexing
    elif stage in (BEFORE_SWAP, BEFORE_POINTER):
        # The swap is one rename of the private folder, then an fsync of the index folder.
        rename, fsync_dir = os.rename, publish.fsync_dir
        swapped = []

        def renaming(source, target, *args, **kwargs):
            is_swap = os.path.basename(source).startswith(".building-")
            if is_swap and stage == BEFORE_SWAP:
                stop()
            rename(source, target, *args, **kwargs)
            if is_swap:
                swapped.append(target)

        def syncing(folder):
            fsync_dir(folder)
            if swapped and stage == BEFORE_POINTER:
                stop()

        os.rename, publish.fsync_dir = renaming, syncing
    elif stage == PRERENDERING:
        # Pauses where the build takes the first result from its pool of render workers.
        process_pool = prerender.process_pool

        @contextlib.contextmanager
        def pool(*args, **kwargs):
            with process_pool(*args, **kwargs) as real:
                yield _PausingPool(real, stop)

        prerender.process_pool = pool
    else:
        raise SystemExit(f"unknown stage {stage!r}")


class _PausingPool:
    """A process pool whose `map` pauses after its first result, workers still running."""

    def __init__(self, pool, stop):
        self._pool, self._stop = pool, stop

    def map(self, function, *iterables, **kwargs):
        for result in self._pool.map(function, *iterables, **kwargs):
            self._stop()
            yield result


def main(argv: list[str]) -> None:
    from flask.cli import main as flask_main

    stage, *command = argv
    install(stage)
    sys.argv = ["flask", "--app", "wsgi", *command]
    flask_main()


if __name__ == "__main__":
    main(sys.argv[1:])
