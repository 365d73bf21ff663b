"""The peer a practice would pick instead: Hugo builds the same corpus, Pagefind indexes it.

Hugo comes from Debian's package (`hugo`), Pagefind from npm, pinned in
scripts/peers/package.json and installed by `scripts/bench-deps.sh`. The site is the
articles as they are (Hugo reads the same YAML front matter; drafts stay out, as ours do)
with a minimal theme of three templates, so the build does what ours does: every article
to a page, plus the home page, the topic pages, the feed and the sitemap Hugo makes by
default, and a search page with Pagefind's own search box (`SEARCH_PAGE`). Each build
starts from an empty output folder, as Hugo and Pagefind have no incremental mode.

`serve` hands the built site out as a static host would: files as they are, text (HTML,
CSS, JavaScript, JSON) gzipped for a browser that accepts it. Pagefind's index files are
compressed already, and its search code unpacks them itself.
"""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGEFIND = ROOT / "scripts" / "peers" / "node_modules" / ".bin" / "pagefind"
INSTALL = "sh scripts/bench-deps.sh"

CONFIG = """baseURL = "http://127.0.0.1/"
title = "Bench"
languageCode = "en-gb"
[taxonomies]
  tag = "tags"
"""
BASEOF = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>{{ block "main" . }}{{ end }}</body></html>
"""
SINGLE = """{{ define "main" }}<main data-pagefind-body><h1>{{ .Title }}</h1>
<p>{{ .Params.summary }}</p>{{ .Content }}</main>{{ end }}
"""
LIST = """{{ define "main" }}<main><h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul></main>{{ end }}
"""
# Pagefind's default search box, as its documentation sets it up.
SEARCH_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Search</title>
<link href="/pagefind/pagefind-ui.css" rel="stylesheet">
<script src="/pagefind/pagefind-ui.js"></script></head>
<body><main><h1>Search</h1><div id="search"></div></main>
<script>window.addEventListener("DOMContentLoaded", () => {
  new PagefindUI({ element: "#search", showSubResults: true });
});</script></body></html>
"""
SEARCH_PATH = "/search/"
SEARCH_BOX = ".pagefind-ui__search-input"
SEARCH_RESULT = ".pagefind-ui__result"
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json")


def missing() -> str | None:
    """Name what the peer build lacks on this machine, or None when it can run."""
    lacking = [name for name, there in (("hugo", shutil.which("hugo")),
                                        ("pagefind", PAGEFIND.exists())) if not there]  # fmt: skip
    return " and ".join(lacking) or None


def hugo_version() -> str:
    """Return Hugo's and Pagefind's versions, as they report them."""
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()
    pagefind = subprocess.run([str(PAGEFIND), "--version"], capture_output=True, text=True)
    return f"Hugo {hugo[1] if len(hugo) > 1 else '?'}, {pagefind.stdout.strip()}"


def write_site(content_dir: Path, site: Path) -> None:
    """Lay out a Hugo site whose articles are the corpus's article files."""
    shutil.rmtree(site, ignore_errors=True)
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (site / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in (("baseof.html", BASEOF), ("single.html", SINGLE), ("list.html", LIST)):
        (layouts / name).write_text(text, encoding="utf-8")
    shutil.copytree(content_dir / "articles", site / "content" / "articles")
    search = site / "static" / SEARCH_PATH.strip("/")
    search.mkdir(parents=True)
    (search / "index.html").write_text(SEARCH_PAGE, encoding="utf-8")


def build(content_dir: Path, folder: Path) -> dict:
    """Build the corpus with Hugo, then index it with Pagefind; return seconds and sizes."""
    site = folder / "hugo-site"
    write_site(content_dir, site)
    public = site / "public"
    started = time.perf_counter()
    subprocess.run(["hugo", "--quiet", "--source", str(site), "--destination", str(public)],
                   check=True, capture_output=True, text=True)  # fmt: skip
    hugo_done = time.perf_counter()
    subprocess.run([str(PAGEFIND), "--site", str(public)], check=True, capture_output=True,
                   text=True)  # fmt: skip
    finished = time.perf_counter()
    pages = sum(1 for _ in (public / "articles").glob("*/index.html"))
    return {"hugo": hugo_done - started, "pagefind": finished - hugo_done,
            "total": finished - started, "pages": pages, "public": public}  # fmt: skip


class _StaticHandler(SimpleHTTPRequestHandler):
    """A static host's answers: files as they are, text gzipped when the browser takes it."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        kind = self.guess_type(str(path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and accepts and kind.startswith(COMPRESSED_TYPES)):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)  # what `copyfile` reads the body from

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(public: Path):
    """Serve a built site on a local port; yield its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_StaticHandler, directory=str(public)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def first_searches(public: Path, queries: list[str]) -> dict:
    """Serve the built site and make each query the first search on its search page in
    Chromium; return the bytes received (see `chromium_visits.first_searches`)."""
    import chromium_visits

    with serve(public) as base:
        return chromium_visits.first_searches(base, SEARCH_PATH, SEARCH_BOX, SEARCH_RESULT,
                                              queries)  # fmt: skip
