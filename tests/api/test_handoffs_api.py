"""The agent endpoints over HTTP: tokens, the queue board, accept/reply/transfer/close, customers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.api.keys import SERVICES
from bot.app import Services
from bot.customers.service import CustomerUpdate
from tests.conftest import auth


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def add_agent(client: TestClient, agent_id: str, status: str = "away", **kw: Any) -> str:
    s = services(client)
    _, token = await s.agents.add(agent_id, agent_id.title(), **kw)
    await s.agents.set_status(agent_id, status)
    return token


async def queued_conversation(client: TestClient, customer_id: str = "cust-1", **profile: Any) -> str:
    """A conversation the router handed off, waiting in the queue (as the dialogue would do it)."""
    s = services(client)
    if profile:
        await s.customers.upsert(customer_id, CustomerUpdate(**profile))
    conv = await s.store.conversations.create(customer_id, "api", "zh")
    async with s.locks.hold(conv.channel, conv.customer_id):
        out = await s.handoff.enqueue(conv, reason="customer asked for a human", priority="normal",
                                      skill=None, language="zh")
        await s.store.conversations.save(out.conversation)
    assert out.conversation.state == "queued"
    return conv.id


@pytest.mark.parametrize("headers", [{}, auth("wrong-token"), auth("x" * 43)])
async def test_bad_or_missing_token_is_401(client: TestClient, headers: dict) -> None:
    resp = await client.get("/api/handoffs", headers=headers)
    assert resp.status == 401 and (await resp.json())["error"] == "unauthorized"


async def test_agent_token_reads_the_queue_with_masked_customer_cards(client: TestClient) -> None:
    token = await add_agent(client, "alice")
    conv_id = await queued_conversation(client, name="张三", phone="13812345678", email="zhang@example.com",
                                        tags=["vip"])
    await add_agent(client, "bob")
    resp = await client.get("/api/handoffs", headers=auth(token))
    assert resp.status == 200
    body = await resp.json()
    [card] = body["queue"]
    assert card["conversation_id"] == conv_id and card["position"] == 1
    assert card["reason"] == "customer asked for a human" and card["ticket_id"]
    assert card["customer"]["phone"] == "138****5678" and card["customer"]["email"] == "z***@example.com"
    assert card["customer"]["tags"] == ["vip"]
    assert "13812345678" not in await resp.text() and "zhang@example.com" not in await resp.text()
    assert body["mine"] == [] and isinstance(body["version"], int)


async def test_opening_the_profile_is_only_for_customers_in_reach(client: TestClient) -> None:
    token = await add_agent(client, "alice")
    await queued_conversation(client, "cust-1", phone="13812345678")
    await services(client).customers.upsert("stranger", CustomerUpdate(phone="13900001111"))
    resp = await client.get("/api/customers/cust-1", headers=auth(token))
    # privacy.mask_for_agents (on by default): masked until revealed (tests/api/test_customers_masking.py)
    assert resp.status == 200 and (await resp.json())["customer"]["phone"] == "138****5678"
    assert (await client.get("/api/customers/stranger", headers=auth(token))).status == 403
    admin = await client.get("/api/customers/stranger", headers=auth())
    assert admin.status == 200 and (await admin.json())["customer"]["phone"] == "13900001111"


async def test_accept_reply_close_over_http(client: TestClient) -> None:
    token = await add_agent(client, "alice")
    conv_id = await queued_conversation(client)
    resp = await client.post(f"/api/handoffs/{conv_id}/accept", headers=auth(token))
    assert resp.status == 200 and (await resp.json()) == {"conversation_id": conv_id, "state": "agent",
                                                         "agent_id": "alice"}
    resp = await client.post(f"/api/conversations/{conv_id}/reply", json={"text": "您好"}, headers=auth(token))
    assert resp.status == 200 and (await resp.json())["message"]["sender"] == "agent"
    transcript = await (await client.get(f"/api/conversations/{conv_id}/messages", headers=auth())).json()
    assert transcript["messages"][-1]["sender"] == "agent" and transcript["messages"][-1]["agent_id"] == "alice"
    mine = (await (await client.get("/api/handoffs", headers=auth(token))).json())["mine"]
    assert [c["conversation_id"] for c in mine] == [conv_id]
    resp = await client.post(f"/api/conversations/{conv_id}/close", headers=auth(token))
    assert resp.status == 200 and (await resp.json())["state"] == "rating"


async def _ticket_of(client: TestClient, conv_id: str) -> dict:
    board = await (await client.get("/api/tickets", params={"customer_id": "cust-1"}, headers=auth())).json()
    [ticket] = [t for t in board["tickets"] if t["conversation_id"] == conv_id]
    return await (await client.get(f"/api/tickets/{ticket['id']}", headers=auth())).json()


async def test_closing_the_chat_resolves_its_ticket_unless_kept_open(client: TestClient) -> None:
    token = await add_agent(client, "alice")
    conv_id = await queued_conversation(client)
    await client.post(f"/api/handoffs/{conv_id}/accept", headers=auth(token))
    resp = await client.post(f"/api/conversations/{conv_id}/close", headers=auth(token))
    assert resp.status == 200
    ticket = await _ticket_of(client, conv_id)
    assert ticket["status"] == "resolved"
    assert any("resolved" in json.dumps(e) and e.get("actor") == "alice" for e in ticket["events"]), ticket

    other = await add_agent(client, "bob")
    conv2 = await queued_conversation(client, "cust-1")
    await client.post(f"/api/handoffs/{conv2}/accept", headers=auth(other))
    resp = await client.post(f"/api/conversations/{conv2}/close", json={"keep_ticket_open": True}, headers=auth(other))
    assert resp.status == 200
    assert (await _ticket_of(client, conv2))["status"] not in ("resolved", "closed")
    bad = await client.post(f"/api/conversations/{conv2}/close", json={"keep_ticket_open": "yes please"},
                            headers=auth(other))
    assert bad.status in (400, 409)


async def test_concurrent_accepts_one_200_one_409(client: TestClient) -> None:
    alice = await add_agent(client, "alice")
    bob = await add_agent(client, "bob")
    conv_id = await queued_conversation(client)
    responses = await asyncio.gather(
        client.post(f"/api/handoffs/{conv_id}/accept", headers=auth(alice)),
        client.post(f"/api/handoffs/{conv_id}/accept", headers=auth(bob)),
    )
    assert sorted(r.status for r in responses) == [200, 409]
    conflict = next(r for r in responses if r.status == 409)
    assert (await conflict.json())["error"] == "conflict"


async def test_reply_to_someone_elses_conversation_is_403(client: TestClient) -> None:
    alice = await add_agent(client, "alice")
    bob = await add_agent(client, "bob")
    conv_id = await queued_conversation(client)
    await client.post(f"/api/handoffs/{conv_id}/accept", headers=auth(alice))
    resp = await client.post(f"/api/conversations/{conv_id}/reply", json={"text": "hi"}, headers=auth(bob))
    assert resp.status == 403 and "not assigned to you" in (await resp.json())["message"]
    assert (await client.get(f"/api/handoffs/{conv_id}", headers=auth(bob))).status == 403
    assert (await client.post(f"/api/conversations/{conv_id}/close", headers=auth(bob))).status == 403


async def test_admin_token_cannot_act_for_an_agent(client: TestClient) -> None:
    conv_id = await queued_conversation(client)
    resp = await client.post(f"/api/handoffs/{conv_id}/accept", headers=auth())
    assert resp.status == 403 and (await resp.json())["error"] == "agent_token_required"
    assert (await client.get("/api/handoffs", headers=auth())).status == 200  # reading is fine


async def test_unknown_ids_are_404_with_the_id(client: TestClient) -> None:
    token = await add_agent(client, "alice")
    for method, path in [("post", "/api/handoffs/nope/accept"), ("get", "/api/handoffs/nope"),
                         ("post", "/api/conversations/nope/close")]:
        resp = await getattr(client, method)(path, headers=auth(token))
        assert resp.status == 404 and (await resp.json())["id"] == "nope"
    assert (await (await client.get("/api/customers/nope", headers=auth())).json())["id"] == "nope"


async def test_transfer_to_agent_and_back_to_bot(client: TestClient) -> None:
    alice = await add_agent(client, "alice")
    bob = await add_agent(client, "bob")
    conv_id = await queued_conversation(client)
    await client.post(f"/api/handoffs/{conv_id}/accept", headers=auth(alice))
    await services(client).agents.set_status("bob", "online")  # only online agents take transfers
    resp = await client.post(f"/api/conversations/{conv_id}/transfer", json={"to_agent_id": "bob"},
                             headers=auth(alice))
    assert resp.status == 200 and (await resp.json())["agent_id"] == "bob"
    resp = await client.post(f"/api/conversations/{conv_id}/transfer", json={"to_agent_id": "ghost"},
                             headers=auth(bob))
    assert resp.status == 404 and (await resp.json())["id"] == "ghost"
    resp = await client.post(f"/api/conversations/{conv_id}/transfer", json={}, headers=auth(bob))
    assert resp.status == 400 and (await resp.json())["field"] == "to_agent_id"
    resp = await client.post(f"/api/conversations/{conv_id}/transfer", json={"to_agent_id": None},
                             headers=auth(bob))
    assert resp.status == 200 and (await resp.json())["state"] == "bot"


async def test_going_online_takes_waiting_chats(client: TestClient) -> None:
    token = await add_agent(client, "alice", status="offline")
    conv_id = await queued_conversation(client)
    resp = await client.post("/api/agents/me/status", json={"status": "online"}, headers=auth(token))
    body = await resp.json()
    assert resp.status == 200 and body["agent"]["status"] == "online"
    assert body["assigned"] == [{"conversation_id": conv_id, "agent_id": "alice"}]
    resp = await client.post("/api/agents/me/status", json={"status": "busy"}, headers=auth(token))
    assert resp.status == 400 and (await resp.json())["field"] == "status"
    me = await (await client.get("/api/agents/me", headers=auth(token))).json()
    assert me["agent"]["id"] == "alice"


async def test_long_poll_returns_early_when_a_handoff_arrives(client: TestClient) -> None:
    token = await add_agent(client, "alice")
    version = (await (await client.get("/api/handoffs", headers=auth(token))).json())["version"]
    poll = asyncio.create_task(client.get(f"/api/handoffs?wait=10&since={version}", headers=auth(token)))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await queued_conversation(client)
    resp = await asyncio.wait_for(poll, 3)
    body = await resp.json()
    assert body["version"] > version and len(body["queue"]) == 1
    bad = await client.get("/api/handoffs?wait=99", headers=auth(token))
    assert bad.status == 400 and (await bad.json())["field"] == "wait"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"email": "nope"}, "email"), ({"total_orders": -1}, "total_orders"), ({"phone": "abc"}, "phone"),
     ({"last_purchase": "2024-13-01"}, "last_purchase"), ({"unknown": 1}, "unknown")],
)
async def test_customer_put_validation_names_the_field(client: TestClient, body: dict, field: str) -> None:
    resp = await client.put("/api/customers/c9", json=body, headers=auth())
    assert resp.status == 400 and (await resp.json())["field"] == field
    assert await services(client).customers.get("c9") is None  # nothing written


async def test_customer_put_upserts(client: TestClient) -> None:
    resp = await client.put("/api/customers/c9", json={"name": "Ann", "tags": ["vip"]}, headers=auth())
    assert resp.status == 201 and (await resp.json())["created"] is True
    resp = await client.put("/api/customers/c9", json={"total_spent": 120.5}, headers=auth())
    body = await resp.json()
    assert resp.status == 200 and body["customer"]["name"] == "Ann" and body["customer"]["total_spent"] == 120.5
    token = await add_agent(client, "alice")
    assert (await client.put("/api/customers/c9", json={"name": "x"}, headers=auth(token))).status == 401


async def test_console_is_a_static_page_with_a_strict_policy(client: TestClient) -> None:
    resp = await client.get("/console")
    assert resp.status == 200 and resp.content_type == "text/html"
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'sha256-" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    page = await resp.text()
    assert "innerHTML" not in page and "textContent" in page


async def say(client: TestClient, text: str, customer_id: str = "e2e") -> dict:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": customer_id, "message": text},
                             headers=auth())
    assert resp.status == 200
    return await resp.json()


async def test_customer_to_agent_and_rating_end_to_end(client: TestClient) -> None:
    token = await add_agent(client, "alice", status="offline")
    first = await say(client, "转人工")
    assert (first["route"], first["state"]) == ("handoff", "queued") and first["ticket_id"]
    conv_id = first["conversation_id"]
    assert (await client.post(f"/api/handoffs/{conv_id}/accept", headers=auth(token))).status == 200
    relayed = await say(client, "我的订单还没到")
    assert (relayed["route"], relayed["state"], relayed["replies"]) == ("relay", "agent", [])
    await client.post(f"/api/conversations/{conv_id}/reply", json={"text": "马上帮您查"}, headers=auth(token))
    await client.post(f"/api/conversations/{conv_id}/close", headers=auth(token))
    retry = await say(client, "6")
    assert retry["state"] == "rating"
    rated = await say(client, "5分")
    assert rated["state"] == "closed"
    ratings = await services(client).store.ratings.for_conversation(conv_id)
    assert [(r.score, r.agent_id, r.ticket_id) for r in ratings] == [(5, "alice", first["ticket_id"])]


async def test_an_expired_agent_token_is_401(client: TestClient) -> None:
    token = await add_agent(client, "old-timer")
    s = services(client)
    ttl = s.settings.agents.token_ttl_days
    issued = (datetime.now(UTC) - timedelta(days=ttl, minutes=1)).isoformat()
    await s.store.db.execute("UPDATE agents SET token_issued_at = ? WHERE id = ?", (issued, "old-timer"))
    resp = await client.get("/api/handoffs", headers=auth(token))
    assert resp.status == 401 and "expired" in (await resp.json())["message"]
    fresh = await s.agents.rotate_token("old-timer")
    assert (await client.get("/api/handoffs", headers=auth(fresh))).status == 200


async def test_capacity_is_enforced_on_accept_and_transfer(client: TestClient) -> None:
    a1 = await add_agent(client, "a1")
    a3 = await add_agent(client, "a3", max_concurrent_chats=1)
    await add_agent(client, "amy")  # away
    first, second, third = [await queued_conversation(client, c) for c in ("c1", "c2", "c3")]
    assert (await client.post(f"/api/handoffs/{first}/accept", headers=auth(a3))).status == 200
    resp = await client.post(f"/api/handoffs/{second}/accept", headers=auth(a3))
    body = await resp.json()
    assert resp.status == 409 and body["error"] == "agent_full" and body["agent_id"] == "a3"
    assert "a3" in body["message"]
    assert (await client.post(f"/api/handoffs/{third}/accept", headers=auth(a1))).status == 200
    await services(client).agents.set_status("a3", "online")
    resp = await client.post(f"/api/conversations/{third}/transfer", json={"to_agent_id": "a3"}, headers=auth(a1))
    assert resp.status == 409 and (await resp.json())["error"] == "agent_full"
    resp = await client.post(f"/api/conversations/{third}/transfer", json={"to_agent_id": "amy"}, headers=auth(a1))
    body = await resp.json()
    assert resp.status == 409 and body["error"] == "agent_unavailable" and body["agent_id"] == "amy"
    assert (await services(client).store.conversations.get(third)).agent_id == "a1"  # type: ignore[union-attr]


async def test_going_offline_requeues_chats_and_away_keeps_them(client: TestClient) -> None:
    alice = await add_agent(client, "alice", status="online")
    first = await say(client, "转人工", "c-1")
    conv_id = first["conversation_id"]
    assert (first["state"], first["ticket_id"] is not None) == ("agent", True)
    resp = await client.post("/api/agents/me/status", json={"status": "away"}, headers=auth(alice))
    assert resp.status == 200 and (await resp.json())["requeued"] == []
    assert (await say(client, "还在吗", "c-1"))["state"] == "agent"  # away keeps the chat
    resp = await client.post("/api/agents/me/status", json={"status": "offline"}, headers=auth(alice))
    assert resp.status == 200 and (await resp.json())["requeued"] == [conv_id]
    waiting = await say(client, "有人吗", "c-1")
    assert (waiting["state"], waiting["route"]) == ("queued", "relay")
    assert "第 1 位" in waiting["replies"][0]["text"]  # not the silent [] of a chat nobody answers
    bob = await add_agent(client, "bob", status="offline")
    resp = await client.post("/api/agents/me/status", json={"status": "online"}, headers=auth(bob))
    assert (await resp.json())["assigned"] == [{"conversation_id": conv_id, "agent_id": "bob"}]
    ticket = (await services(client).tickets.get(first["ticket_id"])).ticket
    assert ticket.assignee == "bob"


async def test_a_priority_tag_matches_whatever_case_the_crm_sent(client: TestClient) -> None:
    conv_id = await queued_conversation(client, tags=[" VIP "])  # agents.priority_tags: [vip]
    handoff = await services(client).store.handoffs.open_for(conv_id)
    assert handoff is not None and handoff.priority == "high"
    assert (await services(client).customers.tags("cust-1")) == ("VIP",)  # the operator's spelling


async def test_agents_list_their_colleagues_for_a_transfer(client: TestClient) -> None:
    token = await add_agent(client, "alice", "online")
    await add_agent(client, "bob", "online")
    resp = await client.get("/api/agents", headers=auth(token))
    assert resp.status == 200
    agents = {a["id"]: a for a in (await resp.json())["agents"]}
    assert agents["bob"]["status"] == "online" and agents["bob"]["free_seats"] >= 1
    assert not any("token" in key for a in agents.values() for key in a)
    assert (await client.get("/api/agents")).status == 401
