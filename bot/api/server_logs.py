"""aiohttp's own logs without secrets or PII: a path-only access log and scrubbed error records.

aiohttp's default access log prints the request line (query string included) and can print any
header; its "Error handling request" record carries the parser's exception, whose message quotes
the raw request bytes — a malformed request with `Authorization: Bearer <admin token>` in it was
logged verbatim. Here the access log keeps method, path (PII masked), status, size and time only,
and a bad request is one warning line naming the error class, without traceback or request bytes.
"""

from __future__ import annotations

import logging
import re

from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.log import server_logger
from aiohttp.web import BaseRequest, StreamResponse

from bot.logs import mask

_BEARER = re.compile(r"(?i)(bearer|basic)\s+\S+")


def scrub(text: str) -> str:
    """Mask credentials, phone numbers and e-mail addresses in free text."""
    return mask(_BEARER.sub(r"\1 [redacted]", text))


class SafeAccessLogger(AbstractAccessLogger):
    """One line per request: remote, method, path, status, bytes, seconds. Never the query string or headers."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        try:
            path = scrub(request.rel_url.path)
            method = request.method
        except Exception:  # a request aiohttp could not parse has no usable URL
            path, method = "-", "-"
        self.logger.info("%s %s %s %s %s %.3f", request.remote, method, path, response.status,
                         response.body_length, time)


class _ServerLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            # A malformed request: the client's problem, answered 4xx. The exception text quotes the
            # raw request line/headers, so log only what kind of error it was.
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else "-"
            record.msg, record.args = "bad request from %s: %s (%s)", (remote, type(exc).__name__, exc.code)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        elif record.exc_info:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        record.msg = scrub(str(record.msg)) if not record.args else record.msg
        return True


def install_server_log_filter(logger: logging.Logger = server_logger) -> None:
    """Idempotent: every app factory call installs it, once per logger."""
    if not any(isinstance(f, _ServerLogFilter) for f in logger.filters):
        logger.addFilter(_ServerLogFilter())

