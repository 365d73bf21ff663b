"""The performance benchmark behind `make bench`; writes docs/performance.md.

One run, on corpora of 1,000 and 10,000 generated articles (see benchcorpus.py) in a temporary
folder:

- a full `index rebuild` and an incremental `index update` of one changed article;
- as-you-type searches in process (`SearchIndex.search`: search plus snippets for the first
  page) beside the same queries in SQLite FTS5 with `snippet()`;
- on the 10,000-article corpus, the site served by gunicorn with the production config on
  127.0.0.1: throughput and latency of an article page, the search fragment and the related
  fragment against a constant-response route on the same server (added by a wrapper module
  in the temporary folder, never shipped in the app); bytes of a first visit; peak RSS of a
  worker.

All load goes to 127.0.0.1, is bounded in time and stops by itself. Run it with `make bench`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import benchcorpus  # noqa: E402
from serving import GUNICORN, serving  # noqa: E402

from webapp import create_app, index, prerender, search  # noqa: E402

SIZES = (1_000, 10_000)
NOTES = "## Analysis (written by hand; kept when the benchmark rewrites this page)"
ROUNDS = 3
HTTP_SECONDS = 8.0  # per route, in slices of SLICE seconds taken in turn
SLICE = 0.5
CLIENT_PROCESSES = 2
CLIENT_THREADS = 2
WORKERS = 2  # WEB_CONCURRENCY: one sync worker per core; a third would only queue for CPU

# The query set: finished words (a trailing space, as when the visitor has typed past them),
# two words, phrases, and the word being typed as a 2-5 letter prefix (alone and after a
# finished word). The words are common in the corpus's sources (manuals and docstrings).
WORDS = ["file", "error", "default", "process", "memory", "network", "configuration",
         "system", "user", "string", "function", "directory", "server", "character",
         "message", "security", "package", "password", "terminal", "option"]  # fmt: skip
TWO_WORDS = ["file system", "error message", "default value", "user name",
             "configuration file", "network interface", "process group", "memory allocation",
             "security policy", "terminal output"]  # fmt: skip
PHRASES = ["default value", "configuration file", "regular expression", "standard output",
           "error message", "file descriptor", "command line", "environment variable",
           "return value", "exit status"]  # fmt: skip
TYPED = ["configuration", "environment", "process", "network", "expression", "directory",
         "character", "security", "password", "terminal"]  # fmt: skip
AFTER = [("file", "system"), ("error", "message"), ("user", "name"), ("network", "interface"),
         ("standard", "output")]  # fmt: skip
# Questions as visitors ask them (filler words around the meaning words), and misspelt words
# (the site searches the word meant; FTS5 gets the word as typed).
QUESTIONS = ["how do i change the default value", "what is a file descriptor",
             "why does my network interface stop", "how can i find the error message",
             "what should i do when the terminal output is wrong"]  # fmt: skip
TYPOS = ["configuraton", "enviroment", "pasword", "directroy", "securty"]


def query_set() -> list[tuple[str, str, str]]:
    """Return (kind, text for the site, FTS5 MATCH expression) for every benchmark query."""
    queries = [("word", f"{w} ", f'"{w}"') for w in WORDS]
    queries += [("two words", f"{q} ", " ".join(f'"{w}"' for w in q.split())) for q in TWO_WORDS]
    queries += [("phrase", f'"{q}"', f'"{q}"') for q in PHRASES]
    queries += [("question", f"{q} ", " OR ".join(f'"{w}"' for w in q.split()))
                for q in QUESTIONS]  # fmt: skip
    queries += [("typo", f"{w} ", f'"{w}"') for w in TYPOS]
    for word in TYPED:
        queries += [("prefix", word[:n], f'"{word[:n]}"*') for n in range(2, 6)]
    for first, word in AFTER:
        queries += [("prefix", f"{first} {word[:n]}", f'"{first}" "{word[:n]}"*')
                    for n in (2, 3, 4, 5)]  # fmt: skip
    return queries


# --- the machine ----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """Describe the machine the numbers come from."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    load = "unknown"
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "Python": platform.python_version(),
        "OS": platform.platform(),
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "commit": commit or "unknown",
        "load average at start (1, 5, 15 min)": load,
    }


