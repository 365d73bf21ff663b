"""The index under faults: killed and concurrent builds, damaged files, a read-only folder.

Builds are killed in a real subprocess (`flask --app wsgi index rebuild`) at named stages:
run through `tests/fault_injection.py`, the build prints a marker on stderr and waits on
stdin there, so each kill lands at a known point.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from webapp import create_app
from webapp.building import prerender, workers
from webapp.building.pipeline import rebuild
from webapp.generation.folder import current_generation

from .conftest import ROOT, htmx_headers, make_app
from .fault_injection import MARKER, PRERENDERING, REBUILD_STAGES

NEW_WORD = "quokkaberry"  # appears in the content only after the change a build picks up
ARTICLE = "/articles/living-with-grief"


def add_new_word(content_dir: Path) -> None:
    """Change one article, so a successful build is visible to a visitor's search."""
    path = content_dir / "articles" / "living-with-grief.md"
    path.write_text(path.read_text("utf-8") + f"\n\nA {NEW_WORD} paragraph.\n", "utf-8")


def start_rebuild(content_dir: Path, index_dir: Path, pause_at: str) -> subprocess.Popen:
    """Start `flask --app wsgi index rebuild` on the given folders, to pause at `pause_at`."""
    env = {**os.environ, "FLASK_CONTENT_DIR": str(content_dir), "FLASK_INDEX_DIR": str(index_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fault_injection", pause_at, "index", "rebuild"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_pause(build: subprocess.Popen, stage: str, deadline: float = 120) -> None:
    """Read the build's stderr until it says it paused at `stage`."""
    marker = f"{MARKER} {stage}".encode()
    seen = b""
    give_up = time.monotonic() + deadline
    with selectors.DefaultSelector() as selector:
        selector.register(build.stderr, selectors.EVENT_READ)
        while marker not in seen:
            left = give_up - time.monotonic()
            assert left > 0, f"the build never paused at {stage}: {seen.decode(errors='replace')}"
            if selector.select(timeout=left):
                chunk = os.read(build.stderr.fileno(), 4096)
                assert chunk, f"the build ended before {stage}: {seen.decode(errors='replace')}"
                seen += chunk


def kill(build: subprocess.Popen) -> None:
    """Kill the build as a crash or an OOM killer would: no clean-up runs."""
    build.kill()
    finish(build)


def finish(build: subprocess.Popen) -> int:
    """Wait for the build to end, close its pipes and return its exit code."""
    code = build.wait(timeout=120)
    build.stdin.close()
    build.stderr.close()
    return code


def search_total(client, words: str) -> int:
    """Return the result count a visitor sees for `words` (0 when there are none)."""
    html = client.get("/search", query_string={"q": words}).get_data(as_text=True)
    if "No results" in html or 'class="result"' not in html:
        return 0
    return html.count('class="result"')


def serving(index_dir: Path, content_dir: Path) -> object:
    """Return a client of a freshly started site on the folders (a worker that restarted)."""
    app = create_app(
        {
            "CONTENT_DIR": str(content_dir),
            "INDEX_DIR": str(index_dir),
            "INDEX_CHECK_INTERVAL": 0,
        }
    )
    return app.test_client()


# --- killed builds ------------------------------------------------------------------------


@pytest.mark.parametrize("stage", REBUILD_STAGES)
def test_a_killed_rebuild_leaves_the_old_index_serving_and_the_next_one_works(
    client, content_dir, index_dir, stage
):
    old = client.get("/healthz").get_json()["generation"]
    add_new_word(content_dir)
    build = start_rebuild(content_dir, index_dir, stage)
    wait_for_pause(build, stage)
    kill(build)
    building = list(index_dir.glob(".building-*"))
    generations = {p.name for p in index_dir.glob("gen-*")}
    assert bool(building) == (stage in ("indexing", "before-swap"))
    assert (len(generations) == 2) == (stage == "before-pointer")  # renamed, never live

    # Both a running worker and one started after the crash serve the old generation whole.
    for site in (client, serving(index_dir, content_dir)):
        assert site.get("/healthz").get_json()["generation"] == old
        assert site.get(ARTICLE).status_code == 200
        assert search_total(site, "grief") > 0
        assert search_total(site, NEW_WORD) == 0

    # The kernel dropped the dead build's lock, so the next build runs, tidies up, and goes
    # live.
    report = rebuild(content_dir, index_dir)
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith((".b", ".C"))) == []
    assert {p.name for p in index_dir.glob("gen-*")} == {old, report.generation}
    assert client.get("/healthz").get_json()["generation"] == report.generation
    assert search_total(client, NEW_WORD) == 1


def test_a_second_rebuild_while_one_runs_fails_cleanly(runner, client, content_dir, index_dir):
    old = client.get("/healthz").get_json()["generation"]
    add_new_word(content_dir)
    build = start_rebuild(content_dir, index_dir, "indexing")
    try:
        wait_for_pause(build, "indexing")
        second = runner.invoke(args=["index", "rebuild"])
        assert second.exit_code == 1
        assert "another index build is running; wait for it to finish" in second.output
        assert client.get("/healthz").get_json()["generation"] == old
        build.stdin.close()  # let the first build go on
        assert finish(build) == 0
    finally:
        if build.poll() is None:
            kill(build)
    live = current_generation(index_dir)
    assert live != old
    assert client.get("/healthz").get_json()["generation"] == live
    assert search_total(client, NEW_WORD) == 1
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0


# --- worker processes of a killed build ------------------------------------------------------
#
# A build of a large library runs a pool of worker processes (and multiprocessing's resource
# tracker). Killed with SIGKILL, it used to leave them all running for good, about 100 MB each.

needs_workers = pytest.mark.skipif(
    workers.available_cores() < 2 or not os.path.exists("/proc/self/stat"),
    reason="needs two cores for a pool of workers, and Linux's /proc to find them",
)


def started_at(pid: int) -> str | None:
    """Return when the process started (clock ticks since boot, as a build records its
    workers), or None if it is not running (a zombie not yet waited for is not)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in (b"Z", b"X") else fields[19].decode("ascii")


def children(pid: int) -> dict[int, bytes]:
    """Return the command line of each running process whose parent is `pid`."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and started_at(int(entry)) is not None:
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
                if int(stat.rsplit(b")", 1)[1].split()[1]) == pid:
                    found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
    return found


def running(pids) -> list[int]:
    """Return those of `pids` still running (a zombie not yet waited for is not)."""
    return [pid for pid in pids if started_at(pid) is not None]


@pytest.fixture(scope="module")
def large_content(tmp_path_factory) -> Path:
    """The sample content and enough more articles that a build and its pre-rendering both
    use worker processes."""
    folder = tmp_path_factory.mktemp("large") / "content"
    shutil.copytree(ROOT / "content", folder)
    extra = max(workers.PARALLEL_MIN, prerender.PARALLEL_MIN_PAGES // 2)
    for number in range(extra):
        (folder / "articles" / f"extra-{number:04d}.md").write_text(
            f"---\ntitle: Extra article {number}\nsummary: One of many, number {number}.\n"
            f"date: 2025-01-01\ntags: [extra]\n---\n\nWords about calm and sleep, {number}.\n",
            "utf-8",
        )
    return folder


@needs_workers
@pytest.mark.parametrize("stage", ["indexing", PRERENDERING])
def test_a_killed_build_leaves_no_worker_process_running(large_content, tmp_path, stage):
    index_dir = tmp_path / "index"
    build = start_rebuild(large_content, index_dir, stage)
    try:
        wait_for_pause(build, stage, deadline=300)
        left = {pid: line for pid, line in children(build.pid).items() if b"multiproc" in line}
    finally:
        kill(build)
    assert sum(b"--multiprocessing-fork" in line for line in left.values()) >= 2, left
    records = list(index_dir.glob(f"{workers.WORKERS}*"))
    assert len(records) == 1 and len(records[0].read_text().splitlines()) >= 3
    # The workers die with the build (and so the resource tracker, once they are gone).
    give_up = time.monotonic() + 10
    while running(left) and time.monotonic() < give_up:
        time.sleep(0.1)
    try:
        assert running(left) == []
    finally:
        for pid in running(left):  # a failed test leaves nothing behind either
            os.kill(pid, signal.SIGKILL)

    # The next build reads the record (nothing is left to kill) and removes it; an update
    # after pre-rendering was killed also finishes that.
    if stage == "indexing":
        rebuild(large_content, index_dir)
    else:
        result = (
            make_app(large_content, index_dir).test_cli_runner().invoke(args=["index", "update"])
        )
        assert result.exit_code == 0, result.output
        assert "were never pre-rendered" in result.output and "Pre-rendered 1," in result.output
    assert list(index_dir.glob(f"{workers.WORKERS}*")) == []


@needs_workers
def test_the_next_build_kills_workers_that_outlived_a_killed_build(content_dir, index_dir, caplog):
    # Where a worker could not be told to die with its parent, or did not: the next build
    # kills it, and only it: not a process that reused a recorded PID, nor the workers of a
    # build or pre-render still running.
    def sleeper() -> subprocess.Popen:
        command = [sys.executable, "-c", "import time; time.sleep(120)", "--multiprocessing-fork"]
        return subprocess.Popen(command)

    straggler, reused, busy = sleeper(), sleeper(), sleeper()
    try:
        dead_owner = subprocess.Popen([sys.executable, "-c", "pass"])
        dead_owner_started = started_at(dead_owner.pid)
        dead_owner.wait()
        me = f"{os.getpid()} {started_at(os.getpid())}"
        stale = index_dir / f"{workers.WORKERS}{dead_owner.pid}-1"
        stale.write_text(
            f"{dead_owner.pid} {dead_owner_started}\n"
            f"{straggler.pid} {started_at(straggler.pid)}\n"
            f"{reused.pid} 12345\n"  # its PID, but the process recorded started at another time
        )
        live = index_dir / f"{workers.WORKERS}{os.getpid()}-2"
        live.write_text(f"{me}\n{busy.pid} {started_at(busy.pid)}\n")
        with caplog.at_level(logging.WARNING, logger="webapp"):
            rebuild(content_dir, index_dir)
        assert straggler.wait(timeout=10) == -9
        assert reused.poll() is None and busy.poll() is None
        assert not stale.exists() and live.exists()
        assert f"killed worker process {straggler.pid}, left running by a killed build" in (
            caplog.text
        )
    finally:
        for process in (straggler, reused, busy):
            process.kill()
            process.wait()


# --- damaged index at start-up --------------------------------------------------------------


def _scribble_middle(folder: Path) -> None:
    # Whoosh opens this happily and fails only when a search reaches the damaged bytes.
    for path in (folder / "whoosh").glob("*.seg"):
        data = bytearray(path.read_bytes())
        quarter = len(data) // 4
        data[quarter : 2 * quarter] = b"\xff" * quarter
        path.write_bytes(bytes(data))


DAMAGE: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "segment-garbage": (lambda ix, gen: _scribble_middle(gen), "is damaged"),
    "toc-garbage": (
        lambda ix, gen: [p.write_bytes(b"garbage") for p in (gen / "whoosh").glob("*.toc")],
        "is damaged",
    ),
    "whoosh-files-gone": (lambda ix, gen: shutil.rmtree(gen / "whoosh"), "is missing"),
    "content-meta-garbage": (
        lambda ix, gen: (gen / "library" / "meta.pickle").write_bytes(b"\x80\x05garbage"),
        "library/meta.pickle is damaged",
    ),
    "content-chunk-garbage": (
        lambda ix, gen: next((gen / "library").glob("articles-*.pickle")).write_bytes(
            b"\x80\x05garbage"
        ),
        "is damaged",
    ),
    "vocabulary-garbage": (
        lambda ix, gen: (gen / "whoosh" / "vocabulary.bin").write_bytes(b"garbage"),
        "whoosh/vocabulary.bin is damaged",
    ),
    "vocabulary-gone": (
        lambda ix, gen: (gen / "whoosh" / "vocabulary.bin").unlink(),
        "whoosh/vocabulary.bin is missing",
    ),
    "manifest-garbage": (
        lambda ix, gen: (gen / "manifest.json").write_text("{"),
        "manifest is unreadable",
    ),
    "current-names-missing-folder": (
        lambda ix, gen: (ix / "CURRENT").write_text("gen-20200101T000000000000\n"),
        "names 'gen-20200101T000000000000', which is not a generation folder",
    ),
    "current-not-text": (
        lambda ix, gen: (ix / "CURRENT").write_bytes(b"\xff\xfe\x00garbage"),
        "CURRENT: cannot be read",
    ),
    "current-points-outside": (
        lambda ix, gen: (ix / "CURRENT").write_text("../../etc\n"),
        "names '../../etc', which is not a generation folder",
    ),
}


def assert_being_updated_page(response, index_dir: Path) -> None:
    """The page a visitor gets while no index can serve: it still carries what keeps them safe."""
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The site is being updated" in html
    assert "This is not an emergency service" in html and "116 123" in html and "112" in html
    assert str(index_dir) not in html and "gen-" not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_at_start_up_is_logged_with_what_to_run_and_never_rebuilt_by_serving(
    content_dir, index_dir, caplog, damage
):
    damaged = current_generation(index_dir)
    harm, words = DAMAGE[damage]
    harm(index_dir, index_dir / damaged)
    client = serving(index_dir, content_dir)
    before = listing(index_dir)
    with read_only(index_dir) as attempts, caplog.at_level(logging.WARNING, logger="webapp"):
        for _ in range(3):
            assert_being_updated_page(client.get("/"), index_dir)
        health = client.get("/healthz")
    assert attempts == [] and listing(index_dir) == before  # a web process only reads
    assert health.status_code == 503 and health.get_json() == {"status": "unavailable"}
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1, said  # once, not on every request
    assert words in said[0] and "index rebuild" in said[0]

    # The maintainer runs the build; the same worker serves it without a restart.
    fixed = rebuild(content_dir, index_dir).generation
    assert client.get("/").status_code == 200
    assert search_total(client, "grief") > 0
    assert client.get("/healthz").get_json()["generation"] == fixed


def test_a_damaged_live_generation_at_start_up_serves_the_older_one_still_whole(
    content_dir, index_dir, caplog
):
    older = current_generation(index_dir)
    add_new_word(content_dir)
    damaged = rebuild(content_dir, index_dir).generation
    _scribble_middle(index_dir / damaged)
    with caplog.at_level(logging.ERROR, logger="webapp"):
        client = serving(index_dir, content_dir)
        assert client.get("/healthz").get_json()["generation"] == older
        assert client.get(ARTICLE).status_code == 200
        assert search_total(client, "grief") > 0
        assert search_total(client, NEW_WORD) == 0  # what the damaged generation added
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and damaged in said[0] and older in said[0], said
    assert "index rebuild" in said[0]


def test_a_damaged_new_generation_is_logged_once_and_the_old_keeps_serving(
    client, content_dir, index_dir, caplog
):
    old = client.get("/healthz").get_json()["generation"]
    broken = rebuild(content_dir, index_dir).generation
    _scribble_middle(index_dir / broken)
    with caplog.at_level(logging.ERROR, logger="webapp"):
        for _ in range(3):
            assert client.get("/healthz").get_json()["generation"] == old
            assert search_total(client, "grief") > 0
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and broken in errors[0] and "still serving the old" in errors[0]

    fixed = rebuild(content_dir, index_dir).generation
    assert client.get("/healthz").get_json()["generation"] == fixed


def test_a_missing_index_folder_gets_the_updating_page_until_the_cli_builds_it(
    content_dir, tmp_path, caplog
):
    index_dir = tmp_path / "not" / "there" / "yet"
    client = serving(index_dir, content_dir)
    with caplog.at_level(logging.ERROR, logger="webapp"):
        assert_being_updated_page(client.get("/"), index_dir)
        assert_being_updated_page(client.get("/search?q=grief"), index_dir)
    assert not index_dir.exists()  # serving never builds, so never creates the folder
    [said] = [r.getMessage() for r in caplog.records]
    assert "no index has been built yet" in said and "index rebuild" in said

    rebuild(content_dir, index_dir)
    assert search_total(client, "grief") > 0
    assert client.get("/healthz").get_json()["generation"] == current_generation(index_dir)


# --- a read-only index folder ---------------------------------------------------------------
#
# Production may serve several instances from one read-only index folder. Tests run as root,
# for whom `chmod -R a-w` stops nothing, and mount namespaces are not available everywhere.
# So an audit hook makes the folder read-only for this process: opening a file there for
# writing, creating, renaming or removing anything there fails with EROFS, as on a read-only
# mount, and each attempt is recorded. A listing of names, sizes and mtimes taken before and
# after also shows that nothing changed by any other route.

_READ_ONLY: dict[str, list[str]] = {}  # guarded folder -> attempted writes
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CHANGING_EVENTS = {
    "os.mkdir",
    "os.rename",
    "os.remove",
    "os.rmdir",
    "os.link",
    "os.symlink",
    "os.truncate",
    "os.chmod",
    "os.chown",
    "os.utime",
    "shutil.rmtree",
}


def _guarded(path: object) -> str | None:
    if isinstance(path, int) or path is None:
        return None
    full = os.path.abspath(os.fsdecode(os.fspath(path)))
    for folder in _READ_ONLY:
        if full == folder or full.startswith(folder + os.sep):
            return folder
    return None


def _audit(event: str, args: tuple) -> None:
    if not _READ_ONLY:
        return
    if event == "open":
        path, mode, flags = args
        writes = any(c in mode for c in "wax+") if mode else bool((flags or 0) & _WRITE_FLAGS)
    elif event in _CHANGING_EVENTS:
        path, writes = args[0], True
        if event == "os.mkdir" and os.path.isdir(path):
            return  # like a read-only mount: "exists" is the answer, not EROFS
    else:
        return
    folder = _guarded(path) if writes else None
    if folder is not None:
        _READ_ONLY[folder].append(f"{event} {path}")
        raise PermissionError(errno.EROFS, "Read-only file system (test)", str(path))


sys.addaudithook(_audit)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[list[str]]:
    """Make `folder` read-only for this process; yield the list of attempted writes."""
    key = os.path.abspath(folder)
    _READ_ONLY[key] = attempts = []
    try:
        yield attempts
    finally:
        del _READ_ONLY[key]


def listing(folder: Path) -> list[tuple[str, int, int]]:
    """Return every entry under `folder` with its size and modification time."""
    entries = [folder, *sorted(folder.rglob("*"))]
    return [(str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in entries]


READING = [
    "/",
    ARTICLE,
    f"{ARTICLE}/related",
    "/search?q=grief",
    "/search?q=gri",
    "/search?q=grief&page=2",
    "/search?q=suicide",
    "/topics",
    "/topics/relationships",
    "/authors/sam-example",
    "/healthz",
]


def test_a_read_only_index_folder_serves_and_switches_generations(client, content_dir, index_dir):
    before = listing(index_dir)
    with read_only(index_dir) as attempts:
        for path in READING:
            assert client.get(path).status_code == 200, path
            assert client.get(path, headers=htmx_headers()).status_code == 200, path
        assert client.get("/articles/nothing-here").status_code == 404
    assert attempts == []
    assert listing(index_dir) == before

    # A deploy builds a new generation; serving switches to it without writing anything.
    add_new_word(content_dir)
    new = rebuild(content_dir, index_dir).generation
    before = listing(index_dir)
    with read_only(index_dir) as attempts:
        assert client.get("/healthz").get_json()["generation"] == new
        assert search_total(client, NEW_WORD) == 1
    assert attempts == []
    assert listing(index_dir) == before


def test_a_read_only_folder_without_an_index_shows_the_update_page(content_dir, tmp_path):
    index_dir = tmp_path / "empty-index"
    index_dir.mkdir()
    client = serving(index_dir, content_dir)
    with read_only(index_dir) as attempts:
        assert_being_updated_page(client.get("/"), index_dir)
        assert client.get("/healthz").status_code == 503
    assert attempts == []  # it did not even try to build


def test_after_an_update_every_checksum_is_that_of_its_file(runner, content_dir, index_dir):
    # An update reuses the checksums of files it hard-links from the live generation; the
    # files it writes anew must get their own, or the next start-up would call them damaged.
    path = content_dir / "articles" / "living-with-grief.md"
    path.write_text(path.read_text() + "\nOne more sentence about memory.\n")
    assert runner.invoke(args=["index", "update"]).exit_code == 0
    generation = index_dir / current_generation(index_dir)
    manifest = json.loads((generation / "manifest.json").read_text())
    written = [name for name in manifest["checksums"] if name.startswith("library/")]
    assert written and len(manifest["checksums"]) > len(written)
    for name, checksum in manifest["checksums"].items():
        data = (generation / name).read_bytes()
        assert checksum == f"crc32:{zlib.crc32(data):08x}:{len(data)}", name


# --- a full disk or a read-only folder at build time ------------------------------------------


def assert_one_sentence(result, sentence: str) -> None:
    """The command failed with exit code 1 and said `sentence` as its one error: no traceback."""
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: {sentence}"], result.output
    assert "Traceback" not in result.output


DONE = {"rebuild": "rebuilt", "update": "updated"}


@pytest.mark.parametrize("command", ["rebuild", "update"])
def test_a_build_in_a_read_only_index_folder_says_so_in_one_sentence(
    runner, client, content_dir, index_dir, command
):
    old = current_generation(index_dir)
    add_new_word(content_dir)
    before = listing(index_dir)
    with read_only(index_dir) as attempts:
        result = runner.invoke(args=["index", command])
    assert attempts
    assert_one_sentence(
        result,
        f"{index_dir} cannot be written (Read-only file system (test)), so the index was not "
        f"{DONE[command]} and the old one is still serving: run the command as a user who can "
        f"write there, or on a writable disk, then run 'index {command}' again.",
    )
    assert listing(index_dir) == before
    assert client.get("/healthz").get_json()["generation"] == old
    # Once the folder can be written, the same command goes through.
    assert runner.invoke(args=["index", command]).exit_code == 0
    assert search_total(client, NEW_WORD) == 1


@pytest.mark.parametrize(("command", "writer"), [("rebuild", "write"), ("update", "write_update")])
def test_a_build_on_a_full_disk_says_so_in_one_sentence_and_cleans_up(
    runner, client, content_dir, index_dir, monkeypatch, command, writer
):
    from webapp.generation import store

    old = current_generation(index_dir)
    add_new_word(content_dir)
    names = sorted(p.name for p in index_dir.iterdir())
    written = getattr(store, writer)

    def write_until_the_disk_is_full(folder, *args):
        written(folder, *args)
        (folder / "more").write_bytes(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "more"))

    monkeypatch.setattr(store, writer, write_until_the_disk_is_full)
    result = runner.invoke(args=["index", command])
    monkeypatch.undo()
    assert_one_sentence(
        result,
        f"the disk holding {index_dir} is full, so the index was not {DONE[command]} and the old "
        f"one is still serving: free some space, then run 'index {command}' again.",
    )
    assert sorted(p.name for p in index_dir.iterdir()) == names  # the half-built folder gone
    assert client.get("/healthz").get_json()["generation"] == old
    assert runner.invoke(args=["index", command]).exit_code == 0
    assert search_total(client, NEW_WORD) == 1


# --- permissions: a server running as another user than the build ------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=["umask-022", "umask-027"])
def test_every_folder_and_file_of_the_index_is_as_readable_as_the_umask_allows(
    content_dir, tmp_path, umask
):
    # Generation folders were made by tempfile.mkdtemp, 0700 whatever the umask: built as
    # root and served as another user, every page was a 503.
    index_dir = tmp_path / "fresh-index"
    runner = make_app(content_dir, index_dir).test_cli_runner()
    previous = os.umask(umask)
    try:
        assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
        add_new_word(content_dir)
        result = runner.invoke(args=["index", "update"])  # links files, writes some anew
        assert result.exit_code == 0 and "Pre-rendered" in result.output, result.output
    finally:
        os.umask(previous)
    paths = [index_dir, *index_dir.rglob("*")]
    names = {p.name for p in paths}
    assert {".lock", "CURRENT", "manifest.json", "pages.index"} <= names
    assert sum(p.is_dir() and p.name.startswith("gen-") for p in paths) == 2
    # Everyone the umask lets read (and enter folders) can; no one it excludes can.
    wrong = {
        str(p.relative_to(index_dir)): oct(p.stat().st_mode & 0o777)
        for p in paths
        if (p.stat().st_mode & ((0o555 if p.is_dir() else 0o444) & ~umask | umask))
        != (0o555 if p.is_dir() else 0o444) & ~umask
    }
    assert wrong == {}


def test_a_first_build_on_a_full_disk_claims_no_old_index(content_dir, tmp_path, monkeypatch):
    from webapp.generation import store

    index_dir = tmp_path / "first-index"
    runner = make_app(content_dir, index_dir).test_cli_runner()

    def disk_full(folder, *args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "library"))

    monkeypatch.setattr(store, "write", disk_full)
    result = runner.invoke(args=["index", "rebuild"])
    assert_one_sentence(
        result,
        f"the disk holding {index_dir} is full, so the index was not rebuilt: free some space, "
        "then run 'index rebuild' again.",
    )
    assert sorted(p.name for p in index_dir.iterdir()) == [".lock"]
