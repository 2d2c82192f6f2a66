from __future__ import annotations

import asyncio

import pytest

from bot.app import Services
from bot.core.events import InboundEvent
from bot.runtime import ShuttingDown


async def test_shutdown_finishes_in_flight_turns_and_refuses_new_ones(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = services.runtime
    original = services.dialogue.handle
    started = asyncio.Event()

    async def slow_handle(event: InboundEvent):  # a turn that is mid-way when shutdown begins
        started.set()
        await asyncio.sleep(0.2)
        return await original(event)

    monkeypatch.setattr(services.dialogue, "handle", slow_handle)
    turn = asyncio.create_task(runtime.feed(InboundEvent("api", "c", "怎么退款")))
    await started.wait()
    await runtime.shutdown(grace=5)
    body = turn.result()
    assert body["route"] == "faq"
    messages = await services.store.messages.messages(body["conversation_id"])
    assert len(messages) == 1 + len(body["replies"])  # the replies were stored before the store could close
    with pytest.raises(ShuttingDown):
        await runtime.feed(InboundEvent("api", "c", "再问一个"))


async def test_restart_resumes_the_conversation(settings) -> None:
    from bot.app import build_services

    async with build_services(settings) as s1:
        first = await s1.runtime.feed(InboundEvent("api", "carol", "How do I get a refund?"))
    async with build_services(settings) as s2:
        second = await s2.runtime.feed(InboundEvent("api", "carol", "ok"))
        again = await s2.runtime.feed(InboundEvent("api", "carol", "怎么退款", message_id="m1"))
    assert second["conversation_id"] == first["conversation_id"]
    assert second["language"] == "en"  # "ok" alone keeps the conversation's language
    async with build_services(settings) as s3:  # a retry after restart is still answered once
        dup = await s3.runtime.feed(InboundEvent("api", "carol", "怎么退款", message_id="m1"))
        assert dup == again
        stored = sum(1 + len(turn["replies"]) for turn in (first, second, again))
        assert len(await s3.store.messages.messages(first["conversation_id"])) == stored


async def test_message_ids_are_deduped_per_customer(services: Services) -> None:
    runtime, conversations = services.runtime, services.store.conversations
    d1 = await runtime.feed(InboundEvent("web", "d1", "我要退款", message_id="m-1"))
    # Another customer's message with the same id is their own message, not a retry of d1's.
    d2 = await runtime.feed(InboundEvent("web", "d2", "我要退款", message_id="m-1"))
    assert d2["conversation_id"] != d1["conversation_id"]
    d2_conv = await conversations.get(d2["conversation_id"])
    assert d2_conv is not None and d2_conv.customer_id == "d2"
    assert (await conversations.messages(d2["conversation_id"]))[0].text == "我要退款"
    # A retry of the same customer's message is still answered once, from memory and from the table.
    assert await runtime.feed(InboundEvent("web", "d1", "我要退款", message_id="m-1")) == d1
    assert await conversations.processed_result("web", "d2", "m-1") == d2
    assert await conversations.processed_result("web", "d1", "m-1") == d1
    assert len(await conversations.messages(d1["conversation_id"])) == 2
    assert len(await conversations.messages(d2["conversation_id"])) == 2
