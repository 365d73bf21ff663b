"""The benchmark's served measurements: the site under gunicorn on 127.0.0.1, loaded by wrk.

- Routes against a constant-response route on the same server (added by a wrapper module in
  the temporary folder, never shipped in the app): first with no page cache and no
  pre-rendered pages (what every visitor gets after a code deploy), then as served.
- The first searches a worker answers after `index update` switched it to a new generation,
  beside the same searches warm.
- The worker models: memory of the whole server and throughput with gunicorn.conf.py's
  defaults, with `preload_app`, and with threads.
- A first visit in Chromium (chromium_visits.py).

wrk drives the load (wrkload.py); without it the Python client (pyclient.py) does, and
the rows say so.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

import chromium_visits
import pyclient
import wrkload
from pyclient import percentile
from serving import GUNICORN, serving

from webapp.generation import packs
from webapp.generation.folder import current_generation

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2  # WEB_CONCURRENCY for the route rows: one worker per core
HTTP_SECONDS = 8.0  # per route
WARM_SECONDS = 1.0
MODEL_SECONDS = 4.0  # per route and worker model
MODEL_ROUNDS = 5
NEW_CONNECTION = {"Connection": "close"}  # a new connection per request, for the worker models
# The served goals compare a route with the constant route loaded just before it, in
# PAIRED_ROUNDS rounds of PAIRED_SECONDS each: a shared machine's speed drifts by half or
# more over the minutes the other rows take, and not over a few seconds.
PAIRED_ROUNDS = 5
PAIRED_SECONDS = 4.0
PAIRED = ("article page", "related fragment")
FIRST_SEARCHES = 50
UPDATES_FOR_MEMORY = 3
SWITCH_TIMEOUT = 120  # seconds a worker may take to open and warm a new generation
FIRST_VISITS = 100
# The search page's box and a result in it, for a first search in Chromium.
SEARCH_PAGE, SEARCH_BOX, SEARCH_RESULT = "/search", "#search-box", "#search-results .results > li"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1/"}

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

# Name, extra gunicorn arguments and WEB_CONCURRENCY (None: the config's default).
# Name, gunicorn's arguments, WEB_CONCURRENCY (None: the config's default), environment.
MODELS = (
    ("gthread, one worker per core × 4 threads (gunicorn.conf.py defaults)", [], None, {}),
    ("sync workers, two per core (the defaults before)", ["--worker-class", "sync"],
     str(2 * (os.cpu_count() or 1)), {}),
    ("sync workers, two per core, preload_app = True",
     ["--worker-class", "sync", "--preload"], str(2 * (os.cpu_count() or 1)), {}),
    ("gthread, two workers per core × 4 threads", [], str(2 * (os.cpu_count() or 1)), {}),
    ("the defaults with a socket per worker (REUSE_PORT=1)", [], None, {"REUSE_PORT": "1"}),
)  # fmt: skip


@contextlib.contextmanager
def served(content_dir: Path, index_dir: Path, folder: Path, workers: str | None = str(WORKERS),
           arguments: list[str] = (), env: dict[str, str] | None = None):  # fmt: skip
    """Run gunicorn with the production config on a local port; yield (port, process)."""
    (folder / "benchwsgi.py").write_text(BENCH_WSGI, encoding="utf-8")
    environment = {
        **os.environ,
        "ACCESS_LOG": str(folder / "access.log"),
        "FLASK_CONTENT_DIR": str(content_dir),
        "FLASK_INDEX_DIR": str(index_dir),
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        **(env or {}),
    }
    environment.pop("WEB_CONCURRENCY", None)
    if workers is not None:
        environment["WEB_CONCURRENCY"] = workers
    command = [*GUNICORN, *arguments, "benchwsgi:app"]
    with serving(command, environment, folder / "gunicorn.log", timeout=180) as up:
        yield up


def client() -> str:
    """Name the load client the served rows come from."""
    return "wrk" if wrkload.available() else "Python client (wrk not installed)"


def load(port: int, routes: dict[str, wrkload.Route], seconds: float) -> dict[str, dict]:
    """Load each route in turn for `seconds`; return its figures by name."""
    if wrkload.available():
        return {name: wrkload.run(port, route, seconds) for name, route in routes.items()}
    pairs = [(route.paths, route.headers) for route in routes.values()]
    return dict(zip(routes, pyclient.load(port, pairs, seconds), strict=True))


def warm(port: int, routes: dict[str, wrkload.Route], seconds: float = WARM_SECONDS) -> None:
    """Load a few URLs of each route briefly: workers import lazily on their first requests."""
    few = {name: wrkload.Route(route.paths[:50], route.headers) for name, route in routes.items()}
    load(port, few, seconds)


def routes_for(slugs: list[str], searches: list[str]) -> dict[str, wrkload.Route]:
    """Return the routes to load; article URLs in a shuffled order of every public article."""
    rng = random.Random(8)
    articles = [f"/articles/{s}" for s in rng.sample(slugs, len(slugs))]
    related = [f"{a}/related" for a in articles]
    return {
        "constant route": wrkload.Route(["/bench/constant"], GZIP),
        "article page": wrkload.Route(articles, GZIP),
        "related fragment": wrkload.Route(related, {**GZIP, **HTMX}),
        "article page, one article again and again": wrkload.Route(articles[:1], GZIP),
        "related fragment, one article again and again":
            wrkload.Route(related[:1], {**GZIP, **HTMX}),
        "search fragment": wrkload.Route(searches, {**GZIP, **HTMX}),
    }  # fmt: skip


@contextlib.contextmanager
def pages_hidden(index_dir: Path):
    """Hide the live generation's pre-rendered pages for the duration of the block."""
    pages = index_dir / current_generation(index_dir) / packs.INDEX_FILE
    hidden = pages.with_name(pages.name + ".hidden")
    pages.rename(hidden)
    try:
        yield
    finally:
        hidden.rename(pages)


def show(name: str, m: dict) -> None:
    """Print one route's figures as they come."""
    print(f"  {name}: {m['rps']:.0f} req/s, p50 {m['p50']:.1f} ms, p95 {m['p95']:.1f} ms, "
          f"p99 {m['p99']:.1f} ms, {m['errors']} errors", flush=True)  # fmt: skip


def bench_routes(content_dir: Path, index_dir: Path, folder: Path, routes,
                 first_queries: list[str]) -> dict:  # fmt: skip
    """Load every route against the constant route, uncached first, then as served; then a
    first visit to articles and a first search with each of `first_queries` in Chromium."""
    found: dict = {}
    uncached = {"constant route, uncached server": routes["constant route"],
                "article page, rendered on request": routes["article page"],
                "related fragment, rendered on request": routes["related fragment"]}  # fmt: skip
    no_cache = {"FLASK_PAGE_CACHE_BYTES": "0"}
    with pages_hidden(index_dir), served(content_dir, index_dir, folder, env=no_cache) as up:
        port, _ = up
        warm(port, uncached)
        for name, m in load(port, uncached, HTTP_SECONDS).items():
            found[name] = m
            show(name, m)
    # The constant route is loaded first and again last: its mean is what the others are
    # compared with, so a drift in the machine's background load shows and evens out.
    fast = {name: route for name, route in routes.items() if name != "search fragment"}
    ordered = {**fast, "constant route, again at the end": routes["constant route"],
               "search fragment": routes["search fragment"]}  # fmt: skip
    with served(content_dir, index_dir, folder) as (port, server):
        warm(port, routes)
        for name, m in load(port, ordered, HTTP_SECONDS).items():
            found[name] = m
            show(name, m)
        found["paired"] = paired_rounds(port, routes)
        print(f"  paired rounds (req/s): {found['paired']}", flush=True)
        found["server memory"] = server_memory(server.pid)
        articles = routes["article page"].paths[:FIRST_VISITS]
        found["first visit"] = chromium_visits.first_visits(f"http://127.0.0.1:{port}", articles)
        print(f"  first visit: {found['first visit']}", flush=True)
        found["first search"] = chromium_visits.first_searches(
            f"http://127.0.0.1:{port}", SEARCH_PAGE, SEARCH_BOX, SEARCH_RESULT, first_queries
        )
        print(f"  first search: {found['first search']}", flush=True)
    return found


def paired_rounds(port: int, routes: dict[str, wrkload.Route]) -> dict[str, list[float]]:
    """Load the constant route and each PAIRED route in turn, PAIRED_ROUNDS times; return
    each one's req/s by round."""
    chosen = {name: routes[name] for name in ("constant route", *PAIRED)}
    rates: dict[str, list[float]] = {name: [] for name in chosen}
    for _ in range(PAIRED_ROUNDS):
        for name, m in load(port, chosen, PAIRED_SECONDS).items():
            rates[name].append(m["rps"])
    return rates


def server_memory(master: int) -> dict:
    """Return the RSS and PSS (bytes) of the gunicorn master and its workers, added up, and
    the highest peak RSS of a worker. PSS splits pages shared between processes among them,
    so its sum is what the server takes from the machine; RSS counts shared pages in each."""
    rss = pss = peak = 0
    processes = [master, *children(master)]
    for pid in processes:
        with contextlib.suppress(OSError):
            fields = proc_fields(Path(f"/proc/{pid}/smaps_rollup"))
            rss += fields.get("Rss", 0)
            pss += fields.get("Pss", 0)
            if pid != master:
                peak = max(peak, proc_fields(Path(f"/proc/{pid}/status")).get("VmHWM", 0))
    return {"rss": rss, "pss": pss, "peak worker": peak, "processes": len(processes)}


def children(parent: int) -> list[int]:
    """Return the ids of `parent`'s child processes."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                if proc_fields(entry / "status", raw=True).get("PPid") == str(parent):
                    found.append(int(entry.name))
    return found


def proc_fields(path: Path, raw: bool = False) -> dict:
    """Read a /proc `Name: value kB` file; sizes in bytes unless `raw`."""
    fields = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition(":")
        value = value.strip()
        if raw:
            fields[name] = value
        elif value.endswith(" kB"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


def bench_models(content_dir: Path, index_dir: Path, folder: Path, routes) -> dict:
    """For each worker model: whole-server memory after loading articles and searches, with
    that model alone on the machine; then the throughput of each, every model serving at
    once and loaded in turn, MODEL_ROUNDS times. The machine's speed drifts by half or more
    within a minute, so a model's rate is compared with the defaults' in the same round.

    Each request comes on a new connection (NEW_CONNECTION), as nginx in deploy/ sends them:
    wrk's connections, all opened at once and kept alive, often all land in one gthread
    worker, which then serves them alone on one core while sync workers, which close every
    connection, share the load; that measured the load generator, not the models."""
    chosen = {name: wrkload.Route(routes[name].paths, {**routes[name].headers, **NEW_CONNECTION})
              for name in ("article page", "search fragment")}  # fmt: skip
    found = {}
    for name, arguments, workers, env in MODELS:
        with served(content_dir, index_dir, folder, workers=workers,
                    arguments=arguments, env=env) as (port, server):  # fmt: skip
            warm(port, chosen, seconds=3 * WARM_SECONDS)
            load(port, chosen, MODEL_SECONDS)
            found[name] = {"memory": server_memory(server.pid), "rounds": {r: [] for r in chosen}}
        memory = found[name]["memory"]
        print(f"  {name}: {memory['processes']} processes, RSS {memory['rss'] / 2**20:.0f} MB, "
              f"PSS {memory['pss'] / 2**20:.0f} MB", flush=True)  # fmt: skip
    with contextlib.ExitStack() as stack:
        ports = {}
        for number, (name, arguments, workers, env) in enumerate(MODELS):
            own = folder / f"model-{number}"
            own.mkdir(exist_ok=True)
            port, _ = stack.enter_context(served(content_dir, index_dir, own, workers=workers,
                                                 arguments=arguments, env=env))  # fmt: skip
            warm(port, chosen, seconds=3 * WARM_SECONDS)
            ports[name] = port
        for _ in range(MODEL_ROUNDS):
            for name, port in ports.items():
                for route, m in load(port, chosen, MODEL_SECONDS).items():
                    found[name]["rounds"][route].append(m)
    for name, model in found.items():
        print(f"  {name}: " + ", ".join(f"{route} " + "/".join(f"{m['rps']:.0f}" for m in rounds)
                                        + " req/s" for route, rounds in model["rounds"].items()),
              flush=True)  # fmt: skip
    return found


def search_times(port: int, searches: list[str]) -> list[float]:
    """Return the milliseconds of each search, made one after another as a visitor types."""
    seconds = []
    for path in searches:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        connection.request("GET", path, headers={**GZIP, **HTMX})
        response = connection.getresponse()
        response.read()
        seconds.append((time.perf_counter() - started) * 1000)
        connection.close()
        if response.status != 200:
            raise SystemExit(f"search {path} answered {response.status}")
    return seconds


def generation(port: int) -> str:
    """Return the generation the server's worker serves, from /healthz."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/healthz")
    text = connection.getresponse().read().decode()
    connection.close()
    return text


