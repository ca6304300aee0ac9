"""Logging filters that keep personal data out of the application log.

Search terms (a head's name) travel in the query string of list pages. The access log
keeps the path (ids of units and households, not names) and drops the query string.
"""

from __future__ import annotations

import logging


class RedactQueryFilter(logging.Filter):
    """Strip ``?...`` from uvicorn access-log records (args: client, method, path, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + "?…", *args[3:])
        return True
