"""Keep what visitors search for, and anything a request can forge, out of every log line.

Servers log request lines in many shapes: the development server's `"GET /search?q=… HTTP/1.1"`,
its `Bad request syntax ('GET /search anxiety help HTTP/1.1')` for raw spaces, an absolute
target (`GET http://host/search?q=…`), gunicorn's `Invalid HTTP request line: '…'` for a
NUL or a tab. Whatever the shape, a request target is logged as its method and path only:
the query, and anything after the first space of the target, is dropped. Control
characters (a decoded `%0d%0a` in a path would start a forged log line) and bidirectional
overrides are written as escapes.
"""

from __future__ import annotations

import logging
import re

from flask import Flask
from gunicorn import glogging

# A method, then a target (absolute or not). Its path is kept; the rest of the request line
# is dropped, up to the HTTP version if there is one, else up to the closing quote or the end.
REQUEST_LINE = re.compile(
    r"""(?<![A-Z])([A-Z]{3,10})[ \t]+(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s'"]*)?(/[^?#\s'"\\]*)"""
    r"""[^'"]*?( HTTP/[0-9.]+)?(?=['"]|$)"""
)
QUERY = re.compile(r"""\?[^\s'"]*""")  # any other query string, as far as it reaches
# gunicorn's "Invalid request from ip=…: Invalid HTTP Version: 'harm words HTTP/1.1'" quotes
# a part of the request line with no method before it: only the kind of error is kept.
INVALID_REQUEST = re.compile(r"(Invalid request from ip=\S+: [^:'\n]*).*", re.DOTALL)
# Colour codes the development server puts around its own lines are kept; any other control
# character is escaped.
UNSAFE = re.compile(
    "\x1b(?!\\[[0-9;]*m)|[\x00-\x1a\x1c-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def safe_log_text(message: str) -> str:
    """Return `message` with control characters escaped and request targets cut to their
    paths."""
    message = UNSAFE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), message)
    message = INVALID_REQUEST.sub(r"\1", message)
    message = REQUEST_LINE.sub(lambda m: f"{m[1]} {m[2]}{m[3] or ''}", message)
    return QUERY.sub("", message)


class DropQueryStrings(logging.Filter):
    """Rewrite every record through `safe_log_text`; always keep the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message with its safe form."""
        message = record.getMessage()
        safe = safe_log_text(message)
        if safe != message:
            record.msg, record.args = safe, None
        return True


class ServerLog(glogging.Logger):
    """gunicorn's logger (`logger_class` in gunicorn.conf.py) with both its logs filtered."""

    def setup(self, cfg) -> None:
        """Set gunicorn's logs up as usual, then filter them."""
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, DropQueryStrings) for f in log.filters):
                log.addFilter(DropQueryStrings())


def init_app(app: Flask) -> None:
    """Filter the development server's request log and the app's own log (where Flask
    names the path of a request that failed)."""
    for logger in (logging.getLogger("werkzeug"), app.logger):
        if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
            logger.addFilter(DropQueryStrings())