# --- building ---------------------------------------------------------------------------


def time_rebuild(content_dir: Path, index_dir: Path) -> float:
    """Return the seconds a full rebuild takes, as `flask index rebuild` runs it."""
    started = time.perf_counter()
    index.rebuild(content_dir, index_dir)
    return time.perf_counter() - started


def time_prerender(content_dir: Path, index_dir: Path) -> prerender.PrerenderReport:
    """Pre-render the live generation's pages, as `flask index rebuild` and `update` do next."""
    app = create_app({"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index_dir)})
    report = prerender.render_pages(app)
    if report is None:
        raise SystemExit("pages were not pre-rendered")
    return report


UPDATE = """
import sys, time
from pathlib import Path
from webapp import index
started = time.perf_counter()
index.update(Path(sys.argv[1]), Path(sys.argv[2]))
print(time.perf_counter() - started)
"""


def time_update(content_dir: Path, index_dir: Path) -> float:
    """Return the seconds `index.update` takes in a new process, as `flask index update` runs
    it: this process holds the corpus's source sentences and what earlier steps left, and
    garbage collection passes over all of that would be timed too."""
    done = subprocess.run(
        [sys.executable, "-c", UPDATE, str(content_dir), str(index_dir)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(done.stdout.split()[-1])


def time_updates(
    content_dir: Path, index_dir: Path, slugs: list[str]
) -> tuple[list[float], prerender.PrerenderReport]:
    """Change one article at a time; return the seconds each `index update` takes and what
    the last pre-rendering after one did (the CLI pre-renders after every update)."""
    rng = random.Random(88)
    seconds = []
    report = None
    for slug in rng.sample(slugs, ROUNDS):
        path = content_dir / "articles" / f"{slug}.md"
        path.write_text(path.read_text("utf-8") + "\nAn added sentence about quiet harbours.\n",
                        encoding="utf-8")  # fmt: skip
        seconds.append(time_update(content_dir, index_dir))
        report = time_prerender(content_dir, index_dir)
    return seconds, report


# --- searching in process -----------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def time_whoosh(index_dir: Path, queries) -> dict[str, list[float]]:
    """Return milliseconds per query kind for SearchIndex.search, a fresh searcher per round."""
    snapshot_dir = index_dir / index.current_generation(index_dir) / "whoosh"
    found: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        searcher = search.SearchIndex(snapshot_dir)
        try:
            for kind, text, _ in queries:
                started = time.perf_counter()
                searcher.search(text)
                found.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        finally:
            searcher.close()
    return found


def build_fts5(content_dir: Path, database: Path) -> float:
    """Load the same articles into SQLite FTS5; return the seconds it took."""
    from webapp.content import load_library

    library = load_library(content_dir)
    started = time.perf_counter()
    db = sqlite3.connect(database)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, title, summary, body, "
               "tags, tokenize='porter unicode61')")  # fmt: skip
    db.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
        ((a.slug, a.title, a.summary, a.body_text, " ".join(t.name for t in a.topics))
         for a in library.articles.values()),
    )  # fmt: skip
    db.commit()
    db.close()
    return time.perf_counter() - started


FTS5_PAGE = """
    SELECT slug, title, summary, tags, snippet(docs, 3, '<mark>', '</mark>', '…', 24)
    FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0.0, 3.0, 1.0, 1.0, 2.0) LIMIT 10
"""


def time_fts5(database: Path, queries) -> dict[str, list[float]]:
    """Return milliseconds per query kind for FTS5: the count and the first page with snippets."""
    db = sqlite3.connect(database)
    found: dict[str, list[float]] = {}
    try:
        for _ in range(ROUNDS):
            for kind, _, match in queries:
                started = time.perf_counter()
                db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()
                db.execute(FTS5_PAGE, (match,)).fetchall()
                found.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    finally:
        db.close()
    return found


# --- serving ----------------------------------------------------------------------------

BENCH_WSGI = '''"""Benchmark-only entry point: the app plus one constant route, never shipped."""
from flask import Blueprint

from webapp import create_app

bp = Blueprint("bench", __name__)


@bp.get("/bench/constant")
def constant():
    return "ok"


app = create_app()
app.register_blueprint(bp)
'''


@contextlib.contextmanager
def served(content_dir: Path, index_dir: Path, folder: Path):
    """Run gunicorn with the production config on a local port; yield (port, process)."""
    (folder / "benchwsgi.py").write_text(BENCH_WSGI, encoding="utf-8")
    env = {
        **os.environ,
        "WEB_CONCURRENCY": str(WORKERS),
        "ACCESS_LOG": str(folder / "access.log"),
        "FLASK_CONTENT_DIR": str(content_dir),
        "FLASK_INDEX_DIR": str(index_dir),
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
    }
    with serving([*GUNICORN, "benchwsgi:app"], env, folder / "gunicorn.log", timeout=120) as up:
        yield up


def http_get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10.0):
    """Make one GET on a new connection; return (status, headers dict, body bytes)."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    first, *rest = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in rest:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if fields.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return int(first.split()[1]), fields, body


def _unchunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def _client(port: int, routes: list[tuple[list[str], dict[str, str]]], slices: list[int],
            begin: float, seed: int, results) -> None:  # fmt: skip
    """Request routes slice by slice from CLIENT_THREADS threads; report latencies per route.

    Every client process follows the same wall-clock schedule, so all of them load the same
    route at the same time, and routes alternate in short slices: a change in the machine's
    background load then touches every route alike instead of favouring one.
    """
    latencies: list[list[float]] = [[] for _ in routes]
    errors = [0] * len(routes)
    lock = threading.Lock()

    def run(offset: int) -> None:
        rng = random.Random(seed * 100 + offset)
        orders = [rng.sample(paths, len(paths)) for paths, _ in routes]
        counts = [0] * len(routes)
        mine = [[] for _ in routes]
        bad = [0] * len(routes)
        for number, route in enumerate(slices):
            start, stop = begin + number * SLICE, begin + (number + 1) * SLICE
            while (now := time.perf_counter()) < start:
                time.sleep(start - now)
            paths, headers = routes[route]
            order = orders[route]
            while (now := time.perf_counter()) < stop:
                try:
                    status, _, _ = http_get(port, order[counts[route] % len(order)], headers)
                    if status != 200:
                        bad[route] += 1
                except OSError:
                    bad[route] += 1
                mine[route].append(time.perf_counter() - now)
                counts[route] += 1
        with lock:
            for route in range(len(routes)):
                latencies[route].extend(mine[route])
                errors[route] += bad[route]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, errors))


def load(port: int, routes: list[tuple[list[str], dict[str, str]]], seconds: float) -> list[dict]:
    """Load the routes in alternating slices for `seconds` each; return one dict per route."""
    rounds = max(1, round(seconds / SLICE))
    slices = [route for _ in range(rounds) for route in range(len(routes))]
    context = get_context("spawn")
    results = context.Queue()
    begin = time.perf_counter() + 3.0  # time for the client processes to start
    clients = [
        context.Process(target=_client, args=(port, routes, slices, begin, n, results))
        for n in range(CLIENT_PROCESSES)
    ]
    for client in clients:
        client.start()
    gathered = [results.get(timeout=len(slices) * SLICE + 60) for _ in clients]
    for client in clients:
        client.join(timeout=30)
    found = []
    for route in range(len(routes)):
        latencies = [x for lat, _ in gathered for x in lat[route]]
        found.append({
            "rps": len(latencies) / (rounds * SLICE),
            "p50": percentile(latencies, 0.5) * 1000,
            "p95": percentile(latencies, 0.95) * 1000,
            "requests": len(latencies),
            "errors": sum(err[route] for _, err in gathered),
        })  # fmt: skip
    return found


def first_visit_bytes(port: int, path: str) -> dict[str, int]:
    """Return compressed bytes of a first visit: the page, its stylesheets, scripts and icon."""
    accept = {"Accept-Encoding": "gzip, deflate, br"}
    status, fields, body = http_get(port, path, accept)
    assert status == 200, status
    html = gzip.decompress(body) if fields.get("content-encoding") == "gzip" else body
    sizes = {"HTML": len(body)}
    assets = re.findall(
        rb'<link rel="(stylesheet|icon)" href="([^"]+)"|<script src="([^"]+)"', html
    )
    for rel, link, js in assets:
        url = (link or js).decode().replace("&amp;", "&")
        _, _, asset = http_get(port, url, accept)
        kind = {b"stylesheet": "CSS", b"icon": "icon"}.get(rel, "JS")
        sizes[kind] = sizes.get(kind, 0) + len(asset)
    return sizes


def worker_peak_rss(master: int) -> int:
    """Return the highest peak RSS (VmHWM, bytes) among the gunicorn master's workers."""
    peak = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == master and "VmHWM" in fields:
            peak = max(peak, int(fields["VmHWM"].split()[0]) * 1024)
    return peak


def bench_http(content_dir: Path, index_dir: Path, slugs: list[str], folder: Path) -> dict:
    """Serve the corpus and load each route in turn; return measurements."""
    rng = random.Random(8)
    articles = [f"/articles/{s}" for s in rng.sample(slugs, len(slugs))]
    related = [f"{a}/related" for a in articles]
    searches = [f"/search?q={quote(text)}" for _, text, _ in query_set()]
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1/"}
    gzip_ok = {"Accept-Encoding": "gzip, deflate, br"}
    routes = {
        "constant route": (["/bench/constant"], gzip_ok),
        "article page": (articles, gzip_ok),
        "related fragment": (related, {**gzip_ok, **htmx}),
        "article page, one article again and again": (articles[:1], gzip_ok),
        "related fragment, one article again and again": (related[:1], {**gzip_ok, **htmx}),
        "search fragment": (searches, {**gzip_ok, **htmx}),
    }
    found: dict = {}
    # First with the pre-rendered pages hidden, so every article page and panel is rendered
    # on request, as right after a build before pre-rendering has finished.
    pages = index_dir / index.current_generation(index_dir) / prerender.INDEX_FILE
    hidden = pages.with_name(pages.name + ".hidden")
    cold = {"constant route, no pre-rendered pages": routes["constant route"],
            "article page, rendered on request": routes["article page"],
            "related fragment, rendered on request": routes["related fragment"]}  # fmt: skip
    pages.rename(hidden)
    try:
        with served(content_dir, index_dir, folder) as (port, _):
            load(port, [(paths[:50], headers) for paths, headers in cold.values()], SLICE)
            for name, m in zip(cold, load(port, list(cold.values()), HTTP_SECONDS), strict=True):
                found[name] = m
                print(f"  {name}: {m['rps']:.0f} req/s, p50 {m['p50']:.1f} ms, "
                      f"p95 {m['p95']:.1f} ms, {m['errors']} errors", flush=True)  # fmt: skip
    finally:
        hidden.rename(pages)
    # Search is two orders of magnitude slower than the rest: interleaved, its requests
    # would still occupy the workers at the start of the next route's slice. It is loaded
    # on its own after the others.
    fast = {name: route for name, route in routes.items() if name != "search fragment"}
    with served(content_dir, index_dir, folder) as (port, server):
        load(port, [(paths[:50], headers) for paths, headers in routes.values()], SLICE)
        measured = load(port, list(fast.values()), HTTP_SECONDS)
        measured += load(port, [routes["search fragment"]], HTTP_SECONDS)
        for name, m in zip([*fast, "search fragment"], measured, strict=True):
            found[name] = m
            print(
                f"  {name}: {m['rps']:.0f} req/s, p50 {m['p50']:.1f} ms, "
                f"p95 {m['p95']:.1f} ms, {m['errors']} errors",
                flush=True,
            )
        found["first visit"] = first_visit_bytes(port, articles[0])
        found["peak rss"] = worker_peak_rss(server.pid)
    return found


def quote(text: str) -> str:
    """Percent-encode a query string value."""
    from urllib.parse import quote_plus

    return quote_plus(text)


# --- report -----------------------------------------------------------------------------


def fmt_ms(values: list[float]) -> str:
    """Return 'p50 / p95' in milliseconds."""
    return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f}"


