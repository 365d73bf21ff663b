"""Named points in a build where a test can stop it, to kill it there or let it go on."""

from __future__ import annotations

import os
import sys

PAUSE_ENV = "WEBAPP_TEST_PAUSE_AT"


PAUSE_STAGES = ("locked", "indexing", "before-swap", "before-pointer")  # of a rebuild


_paused: set[str] = set()


def pause_point(stage: str) -> None:
    """Test-only: stop at `stage` when WEBAPP_TEST_PAUSE_AT names it, until stdin has a line.

    The marker line on stderr tells the test the build has reached the stage; it can then
    kill the process there, or write a line (or close stdin) to let the build go on.
    """
    if stage in _paused or os.environ.get(PAUSE_ENV) != stage:
        return
    _paused.add(stage)
    print(f"{PAUSE_ENV}: paused at {stage}", file=sys.stderr, flush=True)
    sys.stdin.readline()
