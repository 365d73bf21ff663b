"""What visitors search for never reaches a log."""

from __future__ import annotations

import logging

from webapp.privacy import DropQueryStrings


def test_dev_server_request_lines_lose_their_query_string():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1,
        '%s - - [%s] "%s" %s %s', ("127.0.0.1", "now", "GET /search?q=suicide+help HTTP/1.1",
                                   "200", "-"), None,
    )
    DropQueryStrings().filter(record)
    message = record.getMessage()
    assert "suicide" not in message
    assert '"GET /search HTTP/1.1" 200' in message
