"""Error pages in the full layout (or a small fragment for htmx), never a stack trace."""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, redirect, request
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.generation.folder import IndexProblem
from webapp.web.htmx import render

RETRY_AFTER_SECONDS = 60

MESSAGES = {
    400: ("Something in that address was not understood", "Check the link, or search below."),
    404: ("Page not found", "The page may have moved or been removed. Try searching below."),
    405: ("That did not work", "This page cannot be used that way. Try the home page."),
    503: ("The site is being updated", "Please try again in a minute."),
}


def _page(status: int) -> Response:
    title, advice = MESSAGES.get(status, ("Something went wrong", "Please try again shortly."))
    return render(
        "error.html", "_error.html", status=status, code=status, title=title, advice=advice
    )


def handle_http_error(error: HTTPException) -> Response:
    """Render a 4xx or 5xx as a page in the site's layout."""
    if error.code == 404 and (moved := _tidied_address()):
        if moved.split("?", 1)[0] == request.script_root + "/search":
            # What someone searched for is private: a temporary redirect that no browser or
            # cache keeps, unlike a permanent one.
            response = redirect(moved, code=307)
            response.headers["Cache-Control"] = "no-store"
            return response
        response = redirect(moved, code=308)
        response.headers["Cache-Control"] = f"public, max-age={current_app.config['PAGE_MAX_AGE']}"
        return response
    return _page(error.code or 500)


def _tidied_address() -> str | None:
    """Return the address without doubled or trailing slashes when that is one of our pages.

    Links pasted from emails and other sites often gain a "/" ("/articles/grief/") or two
    ("/articles//grief"); the visitor is sent to the page rather than told it is not there.
    The redirect is relative: an absolute one would be built from the Host header, which
    the client chooses.
    """
    path = request.path
    tidied = re.sub("/{2,}", "/", path).rstrip("/") or "/"
    if tidied == path or path.startswith("//"):  # "//host/…" would read as another host
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in tidied):
        return None  # no page has control characters, and a Location header cannot hold them
    try:
        current_app.create_url_adapter(request).match(tidied, method="GET")
    except HTTPException:  # not found, another method, or itself redirected
        return None
    query = request.query_string.decode("latin-1")
    return request.script_root + tidied + (f"?{query}" if query else "")


def handle_unexpected(error: Exception) -> Response:
    """Log the failure for maintainers and show the visitor a calm 500 page."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    if isinstance(error, IndexProblem):
        # The log says what went wrong and what to run (see `live`); the visitor gets the
        # banner and the crisis numbers, and a page no cache keeps once the index is back.
        response = _page(503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response
    # Flask has already logged the traceback for the maintainer; the visitor sees none of it.
    return _page(InternalServerError.code)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
