"""Outbound rate limits: a recipient over their rate waits (not an attempt), others go at once."""

from __future__ import annotations

import asyncio

from bot.channels.delivery import Delivery
from bot.channels.limits import Limit, OutboundLimits
from bot.channels.registry import ChannelRegistry
from bot.conversation.model import MessageRecord
from bot.core.events import OutboundMessage
from bot.store import Store


async def test_a_chat_gets_one_message_a_second_and_other_chats_are_not_held_up(store: Store) -> None:
    sent: list[tuple[str, str]] = []

    async def sender(message: OutboundMessage) -> None:
        sent.append((message.customer_id, message.replies[0].text))

    channels = ChannelRegistry()
    channels.register("telegram", sender)
    delivery = Delivery(store.outbox, channels, limits=OutboundLimits({"telegram": Limit(30, 2.0)}))
    busy = await store.conversations.create("tg_1", "telegram", "zh")
    other = await store.conversations.create("tg_2", "telegram", "zh")
    for text in ("一", "二", "三"):
        await store.messages.add_outbound(MessageRecord(busy.id, "out", "agent", text), busy)
    await store.messages.add_outbound(MessageRecord(other.id, "out", "agent", "你好"), other)
    await delivery.drain()
    # 2 a second for one chat: the first goes at once (the bucket starts full up to its rate),
    # the other chat is not held up behind it
    assert ("tg_2", "你好") in sent and len([s for s in sent if s[0] == "tg_1"]) < 3
    deferred, _ = await store.outbox.list(status="pending")
    assert deferred and all(i.attempts == 0 for i in deferred)  # waiting is not a failed attempt
    await asyncio.sleep(1.2)  # the deferred rows kick the delivery themselves
    await delivery.settle(deferred=3)
    assert [t for c, t in sent if c == "tg_1"] == ["一", "二", "三"]
