"""Entering the queue, assignment, and draining the queue when agents free up."""

from __future__ import annotations

import asyncio

from tests.handoff.conftest import Env


async def test_no_agent_online_queues_with_position_and_opens_a_ticket(env: Env) -> None:
    await env.agent("alice", status="offline")
    out = await env.handoff(reason="customer asked for a human", skill="refund")
    assert out.conversation.state == "queued" and out.agent_id is None and out.position == 1
    [reply] = out.replies
    assert "第 1 位" in reply.text
    assert out.ticket_id is not None and out.ticket_id in reply.text
    ticket = (await env.tickets.get(out.ticket_id)).ticket
    assert ticket.conversation_id == out.conversation.id and ticket.customer_id == "cust-1"
    handoff = await env.store.handoffs.open_for(out.conversation.id)
    assert handoff is not None and handoff.ticket_id == out.ticket_id and handoff.assigned_at is None
    assert handoff.reason == "customer asked for a human" and handoff.skill == "refund"


async def test_positions_follow_priority_then_arrival(env: Env) -> None:
    first = await env.handoff(await env.conversation("c1"))
    second = await env.handoff(await env.conversation("c2"))
    urgent = await env.handoff(await env.conversation("c3"), priority="urgent")
    assert (first.position, second.position, urgent.position) == (1, 2, 1)
    order = [h.customer_id for h in await env.store.handoffs.waiting()]
    assert order == ["c3", "c1", "c2"]


async def test_outside_online_hours_says_when_agents_are_back(closed_env: tuple[Env, str]) -> None:
    env, back = closed_env
    out = await env.handoff()
    assert out.conversation.state == "queued"
    assert back in out.replies[0].text and "第" not in out.replies[0].text
    assert out.ticket_id is not None  # nothing is lost overnight


async def test_free_agent_is_assigned_at_once(env: Env) -> None:
    await env.agent("alice", skills=("billing",))
    await env.agent("bob", skills=("refund",))
    out = await env.handoff(skill="refund")
    assert out.conversation.state == "agent" and out.conversation.agent_id == "bob" == out.agent_id
    assert "Bob" in out.replies[0].text
    handoff = await env.store.handoffs.open_for(out.conversation.id)
    assert handoff is not None and handoff.agent_id == "bob" and handoff.assigned_at == handoff.queued_at
    ticket = (await env.tickets.get(out.ticket_id or "")).ticket
    assert ticket.assignee == "bob"
    assert (await env.agents.get("bob")).last_assigned_at == handoff.assigned_at  # type: ignore[union-attr]


async def test_full_agents_do_not_get_more_chats(env: Env) -> None:
    await env.agent("alice", max_chats=1)
    one = await env.handoff(await env.conversation("c1"))
    two = await env.handoff(await env.conversation("c2"))
    assert one.conversation.state == "agent" and two.conversation.state == "queued"


async def test_concurrent_handoffs_never_overfill_an_agent(env: Env) -> None:
    await env.agent("alice", max_chats=2)
    convs = [await env.conversation(f"c{i}") for i in range(6)]
    outs = await asyncio.gather(*(env.handoff(c) for c in convs))
    assert sum(o.conversation.state == "agent" for o in outs) == 2
    assert await env.store.handoffs.active_counts() == {"alice": 2}


async def test_drain_assigns_waiting_conversations_in_priority_order(env: Env) -> None:
    await env.agent("alice", status="offline", max_chats=2)
    low = await env.handoff(await env.conversation("c1"), priority="low")
    normal = await env.handoff(await env.conversation("c2"))
    urgent = await env.handoff(await env.conversation("c3"), priority="urgent")
    assert await env.queue.drain_queue() == []  # nobody online
    await env.agents.set_status("alice", "online")
    assigned = await env.queue.drain_queue()
    assert assigned == [(urgent.conversation.id, "alice"), (normal.conversation.id, "alice")]
    assert (await env.conv(urgent.conversation.id)).state == "agent"
    assert (await env.conv(low.conversation.id)).state == "queued"
    assert ("system", "人工客服 Alice 将为您服务。") in await env.transcript(urgent.conversation.id)
    assert [m.conversation_id for m in env.pushed] == [urgent.conversation.id, normal.conversation.id,
                                                       low.conversation.id]
    # the one still waiting hears that the queue moved: first in line now
    assert "1" in env.pushed[-1].replies[0].text and env.pushed[-1].sender == "system"