def main() -> None:
    """Run every measurement and write docs/performance.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--no-http", action="store_true", help="skip the served measurements")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    about = machine()
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in about.items()), flush=True)
    pool = benchcorpus.sources()
    print(f"Source text: {len(pool)} documents, {sum(len(s) for _, s in pool)} sentences",
          flush=True)  # fmt: skip
    queries = query_set()
    results: dict[int, dict] = {}
    work = args.keep or Path(tempfile.mkdtemp(prefix="webapp-bench-"))
    try:
        for size in sizes:
            folder = work / str(size)
            shutil.rmtree(folder, ignore_errors=True)
            content_dir, index_dir = folder / "content", folder / "index"
            slugs = benchcorpus.write_corpus(content_dir, size, pool=pool)
            words = sum(len(p.read_text("utf-8").split())
                        for p in (content_dir / "articles").glob("*.md"))  # fmt: skip
            print(
                f"{size} articles ({len(slugs)} public, {words / size:.0f} words each on average)",
                flush=True,
            )
            found: dict = {"words": words / size}
            found["rebuild"] = time_rebuild(content_dir, index_dir)
            print(f"  rebuild {found['rebuild']:.1f} s", flush=True)
            found["prerender"] = time_prerender(content_dir, index_dir)
            print(f"  pre-render {found['prerender']}", flush=True)
            found["rebuild again"] = time_rebuild(content_dir, index_dir)
            print(f"  rebuild, content unchanged {found['rebuild again']:.1f} s", flush=True)
            found["prerender again"] = time_prerender(content_dir, index_dir)
            print(f"  pre-render {found['prerender again']}", flush=True)
            found["update"], found["prerender update"] = time_updates(content_dir, index_dir, slugs)
            print(f"  update {', '.join(f'{s:.2f}' for s in found['update'])} s", flush=True)
            print(f"  pre-render {found['prerender update']}", flush=True)
            found["whoosh"] = time_whoosh(index_dir, queries)
            found["fts5 build"] = build_fts5(content_dir, folder / "fts5.db")
            found["fts5"] = time_fts5(folder / "fts5.db", queries)
            every_w = [x for v in found["whoosh"].values() for x in v]
            every_f = [x for v in found["fts5"].values() for x in v]
            print(f"  search p50/p95 ms: Whoosh {fmt_ms(every_w)}, FTS5 {fmt_ms(every_f)}",
                  flush=True)  # fmt: skip
            if size == max(sizes) and not args.no_http:
                found["http"] = bench_http(content_dir, index_dir, slugs, folder)
            results[size] = found
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    with contextlib.suppress(OSError):
        load_now = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        about["load average at the end (1, 5, 15 min)"] = load_now
    report = render_report(about, sizes, results, queries, elapsed)
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # Hand-written analysis below the NOTES heading survives a rerun.
    with contextlib.suppress(OSError):
        old = args.output.read_text(encoding="utf-8")
        if NOTES in old:
            report = report.rstrip("\n") + "\n\n" + NOTES + old.split(NOTES, 1)[1]
    args.output.write_text(report, encoding="utf-8")
    print(f"Wrote {args.output} in {elapsed:.0f} s")
    with contextlib.suppress(OSError):
        print("Load average at the end: " + Path("/proc/loadavg").read_text().strip())


def render_report(about, sizes, results, queries, elapsed) -> str:
    """Return docs/performance.md: the machine, the table and how to read it."""
    big = max(sizes)
    heads = [f"{s:,} articles" for s in sizes]
    rows: list[list[str]] = []

    def row(label, values, goal="", met=""):
        rows.append([label, *values, goal, met])

    def verdict(ok: bool | None) -> str:
        return "" if ok is None else ("yes" if ok else "**no**")

    rebuild = results[big]["rebuild"]

    def prerendered(key: str) -> list[str]:
        return [f"{results[s][key].seconds:.1f} ({results[s][key].rendered:,} rendered, "
                f"{results[s][key].reused:,} copied)" for s in sizes]  # fmt: skip

    row(
        "full `index rebuild` from scratch, s",
        [f"{results[s]['rebuild']:.1f}" for s in sizes],
        "≤ 30",
        verdict(rebuild <= 30),
    )
    row("then pre-rendering pages (the site already serves the new generation), s",
        prerendered("prerender"))  # fmt: skip
    row(
        "full `index rebuild` again, content unchanged (rendered Markdown reused), s",
        [f"{results[s]['rebuild again']:.1f}" for s in sizes],
    )
    row("then pre-rendering pages, s", prerendered("prerender again"))
    update = max(results[big]["update"])
    row(
        "`index update` of one changed article, s (worst of 3)",
        [f"{max(results[s]['update']):.2f}" for s in sizes],
        "≤ 1",
        verdict(update <= 1),
    )
    row("then pre-rendering pages, s", prerendered("prerender update"))
    kinds = list(dict.fromkeys(kind for kind, _, _ in queries))
    for kind in [*kinds, "all"]:

        def pick(s, engine, kind=kind):
            data = results[s][engine]
            return [x for k, v in data.items() if kind in ("all", k) for x in v]

        n = sum(1 for k, _, _ in queries if kind in ("all", k))
        row(
            f"search, {kind} ({n} queries), Whoosh p50 / p95 ms",
            [fmt_ms(pick(s, "whoosh")) for s in sizes],
        )
        row(f"search, {kind}, FTS5 p50 / p95 ms", [fmt_ms(pick(s, "fts5")) for s in sizes])
        ratios = [percentile(pick(s, "whoosh"), 0.95) / percentile(pick(s, "fts5"), 0.95)
                  for s in sizes]  # fmt: skip
        row(
            f"search, {kind}, p95 Whoosh ÷ FTS5",
            [f"{r:.1f}×" for r in ratios],
            "≤ 3×" if kind == "all" else "",
            verdict(ratios[-1] <= 3) if kind == "all" else "",
        )
    row("FTS5 build (for comparison), s", [f"{results[s]['fts5 build']:.1f}" for s in sizes])
    http = results[big].get("http")
    blank = [""] * (len(sizes) - 1)
    if http:
        for name, goal in (
            ("constant route", None),
            ("article page", 0.7),
            ("related fragment", 0.7),
            ("article page, one article again and again", 0.7),
            ("related fragment, one article again and again", 0.7),
            ("search fragment", None),
            ("constant route, no pre-rendered pages", None),
            ("article page, rendered on request", None),
            ("related fragment, rendered on request", None),
        ):
            m = http[name]
            # Each run's routes against that run's constant route.
            first_run = "no pre-rendered" in name or "on request" in name
            constant = http["constant route" + (", no pre-rendered pages" if first_run else "")]
            ratio = m["rps"] / constant["rps"]
            text = (
                f"{m['rps']:.0f} req/s ({ratio:.2f}×), p50 {m['p50']:.1f} ms, p95 {m['p95']:.1f} ms"
            )
            row(
                f"served: {name}",
                [*blank, text],
                f"≥ {goal}× constant" if goal else "",
                verdict(ratio >= goal) if goal else "",
            )
        visit = http["first visit"]
        total = sum(visit.values())
        parts = ", ".join(f"{k} {v / 1024:.1f}" for k, v in visit.items())
        row(
            "first visit to an article, KB sent (gzip)",
            [*blank, f"{total / 1024:.1f} ({parts})"],
            "≤ 30",
            verdict(total <= 30 * 1024),
        )
        row("peak RSS of a worker, MB", [*blank, f"{http['peak rss'] / 2**20:.0f}"])
    table = [
        "| measurement | " + " | ".join(heads) + " | goal | met |",
        "|---|" + "---|" * len(heads) + "---|---|",
    ]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    words = ", ".join(f"{results[s]['words']:.0f} ({s:,})" for s in sizes)
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (`scripts/bench.py`); rerun it to refresh this page. Numbers "
        "come from one run on a shared machine: while other work runs, times grow by up to "
        "half or more (see the load averages), so compare rows of one run.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in about.items()],
        f"- benchmark run time: {elapsed:.0f} s",
        "",
        "## Results",
        "",
        *table,
        "",
        "## How it is measured",
        "",
        "- Corpus: generated articles of real English prose assembled from the docstrings of "
        "Python's standard library and the project's installed packages and from Debian's "
        f"manual pages (sections 1, 5, 7, 8); words per file on average: {words}. Each has "
        "front matter, 1-3 of ten topics, one of two authors, headings, lists and links; 1% "
        "are drafts.",
        "- Rebuild: `webapp.index.rebuild` (what `flask --app wsgi index rebuild` runs), from "
        "content files to the swapped-in generation, related lists included: first into an "
        "empty index folder, then again over it with nothing changed, when Articles whose "
        "file bytes are unchanged are reused rather than rendered again (the index and the "
        "related lists are still built from scratch). Update: "
        f"`webapp.index.update` after appending a sentence to one article, {ROUNDS} times, "
        "each in a new process as the CLI runs it (timed from its call, not the interpreter's "
        "start). "
        "Pre-rendering: `webapp.prerender.render_pages`, which the CLI runs after either, "
        "timed after each (for updates, the last).",
        f"- Search: {len(queries)} queries (words, two words, phrases, 2-5 letter prefixes of "
        f"the last word), {ROUNDS} rounds, each round with a newly opened searcher. Whoosh: "
        "`SearchIndex.search`, which returns the total, the first page and its snippets. FTS5: "
        "Python's `sqlite3`, `porter unicode61` tokenizer, `bm25` with title weight 3, a "
        "`count(*)` plus the first 10 rows with `snippet()` on the body; prefixes as `word*`.",
        f"- Served: gunicorn with `gunicorn.conf.py`, WEB_CONCURRENCY={WORKERS} (sync workers, "
        f"one per core), on 127.0.0.1; {CLIENT_PROCESSES} client processes × {CLIENT_THREADS} "
        f"threads, a new connection per request, {HTTP_SECONDS:.0f} s per route taken in "
        f"{SLICE} s slices with the routes in turn (so drifting background load touches all "
        "routes alike; the search fragment, far slower, is loaded on its own after them), "
        "requests "
        "with `Accept-Encoding: gzip`. Article and related URLs cycle through every public "
        "article in a shuffled order, so a worker has rarely served a page before (its "
        "per-process page cache rarely holds it): the article and related rows are answered "
        "from the generation's pre-rendered pages, the 'rendered on request' rows (a first "
        "server run, with the pre-rendered pages hidden, against its own constant route) "
        "render each page as a request arrives; the 'again and again' rows request one "
        "article, as a popular page is, and are answered from the page cache; search cycles "
        "through the query set with "
        "`HX-Request: true`. The constant route is added by a wrapper module the script "
        "writes to its temporary folder; it goes through the same app, hooks and headers. "
        "The client shares the two cores with the server, so absolute numbers are low; the "
        "ratios are what to compare.",
        "- First visit: the compressed bytes of one article page plus its stylesheet, "
        "scripts and icon, as a browser with an empty cache receives them (bodies only, headers "
        "excluded). Peak RSS: `VmHWM` of the gunicorn workers after the load.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
