"""What agents do: accept, reply, transfer, close — and who may do it."""

from __future__ import annotations

import asyncio

import pytest

from bot.handoff_results import Conflict, Forbidden, InvalidAction, NotFound
from tests.handoff.conftest import Env


async def queued(env: Env, customer: str = "cust-1") -> str:
    out = await env.handoff(await env.conversation(customer))
    assert out.conversation.state == "queued"
    return out.conversation.id


async def test_accept_moves_the_conversation_to_the_agent(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    conv_id = await queued(env)
    conv = await env.queue.accept(alice, conv_id)
    assert conv.state == "agent" and conv.agent_id == "alice" and conv.had_agent
    assert (await env.conv(conv_id)).state == "agent"
    handoff = await env.store.handoffs.open_for(conv_id)
    assert handoff is not None and handoff.agent_id == "alice" and handoff.assigned_at
    assert ("system", "人工客服 Alice 将为您服务。") in await env.transcript(conv_id)
    assert env.pushed[-1].conversation_id == conv_id  # pushed to the customer's channel


async def test_two_agents_accepting_at_once_exactly_one_wins(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    bob = await env.agent("bob", status="away")
    conv_id = await queued(env)
    results = await asyncio.gather(env.queue.accept(alice, conv_id), env.queue.accept(bob, conv_id),
                                   return_exceptions=True)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].extra["state"] == "agent"
    assert (await env.conv(conv_id)).agent_id == winners[0].agent_id


async def test_accept_of_unknown_conversation_is_not_found(env: Env) -> None:
    alice = await env.agent("alice")
    with pytest.raises(NotFound) as err:
        await env.queue.accept(alice, "nope")
    assert err.value.ident == "nope"


async def test_reply_is_stored_as_the_agent_and_only_by_the_assigned_agent(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    bob = await env.agent("bob", status="away")
    conv_id = await queued(env)
    with pytest.raises(Forbidden):
        await env.queue.reply(alice, conv_id, "你好")  # not accepted yet
    await env.queue.accept(alice, conv_id)
    with pytest.raises(Forbidden):
        await env.queue.reply(bob, conv_id, "我来回答")
    with pytest.raises(InvalidAction):
        await env.queue.reply(alice, conv_id, "   ")
    message = await env.queue.reply(alice, conv_id, "您好，我是 Alice，请问订单号是多少？")
    assert message.sender == "agent" and message.agent_id == "alice"
    stored = (await env.store.conversations.messages(conv_id))[-1]
    assert (stored.sender, stored.agent_id, stored.direction) == ("agent", "alice", "out")
    assert "Bob" not in str(await env.transcript(conv_id))


async def test_first_reply_is_stamped_once_on_the_handoff_and_the_ticket(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    conv_id = await queued(env)
    await env.queue.accept(alice, conv_id)
    await env.queue.reply(alice, conv_id, "one")
    handoff = await env.store.handoffs.open_for(conv_id)
    assert handoff is not None and handoff.first_agent_reply_at is not None
    first = handoff.first_agent_reply_at
    await env.queue.reply(alice, conv_id, "two")
    assert (await env.store.handoffs.open_for(conv_id)).first_agent_reply_at == first  # type: ignore[union-attr]
    ticket = (await env.tickets.get(handoff.ticket_id or "")).ticket
    assert ticket.first_response_at is not None and ticket.assignee == "alice"


async def test_transfer_to_another_agent_then_back_to_the_bot(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    bob = await env.agent("bob", status="away")
    conv_id = await queued(env)
    await env.queue.accept(alice, conv_id)
    moved = await env.queue.transfer(alice, conv_id, "bob")
    assert moved.state == "agent" and moved.agent_id == "bob"
    with pytest.raises(Forbidden):
        await env.queue.reply(alice, conv_id, "still me?")
    rows = await env.store.db.fetchall(
        "SELECT agent_id, outcome FROM handoffs WHERE conversation_id = ? ORDER BY id", (conv_id,))
    assert [tuple(r) for r in rows] == [("alice", "transferred"), ("bob", None)]
    await env.queue.reply(bob, conv_id, "Bob here")
    back = await env.queue.transfer(bob, conv_id, None)
    assert back.state == "bot" and back.agent_id is None
    assert (await env.store.handoffs.open_for(conv_id)) is None
    assert (await env.transcript(conv_id))[-1][0] == "system"
    assert await env.store.handoffs.active_counts() == {}


async def test_transfer_refusals(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    await env.agent("carol", status="offline")
    conv_id = await queued(env)
    await env.queue.accept(alice, conv_id)
    with pytest.raises(InvalidAction):
        await env.queue.transfer(alice, conv_id, "alice")
    with pytest.raises(NotFound):
        await env.queue.transfer(alice, conv_id, "nobody")
    with pytest.raises(Conflict):
        await env.queue.transfer(alice, conv_id, "carol")
    assert (await env.conv(conv_id)).agent_id == "alice"


async def test_close_asks_for_a_rating_and_frees_the_seat(env: Env) -> None:
    alice = await env.agent("alice", max_chats=1)
    first = await env.handoff(await env.conversation("c1"))
    second = await env.handoff(await env.conversation("c2"))
    assert second.conversation.state == "queued"
    closed = await env.queue.close(alice, first.conversation.id)
    assert closed.state == "rating"
    assert (await env.transcript(first.conversation.id))[-1] == (
        "system", "请为本次服务打分：回复 1-5（5 = 非常满意，1 = 非常不满意）。")
    assert (await env.conv(second.conversation.id)).agent_id == "alice"  # the freed seat was filled
    with pytest.raises(Conflict):
        await env.queue.close(alice, first.conversation.id)  # already closed
