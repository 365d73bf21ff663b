"""Hand-made requests against the real servers: no log line holds what was searched or a
forged line, and no request decides where the site's links point."""

from __future__ import annotations

import contextlib
import os
import re
import socket
from pathlib import Path

import pytest

from webapp.web.privacy import safe_log_text

from .test_privacy import DEV, GUNICORN, serving

SECRET = "wombatsecret"


def send(port: int, request_line: bytes, headers: bytes = b"") -> tuple[int, bytes, bytes]:
    """Send one raw request; return (status, header block, body) or (0, b"", b"")."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                           + headers + b"\r\n")  # fmt: skip
        data = b""
        with contextlib.suppress(OSError):
            while chunk := connection.recv(65536):
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    found = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(found[1]) if found else 0), head, body


# Request lines a browser never sends but anyone can, each carrying the secret.
SHAPES = {
    "nul": b"GET /search?q=" + SECRET.encode() + b"\x00x HTTP/1.1",
    "del": b"GET /search?q=" + SECRET.encode() + b"\x7fx HTTP/1.1",
    "tab": b"GET /search?q=a\t" + SECRET.encode() + b" HTTP/1.1",
    "raw spaces": b"GET /search?q=self harm " + SECRET.encode() + b" HTTP/1.1",
    "raw spaces, no query mark": b"GET /search " + SECRET.encode() + b" HTTP/1.1",
    "absolute form": b"GET http://127.0.0.1/search?q=" + SECRET.encode() + b" HTTP/1.1",
    "too long": b"GET /search?q=" + SECRET.encode() + b"+" + b"a" * 3000 + b" HTTP/1.1",
}
FORGED = b"GET /articles/%0d%0aSet-Cookie:%20a=b%0d%0aINFO%20forged/ HTTP/1.1"


@contextlib.contextmanager
def server(kind: str, content_dir: Path, index_dir: Path, tmp_path: Path):
    """Run the production server or the development server; yield (port, log files)."""
    access, output = tmp_path / "access.log", tmp_path / "server.log"
    env = {**os.environ, "WEB_CONCURRENCY": "1", "ACCESS_LOG": str(access),
           "FLASK_CONTENT_DIR": str(content_dir), "FLASK_INDEX_DIR": str(index_dir)}  # fmt: skip
    command = [*GUNICORN, "wsgi:app"] if kind == "gunicorn" else DEV
    with serving(command, env, output) as (port, _):
        yield port, [access, output]


@pytest.mark.parametrize("kind", ["gunicorn", "dev"])
def test_no_request_shape_puts_search_words_or_a_forged_line_in_a_log(
    kind, content_dir, index_dir, tmp_path
):
    with server(kind, content_dir, index_dir, tmp_path) as (port, logs):
        answers = {name: send(port, line)[0] for name, line in SHAPES.items()}
        forged = send(port, FORGED)[0]
        # What a visitor's own browser sends, for comparison, logged without its query.
        assert send(port, b"GET /search?q=" + SECRET.encode() + b" HTTP/1.1")[0] == 200
    assert all(400 <= status < 500 or status == 200 for status in answers.values()), answers
    assert forged == 404
    written = b"".join(log.read_bytes() for log in logs if log.exists())
    assert SECRET.encode() not in written
    assert b"/search" in written  # the requests were logged, only without the words
    lines = written.splitlines()
    assert not [line for line in lines if line.lstrip().startswith((b"Set-Cookie", b"INFO forged"))]


def test_a_search_longer_than_the_box_allows_gets_a_page_but_a_huge_line_gets_414(
    content_dir, index_dir, tmp_path
):
    words = "help with sleep " * 60  # 960 characters: past the box's 200, under the line limit
    with server("gunicorn", content_dir, index_dir, tmp_path) as (port, _):
        status, _, body = send(port, b"GET /search?q=" + words.replace(" ", "+").encode()
                               + b" HTTP/1.1")  # fmt: skip
        assert status == 200
        assert b"This is not an emergency service" in body and b"result" in body
        assert send(port, SHAPES["too long"])[0] == 414


def test_a_client_cannot_set_where_the_production_site_is_mounted(content_dir, index_dir, tmp_path):
    evil = b"SCRIPT_NAME: //evil.example\r\nX-Forwarded-Host: evil.example\r\n"
    with server("gunicorn", content_dir, index_dir, tmp_path) as (port, _):
        status, head, body = send(port, b"GET //evil.example/topics/ HTTP/1.1", evil)
        page = send(port, b"GET /articles/living-with-grief HTTP/1.1", evil)
        after = send(port, b"GET / HTTP/1.1")
    assert b"evil.example" not in head + body, (status, head)
    assert page[0] == 200 and b"evil.example" not in page[1] + page[2]
    assert after[0] == 200 and b"evil.example" not in after[2]
    assert b'href="/static/style.css?v=' in after[2]


def test_one_request_s_mount_point_never_becomes_every_later_visitor_s(client):
    # A server that does pass a mount point on (a proxy's, or a misconfigured one) must not
    # let the first request's value stick in a per-process memo of asset URLs.
    first = client.get("/", environ_overrides={"SCRIPT_NAME": "//evil.example"})
    assert b'href="//evil.example/static/style.css' in first.data  # that request's own links
    later = client.get("/").get_data(as_text=True)
    assert "evil.example" not in later
    assert 'href="/static/style.css?v=' in later


@pytest.mark.parametrize(
    ("logged", "kept", "dropped"),
    [
        ('"GET /search?q=x+y HTTP/1.1" 200 -', '"GET /search HTTP/1.1" 200 -', "x+y"),
        ("Bad request syntax ('GET /search self harm HTTP/1.1')", "('GET /search HTTP/1.1')",
         "harm"),
        ("Invalid HTTP request line: 'GET /search?q=a\\x00 HTTP/1.1'", "'GET /search HTTP/1.1'",
         "q=a"),
        ("Exception on /articles/\r\nSet-Cookie: a=b [GET]", "/articles/\\r\\nSet-Cookie", "\r"),
        ("file \u202egnp.md", "file \\u202egnp.md", "\u202e"),
    ],
)  # fmt: skip
def test_log_text_keeps_the_path_and_escapes_what_could_forge_a_line(logged, kept, dropped):
    safe = safe_log_text(logged)
    assert kept in safe and dropped not in safe
