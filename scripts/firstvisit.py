"""A first visit as a browser sees it: bytes over the wire for article pages, in Chromium.

Each article is opened in a new browser context (an empty cache, as a first-time visitor
has), scrolled to its related panel so htmx loads it, and every response the page caused is
added up: headers and the body as sent (compressed where the server compressed it). Uses
Debian's Chromium through Playwright, as the browser tests do.

`make bench` measures it at 10,000 articles. On its own, on a corpus of the benchmark's kind
built in a temporary folder, served by gunicorn with the production config:

    .venv/bin/python scripts/firstvisit.py --articles 1000 --visits 100 [--each]

`--each` also prints every response of the first visit: status, encoding, headers and body.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def kind(url: str) -> str:
    """Name what a response is, for the breakdown of a visit."""
    if url.endswith("/related"):
        return "related panel"
    if "/static/" in url or url.endswith(".ico"):
        return "assets"
    return "page"


def visit(browser, url: str, each: bool = False) -> dict[str, int]:
    """Open `url` with an empty cache, load its related panel; return bytes received by kind
    (and print every response when `each`)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        finished = []
        # Playwright marks the handler it is given, which a bound builtin cannot take.
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto(url, wait_until="load")
        with page.expect_event("requestfinished", lambda r: r.url.endswith("/related")):
            page.locator("#related-panel").scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        received: dict[str, int] = {}
        for request in finished:
            sizes = request.sizes()
            name = kind(request.url)
            if each:
                response = request.response()
                encoding = response.headers.get("content-encoding", "-") if response else "?"
                print(f"  {response and response.status} {encoding:5} headers "
                      f"{sizes['responseHeadersSize']:5} body {sizes['responseBodySize']:6}  "
                      f"{request.url}")  # fmt: skip
            received[name] = (received.get(name, 0) + sizes["responseHeadersSize"]
                              + sizes["responseBodySize"])  # fmt: skip
        return received
    finally:
        context.close()


def first_visits(base: str, paths: list[str], each: bool = False) -> dict:
    """Visit every path; return the mean and max of the totals and the mean of each kind."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            visits = [visit(browser, base + path, each and n == 0) for n, path in enumerate(paths)]
        finally:
            browser.close()
    totals = [sum(v.values()) for v in visits]
    kinds = sorted({name for v in visits for name in v})
    return {
        "articles": len(visits),
        "mean": statistics.fmean(totals),
        "max": max(totals),
        "parts": {name: statistics.fmean(v.get(name, 0) for v in visits) for name in kinds},
    }


def main() -> None:
    """Build a benchmark corpus, serve it with gunicorn and print its first-visit figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="size of the corpus")
    parser.add_argument("--visits", type=int, default=100, help="articles opened in Chromium")
    parser.add_argument("--each", action="store_true", help="print the first visit's responses")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root), str(root / "scripts")]
    import benchcorpus  # the benchmark's modules import this one
    import benchserve

    work = Path(tempfile.mkdtemp(prefix="webapp-firstvisit-"))
    try:
        content_dir, index_dir = work / "content", work / "index"
        slugs = benchcorpus.write_corpus(content_dir, args.articles)
        env = {**os.environ, "FLASK_CONTENT_DIR": str(content_dir),
               "FLASK_INDEX_DIR": str(index_dir)}  # fmt: skip
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "index", "rebuild"],
                       cwd=root, env=env, check=True, capture_output=True)  # fmt: skip
        paths = benchserve.routes_for(slugs, [])["article page"].paths[: args.visits]
        with benchserve.served(content_dir, index_dir, work) as (port, _):
            found = first_visits(f"http://127.0.0.1:{port}", paths, each=args.each)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    kib = {name: f"{value / 1024:.1f}" for name, value in found["parts"].items()}
    print(f"first visit, {found['articles']} articles of {args.articles}: "
          f"mean {found['mean'] / 1024:.1f} KiB, max {found['max'] / 1024:.1f} KiB, "
          f"mean by kind (KiB): {kib}")  # fmt: skip


if __name__ == "__main__":
    main()
