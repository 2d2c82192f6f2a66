"""Consent for proactive messages: recorded per customer and channel with time and source,
shown on the profile, exported, erased with the customer, audited; the admin's to change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aiohttp.test_utils import TestClient

from bot.api.keys import SERVICES
from bot.customers.consent import Consents
from bot.customers.service import CustomerUpdate
from tests.conftest import auth


async def profile(client: TestClient, customer_id: str = "c-ok") -> None:
    await client.server.app[SERVICES].customers.upsert(customer_id, CustomerUpdate(name="Ann"))


async def put(client: TestClient, body: dict, customer_id: str = "c-ok", token: str | None = None) -> tuple[int, dict]:
    resp = await client.put(f"/api/customers/{customer_id}/consent", json=body,
                            headers=auth(token) if token else auth())
    return resp.status, await resp.json()


async def test_consent_per_channel_with_time_and_source(client: TestClient) -> None:
    await profile(client)
    status, body = await put(client, {"channel": "wechat", "status": "opt_in", "source": "signup_form"})
    assert status == 200 and body["recorded"]["status"] == "opt_in" and body["recorded"]["at"]
    await put(client, {"channel": "sms", "status": "opt_in"})
    status, body = await put(client, {"channel": "wechat", "status": "opt_out", "source": "customer_reply"})
    assert body["consent"]["wechat"]["status"] == "opt_out" and body["consent"]["wechat"]["source"] == "customer_reply"
    assert body["consent"]["sms"] == {"status": "opt_in", "source": "admin", "at": body["consent"]["sms"]["at"]}

    shown = await (await client.get("/api/customers/c-ok", headers=auth())).json()
    assert shown["consent"] == body["consent"]
    consents = Consents(client.server.app[SERVICES].store)
    assert not await consents.allows("c-ok", "wechat") and await consents.allows("c-ok", "sms")
    assert not await consents.allows("c-ok", "email")  # never asked: no proactive message

    doc = await (await client.get("/api/customers/c-ok/export", headers=auth())).json()
    assert doc["consent"]["current"] == body["consent"]
    assert [(r["channel"], r["status"]) for r in doc["consent"]["records"]] == [
        ("wechat", "opt_in"), ("sms", "opt_in"), ("wechat", "opt_out")]
    trail = await (await client.get("/api/customers/c-ok/audit", headers=auth())).json()
    assert [e["detail"] for e in trail["events"] if e["kind"] == "consent"] == [
        {"channel": "wechat", "status": "opt_out"}, {"channel": "sms", "status": "opt_in"},
        {"channel": "wechat", "status": "opt_in"}]


async def test_consent_is_erased_with_the_customer(client: TestClient) -> None:
    await profile(client)
    await put(client, {"channel": "wechat", "status": "opt_in", "source": "signup_form"})
    await profile(client, "other")
    await put(client, {"channel": "wechat", "status": "opt_in"}, customer_id="other")
    resp = await client.delete("/api/customers/c-ok", headers=auth())
    assert resp.status == 200 and (await resp.json())["counts"]["consents"] == 1
    db = Path(client.server.app[SERVICES].store.db.path)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT customer_id FROM consents").fetchall() == [("other",)]
    # Writing again starts fresh: no consent carried over.
    await profile(client)
    assert (await (await client.get("/api/customers/c-ok", headers=auth())).json())["consent"] == {}


async def test_consent_bad_input(client: TestClient) -> None:
    await profile(client)
    status, body = await put(client, {"channel": "wechat", "status": "maybe"})
    assert status == 400 and body["field"] == "status"
    status, body = await put(client, {"channel": "we chat", "status": "opt_in"})
    assert status == 400 and body["field"] == "channel"
    status, body = await put(client, {"channel": "wechat", "status": "opt_in"}, customer_id="nobody")
    assert status == 404 and body["id"] == "nobody"
    _, token = await client.server.app[SERVICES].agents.add("alice", "Alice")
    status, body = await put(client, {"channel": "wechat", "status": "opt_in"}, token=token)
    assert status == 403 and body["error"] == "admin_token_required"
    assert (await (await client.get("/api/customers/c-ok", headers=auth())).json())["consent"] == {}
