"""What agents do: accept, reply, transfer, close — and who may do it."""

from __future__ import annotations

import asyncio

import pytest

from bot.handoff.results import Conflict, Forbidden, InvalidAction, NotFound
from bot.handoff.seats import AgentFull, AgentUnavailable
from tests.handoff.conftest import Env


async def queued(env: Env, customer: str = "cust-1") -> str:
    out = await env.handoff(await env.conversation(customer))
    assert out.conversation.state == "queued"
    return out.conversation.id


async def test_accept_moves_the_conversation_to_the_agent(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    conv_id = await queued(env)
    conv = await env.desk.accept(alice, conv_id)
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
    results = await asyncio.gather(env.desk.accept(alice, conv_id), env.desk.accept(bob, conv_id),
                                   return_exceptions=True)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].extra["state"] == "agent"
    assert (await env.conv(conv_id)).agent_id == winners[0].agent_id


async def test_accept_of_unknown_conversation_is_not_found(env: Env) -> None:
    alice = await env.agent("alice")
    with pytest.raises(NotFound) as err:
        await env.desk.accept(alice, "nope")
    assert err.value.ident == "nope"


async def test_reply_is_stored_as_the_agent_and_only_by_the_assigned_agent(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    bob = await env.agent("bob", status="away")
    conv_id = await queued(env)
    with pytest.raises(Forbidden):
        await env.desk.reply(alice, conv_id, "你好")  # not accepted yet
    await env.desk.accept(alice, conv_id)
    with pytest.raises(Forbidden):
        await env.desk.reply(bob, conv_id, "我来回答")
    with pytest.raises(InvalidAction):
        await env.desk.reply(alice, conv_id, "   ")
    message = await env.desk.reply(alice, conv_id, "您好，我是 Alice，请问订单号是多少？")
    assert message.sender == "agent" and message.agent_id == "alice"
    stored = (await env.store.messages.messages(conv_id))[-1]
    assert (stored.sender, stored.agent_id, stored.direction) == ("agent", "alice", "out")
    assert "Bob" not in str(await env.transcript(conv_id))


async def test_first_reply_is_stamped_once_on_the_handoff_and_the_ticket(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    conv_id = await queued(env)
    await env.desk.accept(alice, conv_id)
    await env.desk.reply(alice, conv_id, "one")
    handoff = await env.store.handoffs.open_for(conv_id)
    assert handoff is not None and handoff.first_agent_reply_at is not None
    first = handoff.first_agent_reply_at
    await env.desk.reply(alice, conv_id, "two")
    assert (await env.store.handoffs.open_for(conv_id)).first_agent_reply_at == first  # type: ignore[union-attr]
    ticket = (await env.tickets.get(handoff.ticket_id or "")).ticket
    assert ticket.first_response_at is not None and ticket.assignee == "alice"


async def test_transfer_to_another_agent_then_back_to_the_bot(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    bob = await env.agent("bob", status="away")
    conv_id = await queued(env)
    await env.desk.accept(alice, conv_id)
    await env.agents.set_status("bob", "online")  # only online agents take transfers
    moved = await env.desk.transfer(alice, conv_id, "bob")
    assert moved.state == "agent" and moved.agent_id == "bob"
    with pytest.raises(Forbidden):
        await env.desk.reply(alice, conv_id, "still me?")
    rows = await env.store.db.fetchall(
        "SELECT agent_id, outcome FROM handoffs WHERE conversation_id = ? ORDER BY id", (conv_id,))
    assert [tuple(r) for r in rows] == [("alice", "transferred"), ("bob", None)]
    await env.desk.reply(bob, conv_id, "Bob here")
    back = await env.desk.transfer(bob, conv_id, None)
    assert back.state == "bot" and back.agent_id is None
    assert (await env.store.handoffs.open_for(conv_id)) is None
    assert (await env.transcript(conv_id))[-1][0] == "system"
    assert await env.store.handoffs.active_counts() == {}


async def test_transfer_refusals(env: Env) -> None:
    alice = await env.agent("alice", status="away")
    await env.agent("carol", status="offline")
    conv_id = await queued(env)
    await env.desk.accept(alice, conv_id)
    with pytest.raises(InvalidAction):
        await env.desk.transfer(alice, conv_id, "alice")
    with pytest.raises(NotFound):
        await env.desk.transfer(alice, conv_id, "nobody")
    with pytest.raises(Conflict):
        await env.desk.transfer(alice, conv_id, "carol")
    assert (await env.conv(conv_id)).agent_id == "alice"


async def test_close_asks_for_a_rating_and_frees_the_seat(env: Env) -> None:
    alice = await env.agent("alice", max_chats=1)
    first = await env.handoff(await env.conversation("c1"))
    second = await env.handoff(await env.conversation("c2"))
    assert second.conversation.state == "queued"
    closed = await env.desk.close(alice, first.conversation.id)
    assert closed.state == "rating"
    assert (await env.transcript(first.conversation.id))[-1] == (
        "system", "请为本次服务打分：回复 1-5（5 = 非常满意，1 = 非常不满意）。")
    assert (await env.conv(second.conversation.id)).agent_id == "alice"  # the freed seat was filled
    with pytest.raises(Conflict):
        await env.desk.close(alice, first.conversation.id)  # already closed


async def test_accept_refuses_an_agent_at_capacity(env: Env) -> None:
    a3 = await env.agent("a3", status="away", max_chats=1)
    first, second = await queued(env, "c1"), await queued(env, "c2")
    await env.desk.accept(a3, first)
    with pytest.raises(AgentFull) as err:
        await env.desk.accept(a3, second)
    assert err.value.extra["agent_id"] == "a3" and err.value.extra["max_concurrent_chats"] == 1
    assert (await env.conv(second)).state == "queued"
    assert (await env.store.handoffs.open_for(second)).assigned_at is None  # type: ignore[union-attr]


async def test_one_seat_two_accepts_at_once_exactly_one_wins(env: Env) -> None:
    a3 = await env.agent("a3", status="away", max_chats=1)
    first, second = await queued(env, "c1"), await queued(env, "c2")
    results = await asyncio.gather(env.desk.accept(a3, first), env.desk.accept(a3, second),
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["AgentFull", "Conversation"]
    assert await env.store.handoffs.active_counts() == {"a3": 1}


async def test_transfer_needs_an_online_target_with_a_free_seat(env: Env) -> None:
    a1 = await env.agent("a1", status="away")
    await env.agent("a3", status="away", max_chats=1)
    await env.agent("amy", status="away")
    own, third = await queued(env, "c1"), await queued(env, "c2")
    await env.desk.accept(await env.agents.get("a3"), own)  # type: ignore[arg-type]
    await env.desk.accept(a1, third)
    with pytest.raises(AgentUnavailable) as away:
        await env.desk.transfer(a1, third, "amy")
    assert away.value.extra == {"agent_id": "amy", "agent_status": "away"}
    await env.agents.set_status("a3", "online")
    with pytest.raises(AgentFull) as full:
        await env.desk.transfer(a1, third, "a3")
    assert full.value.extra["agent_id"] == "a3"
    rows = await env.store.db.fetchall("SELECT agent_id, outcome FROM handoffs WHERE conversation_id = ?", (third,))
    assert [tuple(r) for r in rows] == [("a1", None)]  # nothing moved
    assert (await env.conv(third)).agent_id == "a1"


async def test_going_offline_requeues_open_chats_and_tells_the_customer(env: Env) -> None:
    await env.agent("alice")
    out = await env.handoff(await env.conversation("c1"), priority="high", skill="refund")
    conv_id = out.conversation.id
    assert out.agent_id == "alice"
    before = await env.store.handoffs.open_for(conv_id)
    await env.agents.set_status("alice", "offline")
    assert await env.desk.requeue_chats_of("alice") == [conv_id]
    conv = await env.conv(conv_id)
    assert (conv.state, conv.agent_id, conv.priority) == ("queued", None, "high")
    rows = await env.store.db.fetchall(
        "SELECT agent_id, outcome, assigned_at IS NULL AS waiting FROM handoffs WHERE conversation_id = ? "
        "ORDER BY id", (conv_id,))
    assert [tuple(r) for r in rows] == [("alice", "requeued", 0), (None, None, 1)]
    now = await env.store.handoffs.open_for(conv_id)
    assert now is not None and before is not None
    assert (now.ticket_id, now.priority, now.skill, now.language) == (
        before.ticket_id, "high", "refund", "zh")
    assert (await env.transcript(conv_id))[-1] == (
        "system", "抱歉，为您服务的人工客服已下线，我们正在为您转接其他客服。"
                  "正在为您转接人工客服，您目前排在第 1 位，请稍候。")
    assert env.pushed[-1].conversation_id == conv_id
    assert await env.desk.requeue_chats_of("alice") == []  # nothing left


async def test_requeued_chats_go_to_a_free_agent_at_once(env: Env) -> None:
    await env.agent("alice")
    conv_id = (await env.handoff(await env.conversation("c1"))).conversation.id
    await env.agent("bob")
    await env.agents.set_status("alice", "offline")
    await env.desk.requeue_chats_of("alice")
    conv = await env.conv(conv_id)
    assert (conv.state, conv.agent_id) == ("agent", "bob")
    assert (await env.transcript(conv_id))[-1] == ("system", "人工客服 Bob 将为您服务。")
    ticket_id = (await env.store.handoffs.open_for(conv_id)).ticket_id  # type: ignore[union-attr]
    assert (await env.tickets.get(ticket_id or "")).ticket.assignee == "bob"
