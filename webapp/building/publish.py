"""Write a generation: the build lock, a private folder, the manifest and the atomic swap.

A generation is built in a new folder beside the live one and made live by rewriting
`CURRENT` atomically; readers never see a half-written generation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from webapp.authoring.reader import (
    RENDER_VERSION,
)
from webapp.building.workers import reap_stragglers
from webapp.generation.folder import (
    CURRENT,
    LOCK,
    BuildInProgress,
    Manifest,
    current_generation,
    file_checksums,
)


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
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
            reap_stragglers(index_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def new_generation(index_dir: Path, copy_from: Path | None = None) -> Iterator[tuple[Path, str]]:
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
        previous = current_generation(index_dir)
        os.rename(building, index_dir / name)
        fsync_dir(index_dir)
        pointer = index_dir / f".{CURRENT}.{os.getpid()}"
        pointer.write_text(name + "\n", encoding="utf-8")
        os.replace(pointer, index_dir / CURRENT)
        fsync_dir(index_dir)
        remove_old_generations(index_dir, keep={name, previous})
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def write_manifest(
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
    for relative, checksum in file_checksums(folder, unknown).items():
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


def remove_old_generations(index_dir: Path, keep: set[str | None]) -> None:
    """Remove every generation but the new one and the one before, which a slow reader may
    still hold; also one that a killed build renamed but never made live."""
    for old in index_dir.glob("gen-*"):
        if old.name not in keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
