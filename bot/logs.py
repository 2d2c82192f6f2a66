"""Structured JSON logs (structlog) carrying the conversation id; never message text or PII.

Message text is logged only at debug level; phone numbers, e-mail addresses and tokens that slip
into any event are masked by `_mask_pii` before rendering.
"""

from __future__ import annotations

import logging
import re
import sys
from functools import lru_cache
from typing import Any

import structlog

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?<!\d)(\+?\d[\d -]{7,}\d)(?!\d)")
_SECRET_KEYS = ("token", "secret", "password", "api_key", "authorization", "text", "message")


def mask(value: str) -> str:
    value = _EMAIL.sub(lambda m: m.group(0)[0] + "***@" + m.group(0).split("@")[-1], value)
    return _PHONE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-2:], value)


@lru_cache(maxsize=1024)
def _secret_key(key: str) -> bool:
    # Every log line runs this for each of its keys; the set of keys in use is small.
    return any(s in key.lower() for s in _SECRET_KEYS)


def _mask_pii(_: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(event.items()):
        if key in ("event", "level", "timestamp", "logger"):
            continue
        if method != "debug" and _secret_key(key):
            event[key] = "[redacted]"
        elif isinstance(value, str):
            event[key] = mask(value)
    return event


class _CurrentStderr:
    """sys.stderr looked up at every write: test runners and embedding programs swap it after
    logging is configured, and a stream captured once may be closed by then."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "info", *, json: bool = True, stream: Any = None) -> None:
    lvl = getattr(logging, level.upper(), logging.INFO)
    stream = stream or _CurrentStderr()
    logging.basicConfig(level=lvl, stream=stream, format="%(message)s")
    for noisy in ("aiohttp.access", "chromadb", "httpx", "jieba", "openai", "transitions"):
        logging.getLogger(noisy).setLevel(max(lvl, logging.WARNING))
    renderer: Any = structlog.processors.JSONRenderer(ensure_ascii=False) if json else (
        structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _mask_pii,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(lvl),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )
