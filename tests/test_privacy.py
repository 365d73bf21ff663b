"""What visitors search for never reaches a log."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

from webapp.web.privacy import DropQueryStrings

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from serving import DEV, GUNICORN, PREVIEW, serving  # noqa: F401 - shared with other tests


def test_dev_server_request_lines_lose_their_query_string():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "now", "GET /search?q=suicide+help HTTP/1.1", "200", "-"),
        None,
    )
    DropQueryStrings().filter(record)
    message = record.getMessage()
    assert "suicide" not in message
    assert '"GET /search HTTP/1.1" 200' in message


# --- the production server's logs -----------------------------------------------------------

SECRETS = [
    "zebrasecret",
    "quokkaprivate",
    "walrushidden",
    "okapiconfidential",
    "tapirquiet",
    "narwhalsealed",
    "lemurunsaid",
    "ibexundisclosed",
    "sélfhärm",
]


@contextlib.contextmanager
def gunicorn(content_dir: Path, index_dir: Path, access_log: Path, server_log: Path):
    """Run the production server (gunicorn.conf.py, one worker); yield its base URL."""
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "1",
        "ACCESS_LOG": str(access_log),
        "FLASK_CONTENT_DIR": str(content_dir),
        "FLASK_INDEX_DIR": str(index_dir),
    }
    with serving([*GUNICORN, "wsgi:app"], env, server_log) as (port, _):
        yield f"http://127.0.0.1:{port}"


def get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """GET a path from the server; return status and body (0 when nothing answered)."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""
    finally:
        connection.close()


def test_production_access_log_records_paths_but_never_what_was_searched(
    content_dir, index_dir, tmp_path
):
    access_log, server_log = tmp_path / "access.log", tmp_path / "server.log"
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1/search"}
    s = [quote(word) for word in SECRETS]
    requests = [
        (f"/search?q={s[0]}", {}),
        (f"/search?q={s[1]}+grief", htmx),
        (f"/search?q=grief+{s[2]}&page=2", htmx),
        (f"/search?q=suicide+{s[3]}", {}),
        (f"/search?page=1&q={s[8]}", {}),
        (f"/?page=2&ref={s[4]}", {}),
        (f"/articles/the-therapeutic-relationship?from={s[5]}", {}),
        (f"/articles/the-therapeutic-relationship/related?{s[6]}", htmx),
        (f"/no-such-page?q={s[7]}", {}),
        ("/static/style.css?v=1", {}),
    ]
    with gunicorn(content_dir, index_dir, access_log, server_log) as url:
        statuses = [get(url, path, headers)[0] for path, headers in requests]
    assert statuses == [200] * 8 + [404, 200]

    logged = access_log.read_text("utf-8")
    assert logged.count('"GET /search"') == 5
    assert '"GET /articles/the-therapeutic-relationship/related"' in logged
    everything = logged + server_log.read_text("utf-8")
    for word in SECRETS + s + ["suicide", "grief", "page=", "?"]:
        assert word not in everything, word


def test_the_page_title_never_shows_what_was_searched(client):
    # Tab bars, window switchers and history lists show titles to anyone near the screen.
    from lxml import html

    page = html.fromstring(client.get("/search", query_string={"q": "leaving an abuser"}).data)
    assert page.findtext(".//title") == "Search results · Sample Therapy Practice"
    assert "leaving an abuser" in page.text_content()  # the page itself still says it
