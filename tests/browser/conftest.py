"""Real-browser fixtures: the site on a local server, driven by Debian's Chromium.

Every page a test opens fails the test on a console error, an uncaught script error, a
Content-Security-Policy violation, or a request to any host but the test server.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from webapp import create_app

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, so `-m "not browser"` leaves them out."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class Delays:
    """Slow down or break chosen responses, to test what a visitor on a bad connection sees.

    Rules match a regular expression against the request's path and query string.
    """

    def __init__(self) -> None:
        self.rules: list[tuple[re.Pattern[str], float]] = []
        self.failing: list[re.Pattern[str]] = []
        self.finished: list[str] = []  # path?query of every response sent, in order
        self._changed = threading.Condition()

    def slow(self, pattern: str, seconds: float) -> None:
        """Delay every response whose path and query match `pattern`."""
        self.rules.append((re.compile(pattern), seconds))

    def fail(self, pattern: str) -> None:
        """Answer 500 to every request whose path and query match `pattern`."""
        self.failing.append(re.compile(pattern))

    def wait_until_finished(self, pattern: str, timeout: float = 10.0) -> None:
        """Block until the server has answered a request matching `pattern`."""
        regex = re.compile(pattern)
        with self._changed:
            if not self._changed.wait_for(
                lambda: any(regex.search(t) for t in self.finished), timeout=timeout
            ):
                raise AssertionError(f"the server never answered a request like {pattern}")

    def reset(self) -> None:
        """Remove every rule and forget what was answered."""
        self.rules.clear()
        self.failing.clear()
        with self._changed:
            self.finished.clear()

    def _record(self, target: str) -> None:
        with self._changed:
            self.finished.append(target)
            self._changed.notify_all()

    def wrap(self, wsgi_app):
        """Return WSGI middleware applying the rules."""

        def middleware(environ, start_response):
            target = environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
            for pattern, seconds in list(self.rules):
                if pattern.search(target):
                    # The point of the test: this answer arrives late.
                    time.sleep(seconds)
            try:
                if any(p.search(target) for p in self.failing):
                    start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
                    return [b"broken on purpose by the test"]
                return wsgi_app(environ, start_response)
            finally:
                self._record(target)

        return middleware


@dataclass
class LiveServer:
    """The site served on 127.0.0.1 for a browser to visit."""

    url: str
    delays: Delays
    app: object


@contextlib.contextmanager
def serve_sample_site(
    tmp_path_factory,
    sample_index,
    prepare: Callable[[object], None] | None = None,
    content_dir: Path | None = None,
) -> Iterator[LiveServer]:
    """Serve the sample site, on a private copy of its index, from a thread.

    `prepare` gets the app before the server starts (to pre-render its pages, say);
    `content_dir` is a copy of the sample content with other site settings (a theme, say).
    """
    from tests.conftest import SAMPLE_CONTENT

    index_dir = tmp_path_factory.mktemp("browser-index")
    shutil.copytree(sample_index, index_dir, dirs_exist_ok=True)
    content = content_dir or SAMPLE_CONTENT
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index_dir)})
    if prepare:
        prepare(app)
    delays = Delays()
    app.wsgi_app = delays.wrap(app.wsgi_app)
    server = make_server("127.0.0.1", 0, closed_when_dropped(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", delays, app)
    finally:
        server.shutdown()


def closed_when_dropped(wsgi_app):
    """Return the WSGI app with each response closed even when its client goes away.

    Werkzeug's development server reads what is left of the request before it closes a
    response, and on a connection the browser has reset (the quick exit leaves mid-page)
    that read raises first: a static file's handle was then left for the garbage collector,
    and its ResourceWarning failed whichever test was running. Gunicorn, which serves the
    site in production, closes the response in any case. A generator's `finally` also runs
    when it is dropped unfinished, so the response is closed either way.
    """

    def app(environ, start_response):
        response = wsgi_app(environ, start_response)
        try:
            yield from response
        finally:
            if hasattr(response, "close"):
                response.close()

    return app


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, sample_index) -> Iterator[LiveServer]:
    """Serve the sample site from a thread for the whole browser session."""
    with serve_sample_site(tmp_path_factory, sample_index) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch headless Chromium once per session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Watch:
    """What went wrong in the browser while a test ran."""

    origin: str
    errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    allowed_error_fragments: list[str] = field(default_factory=list)
    expected_navigations: list[str] = field(default_factory=list)

    def allow(self, fragment: str) -> None:
        """Expect console errors containing `fragment` (e.g. a failure the test causes)."""
        self.allowed_error_fragments.append(fragment)

    def expect_navigation_to(self, url: str) -> None:
        """Expect the page itself to navigate to `url` on another host (e.g. quick exit).

        Only a top-level navigation to exactly this URL is excused; the test must answer it
        (with `page.route`), since nothing may leave the machine. Any other request to another
        host, including one for a resource of that page, is still a problem.
        """
        self.expected_navigations.append(url)

    def record_foreign(self, url: str, is_navigation: bool) -> None:
        """Note a request to another host unless it is an expected navigation."""
        if not (is_navigation and url in self.expected_navigations):
            self.foreign_requests.append(url)

    def problems(self) -> list[str]:
        """Return the unexpected errors and foreign requests."""
        errors = [e for e in self.errors if not any(f in e for f in self.allowed_error_fragments)]
        return errors + [f"request to another host: {u}" for u in self.foreign_requests]


def _new_page(browser: Browser, live_server: LiveServer, **context_options) -> tuple[Page, Watch]:
    context = browser.new_context(**context_options)
    page = context.new_page()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(live_server.url))
    watch = Watch(origin)

    def on_console(message):
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            watch.errors.append(f"console {message.type}: {text}")

    def on_request(request):
        url = request.url
        if not url.startswith(origin) and not url.startswith(("data:", "blob:", "about:")):
            is_navigation = request.is_navigation_request() and request.frame == page.main_frame
            watch.record_foreign(url, is_navigation)

    def on_route(route):
        # Let nothing leave the machine, even if a page asks (it is also recorded above).
        if route.request.url.startswith(origin):
            route.continue_()
        else:
            route.abort()

    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.errors.append(f"page error: {error}"))
    page.on("request", on_request)
    context.route("**/*", on_route)
    return page, watch


@contextlib.contextmanager
def watched_pages(browser: Browser, server: LiveServer):
    """Yield a factory for pages on `server`; on leaving, fail on any page's errors or
    foreign requests."""
    opened: list[tuple[Page, Watch]] = []

    def open_page(**context_options) -> tuple[Page, Watch]:
        page, watch = _new_page(browser, server, **context_options)
        opened.append((page, watch))
        return page, watch

    yield open_page
    server.delays.reset()
    problems = [p for _, w in opened for p in w.problems()]
    for page, _ in opened:
        page.context.close()
    assert not problems, "browser problems:\n" + "\n".join(problems)


@pytest.fixture
def watched(browser, live_server):
    """Return a factory for pages that are checked for errors and foreign requests."""
    with watched_pages(browser, live_server) as open_page:
        yield open_page


@pytest.fixture
def page(watched) -> Page:
    """Return a checked page with JavaScript on, at a phone-ish size."""
    page, _ = watched(viewport={"width": 1280, "height": 800})
    return page


def results_heading(server: LiveServer, words: str) -> str:
    """Return the results heading the site serves for `words` ("6 results for “anxiety”"),
    so tests follow the sample content rather than a count written into them."""
    html = server.app.test_client().get("/search", query_string={"q": words}).get_data(True)
    found = re.search(r'<h2 class="result-count">([^<]+)</h2>', html)
    assert found, "the search page has no results heading"
    return found[1]