async def test_drain_drops_handoffs_whose_conversation_left_the_queue(env: Env) -> None:
    out = await env.handoff()
    gone = env.queue._machine.fire(out.conversation, "close")  # e.g. closed for inactivity
    await env.store.conversations.save(gone)
    await env.agent("alice")
    assert await env.queue.drain_queue() == []
    assert await env.store.handoffs.waiting() == []


async def test_relay_is_silent_with_an_agent_and_repeats_the_position_while_waiting(env: Env) -> None:
    await env.agent("alice", max_chats=1)
    busy = await env.handoff(await env.conversation("c1"))
    waiting = await env.handoff(await env.conversation("c2"))
    before = env.queue.changes.version("alice")
    relayed = await env.queue.relay(busy.conversation, "还在吗？")
    assert relayed.replies == () and env.queue.changes.version("alice") > before
    again = await env.queue.relay(waiting.conversation, "还要等多久？")
    assert "第 1 位" in again.replies[0].text


async def test_long_poll_wakes_up_on_a_new_handoff(env: Env) -> None:
    await env.agent("alice", status="offline")
    since = env.queue.changes.version("alice")
    waiter = asyncio.create_task(env.queue.changes.wait("alice", since, 5))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await env.handoff()
    assert await asyncio.wait_for(waiter, 1) > since


async def test_enqueue_links_a_ticket_the_caller_opened(env: Env) -> None:
    conv = await env.conversation()
    view = await env.tickets.create(customer_id="cust-1", title="投诉", conversation_id=conv.id, channel="web")
    out = await env.handoff(conv, ticket_id=view.ticket.id)
    assert out.ticket_id == view.ticket.id
    assert (await env.store.db.fetchone("SELECT COUNT(*) AS n FROM tickets"))["n"] == 1


async def test_vip_customers_jump_the_queue_and_reach_the_vip_desk(env: Env) -> None:
    from bot.customers.service import CustomerService, CustomerUpdate

    await CustomerService(env.store).upsert("c-vip", CustomerUpdate(tags=["vip"]))
    plain = await env.handoff(await env.conversation("c1"))
    vip = await env.handoff(await env.conversation("c-vip"))
    assert (plain.position, vip.position) == (1, 1)  # the vip waits ahead of earlier normal customers
    assert [h.customer_id for h in await env.store.handoffs.waiting()] == ["c-vip", "c1"]
    assert (await env.tickets.get(vip.ticket_id or "")).ticket.priority == "high"

    await env.agent("alice", max_chats=1)
    await env.agent("vera", skills=("vip",), max_chats=1)
    assigned = dict(await env.queue.drain_queue())
    assert assigned == {vip.conversation.id: "vera", plain.conversation.id: "alice"}


async def test_a_handoff_ticket_is_typed_handoff_and_the_intent_only_routes(env: Env) -> None:
    out = await env.handoff(skill="human_agent")
    ticket = (await env.tickets.get(out.ticket_id or "")).ticket
    assert ticket.type == "handoff"
    handoff = await env.store.handoffs.open_for(out.conversation.id)
    assert handoff is not None and handoff.skill == "human_agent"
    flow = await env.handoff(await env.conversation("c2"), skill="refund_request", ticket_type="退款")
    assert (await env.tickets.get(flow.ticket_id or "")).ticket.type == "退款"


async def test_leaving_the_queue_ends_the_handoff_as_cancelled(env: Env) -> None:
    out = await env.handoff()
    left = await env.queue.leave_queue(out.conversation)
    assert left.conversation.state == "bot" and left.conversation.queued_at is None
    assert left.replies[0].text == "好的，已为您取消转人工。还有什么可以帮您？"
    handoff = await env.store.handoffs.last_for(out.conversation.id)
    assert handoff is not None and handoff.outcome == "cancelled" and handoff.ended_at
    assert await env.store.handoffs.waiting() == []
    ticket = (await env.tickets.get(out.ticket_id or "")).ticket
    assert ticket.status == "open"


async def test_cancelling_after_an_agent_claimed_the_chat_is_only_relayed(env: Env) -> None:
    out = await env.handoff()
    handoff = await env.store.handoffs.open_for(out.conversation.id)
    assert handoff is not None
    await env.agent("alice")
    assert await env.store.handoffs.claim(handoff.id, "alice", "2026-01-01T00:00:00+00:00")
    kept = await env.queue.leave_queue(out.conversation)
    assert kept.conversation.state == "queued" and kept.replies == ()
    assert (await env.store.handoffs.open_for(out.conversation.id)) is not None
