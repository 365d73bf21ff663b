"""The site as deployed: Debian's nginx with the shipped configuration (deploy/nginx) in front
of two gunicorn instances on one index built by the CLI, all on loopback.

Everything a visitor gets here went through nginx's shared cache, so these tests are what
a practice's visitors would see if the cache, the site's caching headers or the proxy's own
pages were wrong.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import brotli
import pytest
from lxml import html

from .conftest import ROOT, SAMPLE_CONTENT

sys.path.insert(0, str(ROOT / "scripts"))
from front import get, instances, nginx, nginx_program

MAX_AGE = 3  # seconds a page may be kept; short, so the update test need not wait long
SLUG = "the-therapeutic-relationship"
BANNER = "This is not an emergency service"
CRISIS_NUMBERS = ("112", "Samaritans", "116 123")
SECRET = "zebrasecret"
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1/"}
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
)
FROM_CACHE = {"HIT", "REVALIDATED"}  # revalidated: the site said 304 to this copy's ETag
PROXY_ERRORS = ROOT / "deploy" / "proxy-errors"


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip


class Site:
    """The running deployment: nginx's port, the instances, and the folders behind them."""

    def __init__(self, folder: Path, port: int, instances: list, env: dict[str, str]):
        self.folder, self.port, self.instances, self.env = folder, port, instances, env

    def get(self, path: str, headers: dict[str, str] | None = None):
        return get(self.port, path, headers)

    def nginx_logs(self) -> str:
        names = ("access.log", "error.log", "nginx.out")
        return "".join((self.folder / "nginx" / n).read_text("utf-8", "replace") for n in names)


@contextlib.contextmanager
def deployed(folder: Path):
    """Build the index with the CLI, start two instances and nginx in front of them."""
    shutil.copytree(SAMPLE_CONTENT, folder / "content")
    env = {
        **os.environ,
        "FLASK_CONTENT_DIR": str(folder / "content"),
        "FLASK_INDEX_DIR": str(folder / "index"),
        "FLASK_PAGE_MAX_AGE": str(MAX_AGE),
        "FLASK_INDEX_CHECK_INTERVAL": "0",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
    }
    cli(env, "index", "rebuild")
    with (
        instances(env, folder) as started,
        nginx(folder / "nginx", [port for port, _ in started]) as port,
    ):
        yield Site(folder, port, started, env)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with deployed(tmp_path_factory.mktemp("deployed")) as running:
        yield running


def is_page(body: bytes) -> bool:
    return body.lstrip().lower().startswith(b"<!doctype html>") and BANNER.encode() in body


