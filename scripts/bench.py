"""The performance benchmark behind `make bench`; writes docs/performance.md.

One run, on corpora of 1,000 and 10,000 generated articles (see benchcorpus.py) in a temporary
folder:

- `flask --app wsgi index rebuild` (twice) and `index update` of one changed article, each
  run as a maintainer runs it and timed whole, with its phases;
- as-you-type searches in process (`SearchIndex.search`: search plus snippets for the first
  page) beside the same queries in SQLite FTS5 with `snippet()`, without and with prefix
  indexes;
- the same corpus built by the peer a practice would pick instead, Hugo + Pagefind
  (peers.py), when installed;
- on the largest corpus, the site served by gunicorn (benchserve.py): routes under wrk,
  the first searches after an update, the worker models' memory, a first visit in Chromium.

All load goes to 127.0.0.1, is bounded in time and stops by itself. Run it with `make bench`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from webapp.generation.folder import current_generation
from webapp.search import engine, spelling

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import benchcorpus
import benchreport
import benchserve
import peers
from pyclient import percentile

SIZES = (1_000, 10_000)
NOTES = "## Analysis (written by hand; kept when the benchmark rewrites this page)"
ROUNDS = 3

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
# First searches in Chromium, on this site's search page and on the peer's.
FIRST_SEARCH_QUERIES = [*WORDS[:10], *TWO_WORDS[:5]]


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


CLI = [sys.executable, "-m", "flask", "--app", "wsgi", "index"]
CORE = re.compile(r"^(?:Indexed|Updated) .* in ([0-9.]+) s", re.MULTILINE)
PHASES = re.compile(r"^Phases: (.*)\.$", re.MULTILINE)
PHASE = re.compile(r"([a-z][a-z ]*) ([0-9.]+) s")
PRERENDERED = re.compile(r"^Pre-rendered ([0-9,]+) pages? \(([0-9,]+) unchanged, copied\) "
                         r"in ([0-9.]+) s", re.MULTILINE)  # fmt: skip


def time_command(command: str, content_dir: Path, index_dir: Path) -> dict:
    """Run `flask --app wsgi index <command>` as a maintainer does; return the wall time of
    the whole command and its phases: the build itself and pre-rendering, as it reports
    them, and the rest (interpreter and app start-up, checks, the switch)."""
    env = {**os.environ, "FLASK_CONTENT_DIR": str(content_dir),
           "FLASK_INDEX_DIR": str(index_dir)}  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run([*CLI, command], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"index {command} failed:\n{done.stdout}{done.stderr}")
    core = CORE.search(done.stdout)
    pages = PRERENDERED.search(done.stdout)
    phases = PHASES.search(done.stdout)
    if core is None or pages is None or phases is None:
        raise SystemExit(f"index {command} did not report its phases:\n{done.stdout}")
    rendered, copied = (int(pages.group(n).replace(",", "")) for n in (1, 2))
    core_s, prerender_s = float(core.group(1)), float(pages.group(3))
    return {"wall": wall, "core": core_s, "prerender": prerender_s,
            "rest": wall - core_s - prerender_s, "rendered": rendered, "copied": copied,
            "phases": {name: float(s) for name, s in PHASE.findall(phases.group(1))}}  # fmt: skip


def time_updates(content_dir: Path, index_dir: Path, slugs: list[str]) -> list[dict]:
    """Change one article at a time and run `index update` after each; return each run."""
    rng = random.Random(88)
    runs = []
    for slug in rng.sample(slugs, ROUNDS):
        path = content_dir / "articles" / f"{slug}.md"
        path.write_text(path.read_text("utf-8") + "\nAn added sentence about quiet harbours.\n",
                        encoding="utf-8")  # fmt: skip
        runs.append(time_command("update", content_dir, index_dir))
    return runs


# --- searching in process -----------------------------------------------------------------


def time_whoosh(index_dir: Path, queries) -> dict[str, list[float]]:
    """Return milliseconds per query kind for SearchIndex.search, a fresh searcher per round."""
    snapshot_dir = index_dir / current_generation(index_dir) / "whoosh"
    found: dict[str, list[float]] = {}
    # Loaded once per process, as a server's worker loads it before it serves (warming):
    # otherwise the first misspelt query of the first corpus would time loading it.
    spelling.english()
    for _ in range(ROUNDS):
        searcher = engine.SearchIndex(snapshot_dir)
        try:
            for kind, text, _ in queries:
                started = time.perf_counter()
                searcher.search(text)
                found.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        finally:
            searcher.close()
    return found


# FTS5 as documented, and FTS5 with prefix indexes for 2-5 characters: 60 of the benchmark's
# queries end in a prefix, which the first must answer by scanning its term list.
FTS5_OPTIONS = {"FTS5": "", "FTS5 with prefix='2 3 4 5'": ", prefix='2 3 4 5'"}


def build_fts5(content_dir: Path, database: Path, options: str) -> float:
    """Load the same articles into SQLite FTS5; return the seconds it took."""
    from webapp.authoring.reader import load_library

    library = load_library(content_dir)
    started = time.perf_counter()
    db = sqlite3.connect(database)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, title, summary, body, "
               f"tags, tokenize='porter unicode61'{options})")  # fmt: skip
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


# --- report -----------------------------------------------------------------------------


def fmt_ms(values: list[float]) -> str:
    """Return 'p50 / p95' in milliseconds."""
    return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f}"


def measure(size, content_dir, index_dir, slugs, folder, queries, args) -> dict:
    """Measure one corpus size: builds, searches, the peer build and, at the largest size,
    the served rows."""
    found: dict = {}
    found["rebuild"] = time_command("rebuild", content_dir, index_dir)
    print(f"  rebuild: {found['rebuild']}", flush=True)
    # The peer builds right after ours, so both meet the machine in much the same state.
    if peers.missing() is None:
        found["peer"] = peers.build(content_dir, folder)
        print(f"  Hugo + Pagefind: {found['peer']}", flush=True)
        found["peer first search"] = peers.first_searches(
            found["peer"]["public"], FIRST_SEARCH_QUERIES
        )
        print(f"  Hugo + Pagefind, first search: {found['peer first search']}", flush=True)
    found["rebuild again"] = time_command("rebuild", content_dir, index_dir)
    print(f"  rebuild again: {found['rebuild again']}", flush=True)
    found["update"] = time_updates(content_dir, index_dir, slugs)
    print(f"  update: {found['update']}", flush=True)
    found["whoosh"] = time_whoosh(index_dir, queries)
    every_w = [x for v in found["whoosh"].values() for x in v]
    print(f"  search p50/p95 ms: Whoosh {fmt_ms(every_w)}", flush=True)
    for number, (name, options) in enumerate(FTS5_OPTIONS.items()):
        database = folder / f"fts5-{number}.db"
        found[f"{name} build"] = build_fts5(content_dir, database, options)
        found[name] = time_fts5(database, queries)
        every_f = [x for v in found[name].values() for x in v]
        print(f"  search p50/p95 ms: {name} {fmt_ms(every_f)}", flush=True)
    if size == max(args.sizes) and not args.no_http:
        texts = [text for _, text, _ in queries]
        searches = benchserve.search_paths(texts)
        routes = benchserve.routes_for(slugs, searches)
        found["http"] = benchserve.bench_routes(content_dir, index_dir, folder, routes,
                                                FIRST_SEARCH_QUERIES)  # fmt: skip
        found["first searches"] = benchserve.bench_first_searches(
            content_dir, index_dir, folder, slugs[0], searches
        )
        print(f"  first searches after an update: {found['first searches']}", flush=True)
        found["models"] = benchserve.bench_models(content_dir, index_dir, folder, routes)
        found["memory after updates"] = benchserve.bench_memory_after_updates(
            content_dir, index_dir, folder, slugs[1], routes
        )
    return found


def main() -> None:
    """Run every measurement and write docs/performance.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--no-http", action="store_true", help="skip the served measurements")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument(
        "--http-seconds",
        type=float,
        default=benchserve.HTTP_SECONDS,
        help="seconds of load per served route (shorter for a trial run)",
    )
    parser.add_argument(
        "--visits",
        type=int,
        default=benchserve.FIRST_VISITS,
        help="articles opened in Chromium for the first-visit row",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    sizes = args.sizes = [int(s) for s in args.sizes.split(",")]
    benchserve.HTTP_SECONDS = args.http_seconds
    benchserve.MODEL_SECONDS = min(benchserve.MODEL_SECONDS, args.http_seconds)
    benchserve.FIRST_VISITS = args.visits
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
            found = measure(size, content_dir, index_dir, slugs, folder, queries, args)
            found["words"] = words / size
            results[size] = found
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    with contextlib.suppress(OSError):
        load_now = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        about["load average at the end (1, 5, 15 min)"] = load_now
    about["load client for the served rows"] = benchserve.client()
    if (lacking := peers.missing()) is not None:
        about["peer build"] = f"not run: {lacking} not installed (run {peers.INSTALL})"
    else:
        about["peer build"] = peers.hugo_version()
    report = benchreport.render(about, sizes, results, queries, elapsed)
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


if __name__ == "__main__":
    main()
