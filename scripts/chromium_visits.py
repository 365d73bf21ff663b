"""A first visit as a browser sees it: bytes over the wire, in Chromium.

The measurements only; `firstvisit.py` runs the article one on its own, `make bench` both.

- An article: opened in a new browser context (an empty cache, as a first-time visitor
  has), scrolled to its related panel so htmx loads it.
- A first search: a search page opened in a new context, a query typed into its box a key
  at a time, and the page left until its results show and nothing more is asked for. The
  same for this site and for the peer's Pagefind search page (`peers.py`), which fetches
  its index in pieces as a query needs them.

Every response the page caused is added up: headers and the body as sent (compressed where
the server compressed it). Uses Debian's Chromium through Playwright, as the browser tests do.
"""

from __future__ import annotations

import os
import statistics
from contextlib import contextmanager

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TYPING_DELAY_MS = 120  # between keys: a quick typist
QUIET_MS = 750  # no request for this long after the results show: the search is done


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
        by_kind: dict[str, int] = {}
        for request in finished:
            name = kind(request.url)
            if each:
                sizes = request.sizes()
                response = request.response()
                encoding = response.headers.get("content-encoding", "-") if response else "?"
                print(f"  {response and response.status} {encoding:5} headers "
                      f"{sizes['responseHeadersSize']:5} body {sizes['responseBodySize']:6}  "
                      f"{request.url}")  # fmt: skip
            by_kind[name] = by_kind.get(name, 0) + received(request)
        return by_kind
    finally:
        context.close()


def first_search(browser, url: str, box: str, result: str, query: str) -> int:
    """Open the search page at `url` with an empty cache, type `query` into `box`, wait for
    `result` to show and for the page to stop asking; return the bytes received."""
    context = browser.new_context()
    try:
        page = context.new_page()
        started: list = []
        ended: list = []
        page.on("request", lambda request: started.append(request))
        page.on("requestfinished", lambda request: ended.append(request))
        page.on("requestfailed", lambda request: ended.append(request))
        page.goto(url, wait_until="load")
        page.locator(box).press_sequentially(query, delay=TYPING_DELAY_MS)
        page.locator(result).first.wait_for()
        seen = -1
        while seen != len(started) or len(ended) < len(started):
            seen = len(started)
            page.wait_for_timeout(QUIET_MS)
        return sum(received(request) for request in ended if request.failure is None)
    finally:
        context.close()


def received(request) -> int:
    """Return the bytes of a response's headers and its body as sent.

    Chromium reports a body of 0 for a web worker's script (Pagefind searches in one), so
    there the body's declared length is taken.
    """
    sizes = request.sizes()
    body = sizes["responseBodySize"]
    response = request.response()
    if not body and response is not None:
        body = int(response.headers.get("content-length", 0))
    return sizes["responseHeadersSize"] + body


def first_searches(base: str, path: str, box: str, result: str, queries: list[str]) -> dict:
    """Make each query the first search on the page at `path`; return the mean and max of
    the bytes received and the number of searches."""
    with chromium() as browser:
        totals = [first_search(browser, base + path, box, result, q) for q in queries]
    return {"searches": len(totals), "mean": statistics.fmean(totals), "max": max(totals)}


@contextmanager
def chromium():
    """Yield Debian's Chromium, headless, launched through Playwright."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            yield browser
        finally:
            browser.close()


def first_visits(base: str, paths: list[str], each: bool = False) -> dict:
    """Visit every path; return the mean and max of the totals and the mean of each kind."""
    with chromium() as browser:
        visits = [visit(browser, base + path, each and n == 0) for n, path in enumerate(paths)]
    totals = [sum(v.values()) for v in visits]
    kinds = sorted({name for v in visits for name in v})
    return {
        "articles": len(visits),
        "mean": statistics.fmean(totals),
        "max": max(totals),
        "parts": {name: statistics.fmean(v.get(name, 0) for v in visits) for name in kinds},
    }
