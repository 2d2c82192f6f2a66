"""privacy.mask_for_agents: agents read phone numbers and e-mails masked — in the transcript, the
queue board, the opened profile and tickets — until they reveal one on purpose, which the audit
trail records (who, which field, when; never the value). The admin reads everything in full."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.app import Services
from bot.config import load_settings
from bot.customers.service import CustomerUpdate
from tests.conftest import auth, write_project

PHONE, EMAIL = "13812345678", "ann.lee@example.com"
SAID = f"我的手机 {PHONE}，邮箱 {EMAIL}，订单 2024120112345 还没到"


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def agent(client: TestClient, agent_id: str = "alice") -> dict[str, str]:
    _, token = await services(client).agents.add(agent_id, agent_id.title())
    await services(client).agents.set_status(agent_id, "away")  # nothing assigned on its own
    return auth(token)


async def waiting_customer(client: TestClient, customer_id: str = "c-pii") -> str:
    """A customer who gave their phone and e-mail in the chat and asked for a human."""
    await services(client).customers.upsert(customer_id, CustomerUpdate(name="Ann", phone=PHONE, email=EMAIL))
    for text in (SAID, "转人工"):
        resp = await client.post("/api/message", json={"channel": "api", "customer_id": customer_id,
                                                       "message": text}, headers=auth())
        assert resp.status == 200
    body = await resp.json()
    assert body["state"] == "queued", body
    return str(body["conversation_id"])


async def test_agents_read_the_transcript_board_profile_and_ticket_masked(client: TestClient) -> None:
    alice = await agent(client)
    conv = await waiting_customer(client)
    reads = {
        "board": await client.get("/api/handoffs", headers=alice),
        "conversation": await client.get(f"/api/handoffs/{conv}", headers=alice),
        "profile": await client.get("/api/customers/c-pii", headers=alice),
        "tickets": await client.get("/api/tickets", headers=alice),
    }
    for name, resp in reads.items():
        text = await resp.text()
        assert resp.status == 200, name
        assert PHONE not in text and EMAIL not in text, name
    view = await reads["conversation"].json()
    [said] = [m["text"] for m in view["messages"] if m["text"].startswith("我的手机")]
    assert said == "我的手机 138****78，邮箱 a***@example.com，订单 2024120112345 还没到"  # the order stays readable
    profile = (await reads["profile"].json())["customer"]
    assert profile["phone"] == "138****5678" and profile["email"] == "a***@example.com" and profile["masked"]
    assert profile["name"] == "Ann"

    # The admin reads the same conversation and profile in full.
    admin_view = await (await client.get(f"/api/handoffs/{conv}", headers=auth())).json()
    assert SAID in [m["text"] for m in admin_view["messages"]]
    admin_profile = (await (await client.get("/api/customers/c-pii", headers=auth())).json())["customer"]
    assert admin_profile["phone"] == PHONE and admin_profile["email"] == EMAIL


async def test_revealing_a_field_returns_it_and_is_audited_without_the_value(client: TestClient) -> None:
    alice = await agent(client)
    await waiting_customer(client)
    resp = await client.post("/api/customers/c-pii/reveal", json={"field": "phone"}, headers=alice)
    assert resp.status == 200 and await resp.json() == {"customer_id": "c-pii", "field": "phone", "value": PHONE}
    resp = await client.post("/api/customers/c-pii/reveal", json={"field": "email"}, headers=alice)
    assert (await resp.json())["value"] == EMAIL

    audit = await client.get("/api/customers/c-pii/audit", headers=auth())
    assert audit.status == 200
    trail = await audit.json()
    assert [(e["kind"], e["actor"], e["detail"]["field"]) for e in trail["events"]] == [
        ("revealed", "alice", "email"), ("revealed", "alice", "phone")]  # newest first
    assert trail["total"] == 2 and all(e["created_at"] for e in trail["events"])
    assert PHONE not in await audit.text() and EMAIL not in await audit.text()


async def test_reveal_is_only_for_customers_in_reach_and_names_a_bad_field(client: TestClient) -> None:
    alice = await agent(client)
    await waiting_customer(client)
    await services(client).customers.upsert("stranger", CustomerUpdate(phone="13900001111"))
    assert (await client.post("/api/customers/stranger/reveal", json={"field": "phone"}, headers=alice)).status == 403
    missing = await client.post("/api/customers/nobody/reveal", json={"field": "phone"}, headers=alice)
    assert missing.status == 404 and (await missing.json())["id"] == "nobody"
    bad = await client.post("/api/customers/c-pii/reveal", json={"field": "name"}, headers=alice)
    assert bad.status == 400 and (await bad.json())["field"] == "field"
    trail = await (await client.get("/api/customers/stranger/audit", headers=auth())).json()
    assert trail["events"] == []  # nothing was revealed


async def test_the_audit_is_the_admins_and_unknown_customers_are_404(client: TestClient) -> None:
    alice = await agent(client)
    await waiting_customer(client)
    resp = await client.get("/api/customers/c-pii/audit", headers=alice)
    assert resp.status == 403 and (await resp.json())["error"] == "admin_token_required"
    assert (await client.get("/api/customers/never-seen/audit", headers=auth())).status == 404
    # An erased customer's trail stays readable: it is filed under a digest of the id.
    await client.get("/api/customers/c-pii/export", headers=auth())
    assert (await client.delete("/api/customers/c-pii", headers=auth())).status == 200
    trail = await (await client.get("/api/customers/c-pii/audit", headers=auth())).json()
    assert [e["kind"] for e in trail["events"]] == ["erased", "exported"]


@pytest.fixture
async def unmasked(tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = load_settings(write_project(tmp_path, {"privacy": {"mask_for_agents": False}}), env={})
    async with TestClient(TestServer(create_app(settings))) as c:
        yield c


async def test_with_masking_off_agents_read_in_full_and_opening_the_profile_is_audited(unmasked: TestClient) -> None:
    client = unmasked
    alice = await agent(client)
    conv = await waiting_customer(client)
    view = await (await client.get(f"/api/handoffs/{conv}", headers=alice)).json()
    assert SAID in [m["text"] for m in view["messages"]]
    profile = (await (await client.get("/api/customers/c-pii", headers=alice)).json())["customer"]
    assert profile["phone"] == PHONE and "masked" not in profile
    trail = await (await client.get("/api/customers/c-pii/audit", headers=auth())).json()
    assert [(e["kind"], e["actor"]) for e in trail["events"]] == [("profile_viewed", "alice")]
    assert PHONE not in json.dumps(trail)
