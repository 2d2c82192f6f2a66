"""Distributions and fast helpers for the reports benchmark's synthetic history."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

DAYS = 90
AGENTS = 50
CHANNELS = (("wechat", 45), ("web", 25), ("app", 15), ("telegram", 10), ("phone", 5))
INTENTS = (
    "refund",
    "shipping",
    "order_status",
    "invoice",
    "warranty",
    "return",
    "payment",
    "account",
    "coupon",
    "complaint",
    "address_change",
    "cancel_order",
    "product_info",
    "installation",
    "greeting",
)
ROUTES = (("faq", 50), ("llm", 20), ("collect", 10), ("ticket", 8), ("handoff", 7), ("fallback", 5))
TYPES = (("refund", 25), ("logistics", 25), ("complaint", 15), ("billing", 10), ("technical", 15), ("general", 10))
PRIORITIES = (
    ("low", 20, 14400, 259200),
    ("normal", 55, 3600, 86400),
    ("high", 20, 1800, 28800),
    ("urgent", 5, 600, 14400),
)  # (name, weight, response target s, resolution target s)
SCORES = ((5, 50), (4, 25), (3, 10), (2, 7), (1, 8))
HOURS = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 8, 9, 10, 10, 9, 8, 8, 9, 8, 6, 4, 2]


class Iso:
    """Epoch seconds → the store's ISO text; date and time-of-day parts are cached, since this is
    the hot spot of seeding (~3 million timestamps)."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}
        self._hms = [f"{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)]

    def __call__(self, ts: float) -> str:
        us = int(ts * 1_000_000)
        secs, frac = divmod(us, 1_000_000)
        day, sec = divmod(secs, 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
        return f"{prefix}{self._hms[sec]}{frac:06d}+00:00"


def picker(rng: random.Random, table: tuple[tuple[Any, ...], ...]) -> Callable[[], Any]:
    population = [row[0] if len(row) == 2 else row for row in table]
    weights = [row[1] for row in table]
    cum = list(accumulate(weights))

    def pick() -> Any:
        return rng.choices(population, cum_weights=cum)[0]

    return pick


def accumulate(values: list[int]) -> Iterator[int]:
    total = 0
    for v in values:
        total += v
        yield total
