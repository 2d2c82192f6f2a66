"""Agents see and work only the tickets of conversations they handle or that wait in the queue."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.api.keys import SERVICES
from tests.conftest import auth


async def add_agent(client: TestClient, agent_id: str) -> dict[str, str]:
    s = client.server.app[SERVICES]
    _, token = await s.agents.add(agent_id, agent_id.title())
    await s.agents.set_status(agent_id, "away")  # no chats assigned automatically
    return auth(token)


async def handed_off(client: TestClient, customer_id: str, message: str = "我要人工") -> tuple[str, str]:
    """A conversation handed to the queue, as the dialogue does it; returns (conversation, ticket id)."""
    s = client.server.app[SERVICES]
    conv = await s.store.conversations.create(customer_id, "api", "zh")
    async with s.locks.hold(conv.channel, conv.customer_id):
        out = await s.handoff.enqueue(conv, reason="customer asked for a human", message=message)
        await s.store.conversations.save(out.conversation)
    page = await s.tickets.list(customer_id=customer_id)
    return conv.id, page.tickets[0].id


async def admin_ticket(client: TestClient, customer_id: str = "other") -> str:
    resp = await client.post("/api/tickets", json={"customer_id": customer_id, "title": "t"}, headers=auth())
    return (await resp.json())["id"]


async def ids(client: TestClient, headers: dict[str, str]) -> set[str]:
    resp = await client.get("/api/tickets", headers=headers)
    assert resp.status == 200
    return {t["id"] for t in (await resp.json())["tickets"]}


async def test_agent_lists_only_tickets_in_reach(client: TestClient) -> None:
    alice, bob = await add_agent(client, "alice"), await add_agent(client, "bob")
    conv, queued = await handed_off(client, "cust-q")
    unrelated = await admin_ticket(client)
    assert await ids(client, alice) == {queued} == await ids(client, bob)  # waiting: any agent may take it
    resp = await client.post(f"/api/handoffs/{conv}/accept", headers=alice)
    assert resp.status == 200, await resp.text()
    assert await ids(client, alice) == {queued}
    assert await ids(client, bob) == set()  # alice's chat now
    assert await ids(client, auth()) == {queued, unrelated}  # the admin sees everything


async def test_agent_cannot_read_or_change_a_ticket_out_of_reach(client: TestClient) -> None:
    alice = await add_agent(client, "alice")
    tid = await admin_ticket(client)
    assert (await client.get(f"/api/tickets/{tid}", headers=alice)).status == 403
    resp = await client.put(f"/api/tickets/{tid}", json={"status": "in_progress"}, headers=alice)
    assert resp.status == 403
    got = await (await client.get(f"/api/tickets/{tid}", headers=auth())).json()
    assert got["status"] == "open"
    assert (await client.get("/api/tickets/TK-999999", headers=alice)).status == 404


async def test_agent_cannot_assign_a_ticket_to_another_agent(client: TestClient) -> None:
    alice, _ = await add_agent(client, "alice"), await add_agent(client, "bob")
    _, tid = await handed_off(client, "cust-q")
    resp = await client.put(f"/api/tickets/{tid}", json={"assignee": "bob"}, headers=alice)
    assert resp.status == 403 and (await resp.json())["field"] == "assignee"
    resp = await client.put(f"/api/tickets/{tid}", json={"assignee": "alice", "status": "in_progress"},
                            headers=alice)
    assert resp.status == 200 and (await resp.json())["assignee"] == "alice"
    # The admin still reassigns freely.
    resp = await client.put(f"/api/tickets/{tid}", json={"assignee": "bob"}, headers=auth())
    assert resp.status == 200 and (await resp.json())["assignee"] == "bob"


async def test_bot_made_ticket_masks_phone_numbers_and_emails(client: TestClient) -> None:
    _, tid = await handed_off(client, "cust-pii", message="我的手机 13812345678，邮箱 ann.lee@example.com，快退款")
    got = await (await client.get(f"/api/tickets/{tid}", headers=auth())).json()
    assert "13812345678" not in got["description"] and "ann.lee@example.com" not in got["description"]
    assert "138****78" in got["description"] and "a***@example.com" in got["description"]
    assert "快退款" in got["description"]  # the rest of what the customer said stays
