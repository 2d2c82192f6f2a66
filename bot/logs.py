"""Structured JSON logs (structlog) carrying the conversation id; never message text or PII.

Message text is logged only at debug level; phone numbers, e-mail addresses and tokens that slip
into any event — the formatted exception text included — are masked by `_mask_pii` before rendering.
"""

from __future__ import annotations

import logging
import re
import sys
from functools import lru_cache
from typing import Any

import structlog

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Only phone-shaped numbers: a Chinese mobile (1[3-9] + 9 digits, optionally 3-4-4 grouped), a
# landline with its 0 area code and a hyphen, or an explicit +country-code number. Any run of
# digits would also hit timestamps ("2026-12-01T20:52:08"), order numbers and ids.
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"1[3-9]\d(?:[ -]?\d{4}){2}"
    r"|0\d{2,3}-\d{7,8}"
    r"|\+\d{1,3}[ -]?\d{1,4}(?:[ -]?\d{2,4}){2,4}"
    r")(?![\w-])",
    re.ASCII,
)
# Names that mark a value as a credential (also used to keep secrets out of stored channel settings).
SECRET_WORDS = ("token", "secret", "password", "api_key", "authorization")
_SECRET_KEYS = (*SECRET_WORDS, "text", "message")  # logs also keep customer text out at info


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
            structlog.processors.format_exc_info,  # first, so the traceback text is masked too
            _mask_pii,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(lvl),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )
