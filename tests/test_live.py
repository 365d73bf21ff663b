"""A running site switches to a new index generation without failing requests in flight."""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
import threading
import time
import weakref

import pytest

from webapp.building.pipeline import rebuild
from webapp.generation.folder import current_generation
from webapp.search.engine import SearchIndex
from webapp.web.live import current_snapshot

from .conftest import ROOT, make_app

sys.path.insert(0, str(ROOT / "scripts"))
from serving import GUNICORN


@pytest.fixture
def no_cycle_collector():
    """Turn the cycle collector off, so it is never what closes a replaced generation."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_request_that_outlives_two_swaps_still_finishes(
    app, content_dir, index_dir, no_cycle_collector
):
    started, may_finish = threading.Event(), threading.Event()

    @app.get("/slow-search")
    def slow_search():
        snapshot = current_snapshot()
        started.set()
        may_finish.wait(timeout=60)
        return str(snapshot.search.search("grief").total)

    slow: dict[str, object] = {}
    # The development server is threaded: one request can still be reading its generation
    # while others see two newer ones go live.
    thread = threading.Thread(
        target=lambda: slow.update(response=app.test_client().get("/slow-search"))
    )
    thread.start()
    assert started.wait(timeout=60)
    client = app.test_client()
    for _ in range(2):
        rebuild(content_dir, index_dir)
        assert client.get("/healthz").get_json()["generation"] == current_generation(index_dir)
    may_finish.set()
    thread.join(timeout=60)

    response = slow["response"]
    assert response.status_code == 200
    assert int(response.get_data(as_text=True)) > 0
    # Once that request is done, only the live generation is held open.
    assert _generations_held_open(index_dir) == {current_generation(index_dir)}
    assert client.get("/search?q=grief").status_code == 200


def _generations_held_open(index_dir) -> set[str]:
    """Names of generations whose files this process holds open or mapped."""
    root = str(index_dir.resolve()) + "/"
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # an fd closed while we list them
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
    with open("/proc/self/maps", encoding="utf-8") as maps:
        targets += [line.split(None, 5)[-1] for line in maps if root in line]
    return {t[len(root) :].split("/")[0] for t in targets if t.startswith(root)}


def test_a_replaced_generation_s_files_are_let_go_once_its_last_request_ends(
    client, content_dir, index_dir, no_cycle_collector
):
    # A replaced generation is removed from disk by a later build; a worker that kept its
    # files open would keep that disk space in use for as long as it runs.
    for _ in range(4):
        assert client.get("/search?q=grief").status_code == 200
        assert client.get("/articles/living-with-grief/related").status_code == 200
        rebuild(content_dir, index_dir)
    assert client.get("/search?q=sleep").status_code == 200
    assert _generations_held_open(index_dir) == {current_generation(index_dir)}


def test_a_server_warms_a_new_generation_off_the_request_path_before_serving_it(
    content_dir, index_dir, monkeypatch, no_cycle_collector
):
    # With a check interval, visitors never wait while a new generation is opened and its
    # caches warmed: the old one serves until the new one is ready.
    app = make_app(content_dir, index_dir, INDEX_CHECK_INTERVAL=0.02)
    client = app.test_client()
    old = client.get("/healthz").get_json()["generation"]
    may_finish, warmed = threading.Event(), []

    def slow_warm(searcher, *args, **kwargs):
        warmed.append(searcher)
        assert may_finish.wait(timeout=60)
        return real_warm(searcher, *args, **kwargs)

    real_warm = SearchIndex.warm
    monkeypatch.setattr(SearchIndex, "warm", slow_warm)
    new = rebuild(content_dir, index_dir).generation
    deadline = time.monotonic() + 30
    while not warmed:
        assert time.monotonic() < deadline, "the new generation was never opened"
        time.sleep(0.01)
    for _ in range(5):  # answered at once, from the old generation
        assert client.get("/healthz").get_json()["generation"] == old
        assert client.get("/search?q=grief").status_code == 200
    may_finish.set()
    while client.get("/healthz").get_json()["generation"] != new:
        assert time.monotonic() < deadline, "the warmed generation was never served"
        time.sleep(0.01)
    assert _generations_held_open(index_dir) == {new}  # the old one closed once replaced


def test_a_new_generation_is_warmed_with_what_was_searched_lately_on_the_old(
    content_dir, index_dir, no_cycle_collector
):
    # Visitors' recent searches are ready on the new generation before it serves anyone,
    # so the first visitors after a publish do not wait for them to be computed again.
    app = make_app(content_dir, index_dir, INDEX_CHECK_INTERVAL=0.02)
    client = app.test_client()
    for text in ('"first session"', "sleep routine", "gri"):
        assert client.get("/search", query_string={"q": text}).status_code == 200
    with app.app_context():
        searched = current_snapshot().search.recently_searched()
    new = rebuild(content_dir, index_dir).generation
    deadline = time.monotonic() + 30
    while client.get("/healthz").get_json()["generation"] != new:
        assert time.monotonic() < deadline, "the new generation was never served"
        time.sleep(0.01)
    with app.app_context():
        tables, prefixes = current_snapshot().search.recently_searched()
    assert set(searched[0]) <= set(tables)
    assert "gri" in searched[1] and "gri" in prefixes


def test_a_replaced_generation_leaves_memory_when_its_last_request_ends(
    content_dir, index_dir, no_cycle_collector
):
    # A generation holds the library, the related lists and the search caches: a worker that
    # kept a replaced one (through a reference cycle, or a variable of the watch thread)
    # would hold two of them in memory until the next publish or the next full collection.
    app = make_app(content_dir, index_dir, INDEX_CHECK_INTERVAL=0.02)
    client = app.test_client()
    for path in ("/search?q=grief", "/articles/living-with-grief", "/"):
        assert client.get(path).status_code == 200
    with app.app_context():
        replaced = weakref.ref(current_snapshot())
    new = rebuild(content_dir, index_dir).generation
    deadline = time.monotonic() + 30
    while client.get("/healthz").get_json()["generation"] != new:
        assert time.monotonic() < deadline, "the new generation was never served"
        time.sleep(0.01)
    assert client.get("/articles/living-with-grief").status_code == 200
    assert replaced() is None


def test_a_production_worker_opens_and_warms_the_index_before_its_first_visitor(
    content_dir, index_dir, tmp_path
):
    # The first visitors after a restart or a deploy should not wait for the index to open:
    # gunicorn.conf.py has each worker open it as it starts, before it takes requests. No
    # request is made here, so the index is open only if the worker opened it by itself.
    log = tmp_path / "server.log"
    env = {**os.environ, "WEB_CONCURRENCY": "1", "BIND": "127.0.0.1:0",
           "FLASK_CONTENT_DIR": str(content_dir), "FLASK_INDEX_DIR": str(index_dir)}  # fmt: skip
    generation = current_generation(index_dir)
    with log.open("wb") as output:
        server = subprocess.Popen([*GUNICORN, "wsgi:app"], cwd=ROOT, env=env, stdout=output,
                                  stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while f"serving index generation {generation}" not in log.read_text(errors="replace"):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
