"""The one place that decides between a whole page and an htmx fragment.

When htmx 4 arrives (it sends `HX-Request-Type: partial|full` and refetches on Back with
`HX-Request: true`), `wants_fragment` is the only function to change.
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template
from htmx_flask import request

# Every header `wants_fragment` reads: a shared cache must never serve one variant for another.
VARY_HEADERS = ("HX-Request", "HX-History-Restore-Request", "HX-Boosted")


def wants_fragment() -> bool:
    """Say whether this request should get a fragment rather than the whole page."""
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    """Render `fragment` for an htmx request and `page` otherwise; both vary on htmx headers."""
    template = fragment if wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    vary(response)
    return response


def vary(response: Response) -> Response:
    """Mark a response whose body depends on the htmx request headers."""
    response.vary.update(VARY_HEADERS)
    return response
