"""The log PII masker: phone-shaped numbers and e-mails are masked, timestamps and ids are not,
and the formatted exception text goes through the masker too."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from bot.logs import configure_logging, mask


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("2026-12-01T20:52:08", "2026-12-01T20:52:08"),
        ("queued_at 2026-12-01T20:52:08.123456+00:00", "queued_at 2026-12-01T20:52:08.123456+00:00"),
        ("2026-12-01 20:52:08", "2026-12-01 20:52:08"),
        ("order 20240101123", "order 20240101123"),
        ("ticket TK-000001 conv 58119e31", "ticket TK-000001 conv 58119e31"),
        ("call 13812345678 now", "call 138****78 now"),
        ("手机13812345678", "手机138****78"),
        ("138-1234-5678", "138****78"),
        ("+86 138 1234 5678", "+86****78"),
        ("+1 415-555-0100", "+1 ****00"),
        ("010-12345678", "010****78"),
        ("zhang@example.com", "z***@example.com"),
    ],
)
def test_mask(value: str, masked: str) -> None:
    assert mask(value) == masked


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Logging configured into a buffer; the previous structlog and root-logger setup is restored."""
    saved = structlog.get_config()
    handlers = list(logging.getLogger().handlers)
    stream = io.StringIO()
    configure_logging("info", json=True, stream=stream)
    try:
        yield stream
    finally:
        structlog.configure(**saved)
        root = logging.getLogger()
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)


def test_exception_text_and_timestamps_survive_masking_correctly(log_stream: io.StringIO) -> None:
    log = structlog.get_logger("test")
    try:
        raise ValueError("customer 13812345678 <zhang@example.com> not found")
    except ValueError:
        log.exception("lookup_failed", at="2026-12-01T20:52:08", order="20240101123")
    line = json.loads(log_stream.getvalue().strip().splitlines()[-1])
    assert "13812345678" not in line["exception"] and "138****78" in line["exception"]
    assert "zhang@example.com" not in line["exception"]
    assert (line["at"], line["order"]) == ("2026-12-01T20:52:08", "20240101123")
    assert "****" not in line["timestamp"]
