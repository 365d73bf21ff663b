"""The production server under mixed load while the index is rebuilt every few seconds.

`make loadtest` (not part of `make test`): starts gunicorn with gunicorn.conf.py on 127.0.0.1
(port chosen by the kernel) over temporary copies of the content and index, then drives
CONCURRENCY client threads at it (articles, related fragments, searches with varied and
hostile text and page numbers, the home page, topics and 404s) while
`flask --app wsgi index rebuild` runs every REBUILD_EVERY seconds, every other time after an
article has changed. The load runs for DURATION seconds, and longer (up to MAX_DURATION)
until MIN_REBUILDS generations have gone live under it: on a busy 2-core machine a rebuild
competing with the load can take longer than REBUILD_EVERY.

It prints the requests, errors (a 5xx, a failed connection, any status other than the one
expected, an error in the server's log, a query string in its access log), rebuilds, and
latency percentiles per kind of request, and exits non-zero on any error or fewer than
MIN_REBUILDS rebuilds.

Everything stays on the loopback interface, the run stops by itself, and the server is
stopped at the end whatever happens. Options: --duration, --max-duration, --concurrency,
--workers, --server dev to load Flask's threaded development server instead (there many
requests share one process's snapshots), and --through-proxy to load the site as deployed:
nginx with deploy/nginx's configuration and its shared cache in front of two gunicorn
instances with half the workers each (scripts/front.py), the clients talking to nginx.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from front import instances, nginx
from serving import DEV, GUNICORN, serving

PYTHON = sys.executable
DURATION = 40.0
MAX_DURATION = 120.0
CONCURRENCY = 8
WORKERS = 2
REBUILD_EVERY = 3.0
MIN_REBUILDS = 10
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1/"}
# Addresses nginx itself refuses with its 400 page (a NUL, a path above the root once
# decoded) before the site could say 404: both are the answer a visitor should get.
REFUSED_BY_NGINX = {"/articles/..%2F..%2Fetc%2Fpasswd", "/articles/%00"}

SEARCHES = [
    "grief",
    "anxiety",
    "counselling",
    "counseling",
    "behaviour",
    "sleep",
    "first session",
    "therapy",
    "boundaries at work",
    "panic",
    "trauma",
    "low mood",
    "burnout",
    "self compassion",
    # as-you-type prefixes
    "an",
    "anx",
    "gri",
    "coun",
    "therap",
    "sle",
    "relation",
    "bound",
    # hostile or odd input: always just words
    '"unbalanced',
    "(((",
    "AND OR NOT",
    "title:grief",
    "body:*",
    "*",
    "?",
    "grief~2",
    "a" * 1000,
    "<script>alert(1)</script>",
    "'; DROP TABLE articles; --",
    "\u202egnirts",
    "😀 grief",
    "ǅ ﬁ ß İ",
    "\x00\x07 grief",
    "suicide",
    "I want to die",
    "griefx",
    "anxeity",
]
PAGES = ["", "1", "2", "3", "0", "-1", "abc", "99999", "1e9", "²"]
MISSING = [
    "/articles/does-not-exist",
    "/articles/..%2F..%2Fetc%2Fpasswd",
    "/articles/%00",
    "/authors/nobody",
    "/topics/nothing-here",
    "/no-such-page",
    "/articles/does-not-exist/related",
]


@dataclass
class Stats:
    """What the clients saw, shared between threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        """Count one request."""
        with self.lock:
            self.requests += 1
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """GET a path from 127.0.0.1:port; raise OSError when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def pick_request(slugs: list[str], topics: list[str]) -> tuple[str, str, dict, int]:
    """Return (kind, path, headers, expected status) for one request of the mix."""
    roll = random.random()
    slug = random.choice(slugs)
    if roll < 0.25:
        return "article", f"/articles/{slug}", {}, 200
    if roll < 0.40:
        return "related", f"/articles/{slug}/related", HTMX, 200
    if roll < 0.70:
        q = quote(random.choice(SEARCHES))
        page = random.choice(PAGES)
        path = f"/search?q={q}" + (f"&page={quote(page)}" if page else "")
        return "search", path, random.choice([{}, HTMX]), 200
    if roll < 0.80:
        return "home", "/" + random.choice(["", "?page=2", "?page=x"]), {}, 200
    if roll < 0.88:
        return "topic", random.choice(["/topics", f"/topics/{random.choice(topics)}"]), {}, 200
    if roll < 0.97:
        return "404", random.choice(MISSING), random.choice([{}, HTMX]), 404
    return "healthz", "/healthz", {}, 200


def client(
    port: int,
    stop: threading.Event,
    stats: Stats,
    slugs: list[str],
    topics: list[str],
    through_proxy: bool,
) -> None:
    """Send requests from the mix until told to stop."""
    while not stop.is_set():
        kind, path, headers, expected = pick_request(slugs, topics)
        if through_proxy and path in REFUSED_BY_NGINX:
            expected = 400
        started = time.perf_counter()
        try:
            status, _ = get(port, path, headers)
            error = None if status == expected else f"{status} for {path[:80]}"
        except OSError as problem:
            error = f"{type(problem).__name__} {problem} for {path[:80]}"
        stats.record(kind, time.perf_counter() - started, error)


@dataclass
class Rebuilds:
    """What the rebuild loop did."""

    done: int = 0
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def rebuild_loop(
    env: dict[str, str], content: Path, stop: threading.Event, result: Rebuilds
) -> None:
    """Run `index rebuild` every REBUILD_EVERY seconds, changing an article every other time."""
    article = content / "articles" / "living-with-grief.md"
    original = article.read_text("utf-8")
    while not stop.is_set():
        started = time.monotonic()
        if result.done % 2 == 0:
            article.write_text(original + f"\n\nRevision {result.done} of this article.\n", "utf-8")
        build = subprocess.run(
            [PYTHON, "-m", "flask", "--app", "wsgi", "index", "rebuild"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if build.returncode == 0:
            result.done += 1
            result.seconds.append(time.monotonic() - started)
        else:
            result.failures.append(build.stderr.strip()[-500:])
        stop.wait(max(0.0, REBUILD_EVERY - (time.monotonic() - started)))


SERVERS = {"gunicorn": [*GUNICORN, "wsgi:app"], "dev": DEV}


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def settled_on(port: int, generation: str, deadline: float) -> bool:
    """Say whether every worker ends up serving `generation` before the deadline."""
    in_a_row = 0
    while in_a_row < 10 and time.monotonic() < deadline:
        status, body = get(port, "/healthz")
        in_a_row = in_a_row + 1 if status == 200 and generation.encode() in body else 0
    return in_a_row >= 10


def start(
    options: argparse.Namespace, env: dict[str, str], work: Path, running: contextlib.ExitStack
) -> tuple[int, list[int], str]:
    """Start the server(s) under test; return the port the clients use, the ports of the
    instances behind it, and a description."""
    if options.through_proxy:
        each = max(1, options.workers // 2)
        started = running.enter_context(instances({**env, "WEB_CONCURRENCY": str(each)}, work))
        ports = [port for port, _ in started]
        port = running.enter_context(nginx(work / "nginx", ports))
        return port, ports, f"nginx (deploy/nginx) before 2 gunicorn instances of {each} workers,"
    command = SERVERS[options.server]
    port, _ = running.enter_context(serving(command, env, work / "server.log"))
    if options.server == "gunicorn":
        return port, [port], f"gunicorn, {options.workers} workers (gunicorn.conf.py threads),"
    return port, [port], "Flask's threaded development server"


def main() -> int:
    """Run the load test; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=DURATION)
    parser.add_argument("--max-duration", type=float, default=MAX_DURATION)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--server", choices=sorted(SERVERS), default="gunicorn")
    parser.add_argument("--through-proxy", action="store_true")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="loadtest-") as folder:
        work = Path(folder)
        content, index_dir = work / "content", work / "index"
        shutil.copytree(ROOT / "content", content)
        env = {
            **os.environ,
            "FLASK_CONTENT_DIR": str(content),
            "FLASK_INDEX_DIR": str(index_dir),
            "ACCESS_LOG": str(work / "access.log"),
        }
        subprocess.run(
            [PYTHON, "-m", "flask", "--app", "wsgi", "index", "rebuild"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        slugs = sorted(
            p.stem
            for p in (content / "articles").glob("*.md")
            if "draft: true" not in p.read_text("utf-8")
        )

        stats, rebuilds, stop = Stats(), Rebuilds(), threading.Event()
        env = {**env, "WEB_CONCURRENCY": str(options.workers)}
        with contextlib.ExitStack() as running:
            port, instance_ports, server = start(options, env, work, running)
            # The topics as the site names them, from its own topics page.
            topics = sorted(
                set(re.findall(rb'href="/topics/([a-z0-9-]+)"', get(port, "/topics")[1]))
            )
            topics = [t.decode() for t in topics]
            print(
                f"{server} on 127.0.0.1:{port}; "
                f"{options.concurrency} clients for {options.duration:.0f} s (up to "
                f"{options.max_duration:.0f} s until {MIN_REBUILDS} rebuilds); "
                f"index rebuild every {REBUILD_EVERY:.0f} s",
                flush=True,
            )
            threads = [threading.Thread(target=rebuild_loop, args=(env, content, stop, rebuilds))]
            threads += [
                threading.Thread(
                    target=client,
                    args=(port, stop, stats, slugs, topics, options.through_proxy),
                )
                for _ in range(options.concurrency)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            try:
                stop.wait(options.duration)
                give_up = started + max(options.duration, options.max_duration)
                while rebuilds.done < MIN_REBUILDS and time.monotonic() < give_up:
                    stop.wait(0.2)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=150)
            elapsed = time.monotonic() - started
            live = (index_dir / "CURRENT").read_text().strip()
            for instance in instance_ports:
                if not settled_on(instance, live, time.monotonic() + 15):
                    stats.errors.append(f"workers did not all switch to generation {live}")
        logged = "".join(
            log.read_text("utf-8", "replace")
            for log in work.glob("*.log")
            if "access" not in log.name
        )
        app_errors = [
            line
            for line in logged.splitlines()
            if "Traceback" in line or line.startswith(("ERROR", "CRITICAL"))
        ]
        # Searches are private: the access log holds paths, never a query string.
        if options.through_proxy:  # every request is in nginx's log; fewer reach gunicorn
            access = (work / "nginx" / "access.log").read_text("utf-8", "replace").splitlines()
            gunicorn_access = "".join(p.read_text("utf-8") for p in work.glob("access-*.log"))
            access += [line for line in gunicorn_access.splitlines() if "?" in line]
        elif options.server == "gunicorn":
            access = (work / "access.log").read_text("utf-8", "replace").splitlines()
        else:
            access = [line for line in logged.splitlines() if "GET /" in line]
        app_errors += [
            f"query string in the access log: {line}"
            for line in access
            if "?" in line or "q=" in line
        ][:5]
        if options.through_proxy:
            proxy_log = (work / "nginx" / "error.log").read_text("utf-8", "replace")
            app_errors += [f"nginx: {line}" for line in proxy_log.splitlines()][:5]
        if len(access) < stats.requests:
            app_errors.append(f"access log has {len(access)} lines for {stats.requests} requests")

    errors = stats.errors + [f"server log: {line}" for line in app_errors]
    errors += [f"rebuild failed: {failure}" for failure in rebuilds.failures]
    print(f"requests: {stats.requests} in {elapsed:.1f} s ({stats.requests / elapsed:.0f}/s)")
    print(f"errors: {len(errors)}")
    for error in errors[:20]:
        print(f"  {error}")
    mean = statistics.mean(rebuilds.seconds) if rebuilds.seconds else 0.0
    print(f"rebuilds: {rebuilds.done} (each {mean:.1f} s on average, CLI start-up included)")
    print(f"{'kind':<10}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in ("article", "related", "search", "home", "topic", "404", "healthz"):
        values = stats.latencies.get(kind, [])
        if values:
            p50, p95, p99 = (percentile(values, s) * 1000 for s in (0.5, 0.95, 0.99))
            print(f"{kind:<10}{len(values):>9}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}")
    passed = not errors and rebuilds.done >= MIN_REBUILDS
    print("PASS" if passed else f"FAIL (need 0 errors and at least {MIN_REBUILDS} rebuilds)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
