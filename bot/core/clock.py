"""Timestamps as the store keeps them (ISO 8601 UTC with microseconds) and JSON as it writes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    return datetime.now(UTC)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def parse_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def dumps(value: Any) -> str:
    """Compact JSON that keeps Chinese readable in the database."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
