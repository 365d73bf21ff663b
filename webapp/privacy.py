"""Keep what visitors search for out of every log the app writes."""

from __future__ import annotations

import logging
import re

from flask import Flask

# The request line as werkzeug's development server logs it: "GET /search?q=... HTTP/1.1".
QUERY_STRING = re.compile(r"(\s/[^\s?]*)\?\S*")


class DropQueryStrings(logging.Filter):
    """Remove query strings from request lines in log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without query strings; always keep the record."""
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = QUERY_STRING.sub(r"\1", message), None
        return True


def init_app(app: Flask) -> None:
    """Attach the filter to the development server's request log."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())
