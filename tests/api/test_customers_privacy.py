"""A customer's data rights over HTTP: the export holds everything, the erasure removes the text
(proved on the database file itself) while the reports count the same, audited, idempotent."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.api.keys import SERVICES
from bot.app import Services
from bot.csat.model import Rating
from bot.customers.service import CustomerUpdate
from tests.conftest import auth

SECRET = "我的银行卡号 6222-0000-7788 请退款"  # customer input that must leave no trace
TICKET_TEXT = "退款 6222-0000-7788 没到账"
COMMENT = "客服说 6222-0000-7788 已处理"


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def say(client: TestClient, customer_id: str, message: str) -> dict[str, Any]:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": customer_id,
                                                   "message": message}, headers=auth())
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def customer_with_history(client: TestClient, customer_id: str = "c-priv") -> str:
    """A profile, a conversation with the secret, a ticket with a comment, a rating with a comment."""
    s = services(client)
    await s.customers.upsert(customer_id, CustomerUpdate(name="李四", phone="13912345678", tags=["VIP"]))
    turn = await say(client, customer_id, SECRET)
    await say(client, customer_id, "谢谢")
    resp = await client.post("/api/tickets", json={"customer_id": customer_id, "title": TICKET_TEXT,
                                                   "description": SECRET, "conversation_id": turn["conversation_id"]},
                             headers=auth())
    assert resp.status == 201
    tid = (await resp.json())["id"]
    resp = await client.put(f"/api/tickets/{tid}", json={"status": "in_progress", "comment": COMMENT}, headers=auth())
    assert resp.status == 200
    await s.store.ratings.add(Rating(score=2, conversation_id=turn["conversation_id"], customer_id=customer_id,
                                     comment=COMMENT))
    return str(turn["conversation_id"])


async def reports(client: TestClient) -> dict[str, Any]:
    stats = await (await client.get("/api/stats?period=7d", headers=auth())).json()
    csat = await (await client.get("/api/stats/satisfaction?days=7", headers=auth())).json()
    for doc in (stats, csat):
        doc.pop("start"), doc.pop("end")
    for low in csat["low_ratings"]:
        low.pop("comment")  # the one text a report shows; erased with the rest
    return {"stats": stats, "csat": csat}


async def test_export_holds_everything_about_the_customer(client: TestClient) -> None:
    conv_id = await customer_with_history(client)
    await customer_with_history(client, "someone-else")
    resp = await client.get("/api/customers/c-priv/export", headers=auth())
    assert resp.status == 200
    doc = await resp.json()
    assert doc["format"] == "customer-export/1" and doc["customer_id"] == "c-priv"
    assert doc["profile"]["name"] == "李四" and doc["profile"]["phone"] == "13912345678"
    [conv] = doc["conversations"]
    assert conv["id"] == conv_id and SECRET in [m["text"] for m in conv["messages"]]
    assert any(m["sender"] == "bot" for m in conv["messages"]) and conv["decisions"]
    [ticket] = doc["tickets"]
    assert ticket["title"] == TICKET_TEXT and COMMENT in [e["comment"] for e in ticket["events"]]
    assert [r["comment"] for r in doc["ratings"]] == [COMMENT]
    assert doc["proactive_messages"] == [] and doc["consent"]["records"] == []
    assert "someone-else" not in await resp.text()  # nobody else's data


async def test_erasure_removes_the_text_and_keeps_the_counts(client: TestClient) -> None:
    conv_id = await customer_with_history(client)
    await customer_with_history(client, "someone-else")  # untouched by the erasure
    before = await reports(client)
    resp = await client.delete("/api/customers/c-priv", headers=auth())
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "erased" and body["erased"] is True
    assert body["counts"]["conversations"] == 1 and body["counts"]["messages"] >= 4
    assert body["counts"]["tickets"] == 1 and body["counts"]["ratings"] == 1

    assert await reports(client) == before  # counts, durations, ratings, routes: the same
    assert (await client.get("/api/customers/c-priv/export", headers=auth())).status == 404
    assert (await client.get("/api/customers/c-priv", headers=auth())).status == 404

    # The database itself: no row and no byte of the erased text, the other customer's intact.
    db_path = Path(services(client).store.db.path)
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM messages WHERE text LIKE '%7788%'").fetchone()[0] == 1  # someone-else's
        assert db.execute("SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND text != ''",
                          (conv_id,)).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM messages WHERE conversation_id = ?", (conv_id,)).fetchone()[0] >= 4
        assert db.execute("SELECT customer_id, slots FROM conversations WHERE id = ?",
                          (conv_id,)).fetchone()[0].startswith("erased-")
        assert db.execute("SELECT COUNT(*) FROM customers WHERE id = 'c-priv'").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM tickets WHERE title LIKE '%7788%'").fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM ticket_events WHERE comment LIKE '%7788%'").fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM ratings WHERE comment LIKE '%7788%'").fetchone()[0] == 1
        [(kind, actor, detail)] = db.execute("SELECT kind, actor, detail FROM privacy_events").fetchall()
        assert kind == "erased" and actor == "admin" and "c-priv" not in detail and "7788" not in detail
        [stand_in] = db.execute("SELECT name, phone, tags FROM customers WHERE id LIKE 'erased-%'").fetchall()
        assert stand_in == (None, None, "[]")


async def test_erased_text_is_not_left_in_the_database_file(client: TestClient) -> None:
    await customer_with_history(client)
    assert (await client.delete("/api/customers/c-priv", headers=auth())).status == 200
    db_path = Path(services(client).store.db.path)
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))  # database, WAL
    assert b"6222-0000-7788" not in raw and "李四".encode() not in raw


async def test_erasing_twice_is_idempotent_and_unknown_customers_are_404(client: TestClient) -> None:
    await customer_with_history(client)
    assert (await (await client.delete("/api/customers/c-priv", headers=auth())).json())["status"] == "erased"
    again = await client.delete("/api/customers/c-priv", headers=auth())
    body = await again.json()
    assert again.status == 200 and body["status"] == "already_erased" and body["counts"] == {}
    unknown = await client.delete("/api/customers/never-seen", headers=auth())
    assert unknown.status == 404 and (await unknown.json())["id"] == "never-seen"
    assert (await client.get("/api/customers/never-seen/export", headers=auth())).status == 404


async def test_a_customer_who_writes_again_starts_fresh(client: TestClient) -> None:
    old_conv = await customer_with_history(client)
    assert (await client.delete("/api/customers/c-priv", headers=auth())).status == 200
    turn = await say(client, "c-priv", "你好")
    assert turn["conversation_id"] != old_conv
    doc = await (await client.get("/api/customers/c-priv/export", headers=auth())).json()
    assert doc["profile"]["name"] is None and doc["profile"]["tags"] == []
    assert [c["id"] for c in doc["conversations"]] == [turn["conversation_id"]]
    assert doc["tickets"] == [] and doc["ratings"] == []


async def test_an_agent_token_is_403_on_export_and_erasure(client: TestClient) -> None:
    await customer_with_history(client)
    _, token = await services(client).agents.add("alice", "Alice")
    for method, path in (("get", "/api/customers/c-priv/export"), ("delete", "/api/customers/c-priv")):
        resp = await getattr(client, method)(path, headers=auth(token))
        assert resp.status == 403, path
    assert await services(client).customers.get("c-priv") is not None  # nothing erased