def send_raw(port: int, request_line: bytes) -> tuple[int, bytes]:
    """Send a request line no browser would; return the status and the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        with contextlib.suppress(OSError):
            while chunk := connection.recv(65536):
                data += chunk
    found = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return (int(found[1]) if found else 0), data


# --- one URL, fragment or page --------------------------------------------------------------

# What a browser sends, what curl --compressed sends, nothing: three entries in the cache.
ENCODINGS = {"gzip, deflate, br, zstd": "br", "gzip": "gzip", "identity": None}
VARIANTS = {
    "page": ({}, True),
    "fragment": (HTMX, False),
    "boosted link": ({**HTMX, "HX-Boosted": "true"}, True),
    "history restore": ({**HTMX, "HX-History-Restore-Request": "true"}, True),
}


def test_a_fragment_and_the_page_at_the_same_url_never_swap_in_the_cache(site):
    path = f"/articles/{SLUG}/related?from=fragment-test"
    for round_ in ("first", "second"):
        order = list(VARIANTS) if round_ == "first" else list(reversed(VARIANTS))
        for name in order:
            headers, whole_page = VARIANTS[name]
            for encoding, sent in ENCODINGS.items():
                response = site.get(path, {**headers, "Accept-Encoding": encoding})
                assert response.getheader("Content-Encoding") == sent, (name, encoding)
                body = {"br": brotli.decompress, "gzip": gzip.decompress}.get(sent, bytes)(
                    response.body
                )
                assert response.status == 200
                assert is_page(body) is whole_page, (round_, name, encoding)
                if round_ == "second":
                    # Each representation was kept beside the others, not swapped out.
                    assert response.getheader("X-Cache") in FROM_CACHE, (name, encoding)


# --- search ---------------------------------------------------------------------------------


def test_search_and_its_redirects_never_enter_the_cache(site):
    for path in (f"/search?q={SECRET}", f"/search/?q={SECRET}", f"//search?q={SECRET}"):
        for headers in ({}, HTMX, {}):
            response = site.get(path, headers)
            assert response.status in (200, 307), path
            assert response.getheader("Cache-Control") == "no-store", path
            assert response.getheader("X-Cache") not in FROM_CACHE, path
    assert site.get(f"/search/?q={SECRET}").getheader("Location") == f"/search?q={SECRET}"
    # Nothing about the search reached nginx's disk: not the cache, not a temporary file.
    for path in (site.folder / "nginx").rglob("*"):
        if path.is_file() and path.suffix not in (".log", ".out", ".conf"):
            assert SECRET.encode() not in path.read_bytes(), path


# --- a new index generation -----------------------------------------------------------------


def test_an_index_update_shows_in_search_at_once_and_on_pages_within_their_max_age(site):
    path = f"/articles/{SLUG}?from=update-test"
    first = site.get(path)
    assert site.get(path).getheader("X-Cache") == "HIT"
    assert b"quokkaweather" not in first.body
    article = site.folder / "content" / "articles" / f"{SLUG}.md"
    article.write_text(article.read_text("utf-8") + "\n\nA note on quokkaweather.\n", "utf-8")

    cli(site.env, "index", "update")
    updated_at = time.monotonic()

    # Search is never cached: both instances find the new word on the next request.
    for _ in range(4):
        found = site.get("/search?q=quokkaweather")
        assert f"/articles/{SLUG}".encode() in found.body
    # The page comes from the cache until its max-age has passed, then the new one.
    while b"quokkaweather" not in (page := site.get(path)).body:
        assert time.monotonic() - updated_at <= MAX_AGE + 2, "still the old page"
        time.sleep(0.2)
    assert page.getheader("ETag") != first.getheader("ETag")


def test_a_browser_revalidating_its_copy_gets_a_304_through_the_proxy(site):
    for headers in ({}, {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip, br"}, HTMX):
        path = f"/articles/{SLUG}/related?from=revalidation-test"
        first = site.get(path, headers)
        etag = first.getheader("ETag")
        assert first.status == 200 and etag
        again = site.get(path, {**headers, "If-None-Match": etag})
        assert (again.status, again.body) == (304, b"")
        assert again.getheader("ETag") == etag
        assert site.get(path, {**headers, "If-None-Match": '"other"'}).status == 200


# --- what every visitor sees ----------------------------------------------------------------


def test_the_banner_and_security_headers_survive_the_proxy(site):
    direct_port = site.instances[0][0]
    for path in ("/", f"/articles/{SLUG}", "/topics", "/search?q=grief", "/no-such-page"):
        through = site.get(path)
        direct = get(direct_port, path)
        assert is_page(through.body), path
        for name in SECURITY_HEADERS:
            assert through.getheader(name) == direct.getheader(name) is not None, (path, name)
        assert through.getheader("Set-Cookie") is None
        assert through.getheader("Server") == "nginx"  # no version for anyone to look up


def test_static_files_come_from_the_proxy_kept_a_year_under_their_fingerprint(site):
    home = html.fromstring(site.get("/").body)
    addresses = home.xpath("//link[@rel='stylesheet']/@href | //script/@src")
    assert len(addresses) >= 2
    for address in addresses:
        response = site.get(address)
        assert response.status == 200, address
        assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        file = ROOT / "webapp" / address.split("?")[0].lstrip("/")
        assert response.body == file.read_bytes()
    unversioned = site.get("/static/style.css")
    assert unversioned.getheader("Cache-Control") == "no-cache"


def test_too_long_or_malformed_requests_get_the_proxys_page_with_the_banner(site):
    answers = {
        "longer than gunicorn allows": site.get("/search?q=" + "a" * 3000),
        "longer than nginx allows": site.get("/search?q=" + "a" * 9000),
    }
    statuses = {name: answer.status for name, answer in answers.items()}
    assert statuses == {name: 414 for name in answers}
    bodies = [answer.body for answer in answers.values()]
    status, data = send_raw(site.port, b"GET /search?q=self harm " + SECRET.encode() + b" HTTP/1.1")
    assert status == 400
    bodies.append(data)
    for body in bodies:
        text = body.decode("utf-8")
        assert BANNER in text and all(number in text for number in CRISIS_NUMBERS)
        assert 'href="/static/style.css"' in text


def test_no_search_words_reach_the_proxys_logs(site):
    for path in (f"/search?q={SECRET}", f"/search?q=grief+{SECRET}&page=2", f"/?ref={SECRET}"):
        assert site.get(path).status == 200
    send_raw(site.port, b"GET /search?q=" + SECRET.encode() + b"\x00x HTTP/1.1")
    send_raw(site.port, b"GET /search?q=" + SECRET.encode() + b"+" + b"a" * 9000 + b" HTTP/1.1")
    logged = site.nginx_logs()
    assert '"GET /search" 200' in logged  # the requests were logged, without their queries
    assert SECRET not in logged and "?" not in logged


def test_with_both_instances_down_the_proxy_answers_502_with_the_banner(tmp_path):
    with deployed(tmp_path) as site:
        assert site.get("/topics").status == 200
        site.instances[0][1].terminate()
        site.instances[0][1].wait(timeout=30)
        assert site.get("/").status == 200  # the other instance still answers
        site.instances[1][1].terminate()
        site.instances[1][1].wait(timeout=30)
        answers = [site.get("/no-such-page-yet"), site.get(f"/search?q={SECRET}")]
        # A page already in the cache is still served, stale, while nobody answers.
        assert site.get("/topics").status == 200
        logged = site.nginx_logs()
    for answer in answers:
        text = answer.body.decode("utf-8")
        assert answer.status == 502
        assert BANNER in text and all(number in text for number in CRISIS_NUMBERS)
        assert answer.getheader("Cache-Control") == "no-store"
    assert "connect() failed" in logged  # the failure itself is logged
    assert SECRET not in logged  # but never a search's words


def banner_text(page: bytes) -> str:
    section = html.fromstring(page).xpath("//section[@class='emergency']")[0]
    links = [(a.text_content(), a.get("href")) for a in section.iter("a")]
    return " ".join(section.text_content().split()) + repr(links)


def test_the_proxys_error_pages_carry_the_same_banner_as_the_site(client):
    # The proxy's pages are plain files: a practice that changes its banner in site.yml
    # must change them too, and this says so.
    site_banner = banner_text(client.get("/").data)
    pages = sorted(PROXY_ERRORS.glob("*.html"))
    assert [page.stem for page in pages] == ["400", "414", "502", "504"]
    for page in pages:
        assert banner_text(page.read_bytes()) == site_banner, (
            f"{page.relative_to(ROOT)}: its banner differs from content/site.yml's; "
            "copy the site's banner section into it"
        )
        assert "<script" not in page.read_text("utf-8")


# --- the shipped TLS configuration ----------------------------------------------------------


def test_the_shipped_tls_configuration_passes_nginx_t(tmp_path):
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=example.org", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    shipped = (ROOT / "deploy" / "nginx" / "webapp.conf").read_text("utf-8")
    # Only the places on this machine change; every one must be where the file says.
    places = {
        "/srv/webapp/app": str(ROOT),
        "/etc/letsencrypt/live/example.org/fullchain.pem": str(certificate),
        "/etc/letsencrypt/live/example.org/privkey.pem": str(key),
        "/var/log/nginx": str(tmp_path),
        "/var/cache/nginx": str(tmp_path),
        "/var/www/letsencrypt": str(tmp_path / "www"),
    }
    for shipped_place, here in places.items():
        assert shipped_place in shipped
        shipped = shipped.replace(shipped_place, here)
    (tmp_path / "webapp.conf").write_text(shipped, "utf-8")
    temp = "".join(f"{n}_temp_path {tmp_path / n};\n" for n in ("client_body", "proxy"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{\ninclude /etc/nginx/mime.types;\n{temp}"
        f"include {tmp_path / 'webapp.conf'};\n}}\n",
        "utf-8",
    )
    result = subprocess.run(
        [nginx_program(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
