"""A running site switches to a new index generation without failing requests in flight."""

from __future__ import annotations

import threading

from webapp.index import current_generation, rebuild
from webapp.live import current_snapshot


def test_a_request_that_outlives_two_swaps_still_finishes(app, content_dir, index_dir):
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
    assert app.extensions["live_index"].open_snapshots() == 1
    assert client.get("/search?q=grief").status_code == 200
