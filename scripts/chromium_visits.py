"""A first visit as a browser sees it: bytes over the wire for article pages, in Chromium.

The measurement only; `firstvisit.py` runs it on its own, `benchserve.py` within `make bench`.

Each article is opened in a new browser context (an empty cache, as a first-time visitor
has), scrolled to its related panel so htmx loads it, and every response the page caused is
added up: headers and the body as sent (compressed where the server compressed it). Uses
Debian's Chromium through Playwright, as the browser tests do.

"""

from __future__ import annotations

import os
import statistics

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
