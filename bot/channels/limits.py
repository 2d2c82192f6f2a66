"""Outbound rate limits per channel and per recipient (Telegram allows about 30 messages a second
overall and 1 a second per chat; WeChat counts custom messages against quotas).

The delivery service asks before each send; a row over the limit is not sent and not counted as
an attempt: it is deferred a moment (the limiters are aiolimiter's leaky buckets).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from aiolimiter import AsyncLimiter

RECIPIENTS = 10_000  # per-recipient buckets kept (least recently used dropped)


@dataclass(frozen=True, slots=True)
class Limit:
    per_second: float | None = None  # the channel overall
    per_recipient: float | None = None  # one customer


class OutboundLimits:
    def __init__(self, limits: dict[str, Limit]) -> None:
        self._limits = {k: v for k, v in limits.items() if v.per_second or v.per_recipient}
        self._channel: dict[str, AsyncLimiter] = {}
        self._recipient: OrderedDict[tuple[str, str], AsyncLimiter] = OrderedDict()

    def applies_to(self, channel: str) -> bool:
        return channel in self._limits

    def spacing(self, channel: str) -> float:
        """Seconds between two messages to one recipient of the channel (0: no such limit)."""
        limit = self._limits.get(channel)
        return 1.0 / limit.per_recipient if limit and limit.per_recipient else 0.0

    async def wait_for(self, channel: str, customer_id: str) -> float:
        """0 when a message may go now (and it is counted), else seconds to wait before trying."""
        limit = self._limits.get(channel)
        if limit is None:
            return 0.0
        buckets: list[tuple[AsyncLimiter, float]] = []
        if limit.per_second:
            bucket = self._channel.get(channel)
            if bucket is None:
                bucket = self._channel[channel] = _bucket(limit.per_second)
            buckets.append((bucket, limit.per_second))
        if limit.per_recipient:
            key = (channel, customer_id)
            bucket = self._recipient.get(key)
            if bucket is None:
                bucket = self._recipient[key] = _bucket(limit.per_recipient)
                if len(self._recipient) > RECIPIENTS:
                    self._recipient.popitem(last=False)
            self._recipient.move_to_end(key)
            buckets.append((bucket, limit.per_recipient))
        for bucket, rate in buckets:
            if not bucket.has_capacity():
                return 1.0 / rate
        for bucket, _ in buckets:
            await bucket.acquire()  # has capacity (checked above): returns at once
        return 0.0


def _bucket(rate: float) -> AsyncLimiter:
    # Fractional rates (0.5 a second) as "1 per 2 s"; whole ones as "N per second".
    return AsyncLimiter(rate, 1) if rate >= 1 else AsyncLimiter(1, 1 / rate)