def bench_first_searches(content_dir: Path, index_dir: Path, folder: Path, slug: str,
                         searches: list[str]) -> dict:  # fmt: skip
    """Time the first searches of one worker after `index update` switched it to a new
    generation, beside the same searches on the same worker warm, before the update."""
    first = random.Random(18).sample(searches, FIRST_SEARCHES)
    with served(content_dir, index_dir, folder, workers="1") as (port, _):
        search_times(port, searches)  # every query once: the worker is warm
        warm_ms = search_times(port, first)
        before = generation(port)
        publish_edit(content_dir, index_dir, slug, "A sentence about a new harbour.")
        # The worker opens and warms the new generation in the background, serving the old
        # meanwhile; the first searches timed are the first it answers from the new one.
        updated = time.perf_counter()
        while generation(port) == before:
            if time.perf_counter() - updated > SWITCH_TIMEOUT:
                raise SystemExit("the worker did not switch to the new generation")
            time.sleep(0.05)
        switched = time.perf_counter() - updated
        fresh_ms = search_times(port, first)
    return {
        "warm p95": percentile(warm_ms, 0.95),
        "fresh p95": percentile(fresh_ms, 0.95),
        "fresh max": max(fresh_ms),
        "fresh first": fresh_ms[0],
        "switched after s": switched,
    }


def bench_memory_after_updates(content_dir: Path, index_dir: Path, folder: Path, slug: str,
                               routes) -> dict:  # fmt: skip
    """Whole-server memory with the default config (the first worker model), under article
    and search load, before and after each of UPDATES_FOR_MEMORY `index update`s: a worker
    holds two generations while it switches, and keeps some of that memory afterwards."""
    chosen = {name: routes[name] for name in ("article page", "search fragment")}
    _, arguments, workers, env = MODELS[0]
    found = []
    with served(content_dir, index_dir, folder, workers=workers,
                arguments=arguments, env=env) as (port, server):  # fmt: skip
        warm(port, chosen, seconds=3 * WARM_SECONDS)
        load(port, chosen, MODEL_SECONDS)
        found.append(server_memory(server.pid))
        for number in range(UPDATES_FOR_MEMORY):
            before = generation(port)
            publish_edit(content_dir, index_dir, slug, f"A sentence about quay {number}.")
            wait_until_switched(port, before)
            load(port, chosen, MODEL_SECONDS)
            found.append(server_memory(server.pid))
    print("  memory before and after updates (RSS MB): "
          + ", ".join(f"{m['rss'] / 2**20:.0f}" for m in found), flush=True)  # fmt: skip
    return {"rss": [m["rss"] for m in found], "pss": [m["pss"] for m in found],
            "peak worker": max(m["peak worker"] for m in found),
            "processes": found[0]["processes"]}  # fmt: skip


def publish_edit(content_dir: Path, index_dir: Path, slug: str, sentence: str) -> None:
    """Append a sentence to one article and run `index update`, as a maintainer would."""
    path = content_dir / "articles" / f"{slug}.md"
    path.write_text(path.read_text("utf-8") + f"\n{sentence}\n", encoding="utf-8")
    env = {**os.environ, "FLASK_CONTENT_DIR": str(content_dir), "FLASK_INDEX_DIR": str(index_dir)}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "index", "update"],
                   cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip


def wait_until_switched(port: int, before: str) -> None:
    """Wait until no worker answers /healthz from the generation `before` (each request on
    a new connection, so the workers share them)."""
    started = time.perf_counter()
    while before in {generation(port) for _ in range(20)}:
        if time.perf_counter() - started > SWITCH_TIMEOUT:
            raise SystemExit("the workers did not switch to the new generation")
        time.sleep(0.1)


def search_paths(texts: list[str]) -> list[str]:
    """Return the search fragment's URL for each query text."""
    return [f"/search?q={quote_plus(text)}" for text in texts]
