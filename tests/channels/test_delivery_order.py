"""Two drains at once (the kicked one and the periodic round) still send in id order: one waits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bot.channels.delivery import Delivery
from bot.channels.registry import ChannelRegistry


@dataclass
class Row:
    id: int
    attempts: int = 0
    channel: str = "telegram"
    conversation_id: str = "c1"

    def outbound(self) -> Row:
        return self


class Outbox:
    def __init__(self, n: int) -> None:
        self.pending = list(range(1, n + 1))

    async def claim_due(self, now: str, lease_until: str) -> list[Row]:
        await asyncio.sleep(0)
        batch, self.pending = self.pending[:3], self.pending[3:]
        return [Row(i) for i in batch]

    async def mark(self, *args: Any) -> None:
        await asyncio.sleep(0)


class Channel:
    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def deliver(self, row: Row) -> str:
        for _ in range(3):  # a round trip: other tasks run meanwhile
            await asyncio.sleep(0)
        self.sent.append(row.id)
        return "sent"


async def test_concurrent_drains_keep_the_id_order() -> None:
    channel, registry = Channel(), ChannelRegistry()
    registry.add(channel)  # type: ignore[arg-type]
    delivery = Delivery(Outbox(20), registry)  # type: ignore[arg-type]
    handled = await asyncio.gather(delivery.drain(), delivery.drain(), delivery.drain())
    assert sum(handled) == 20 and channel.sent == list(range(1, 21))
