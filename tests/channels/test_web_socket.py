"""The web widget's WebSocket as a visitor's browser uses it: session, history, turns, the agent."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.app import Services
from bot.config import load_settings
from tests.conftest import auth, write_project

SITE = "https://shop.example.com"
IDENTITY_SECRET = "site-identity-secret-123"


@pytest.fixture
async def client(tmp_path: Path) -> Any:
    config = write_project(tmp_path, {"channels": {"web": {
        "enabled": True, "domain": "shop.example.com", "widget_id": "widget_123", "name": "小店客服",
        "identity_secret": IDENTITY_SECRET}}})
    app = create_app(load_settings(config, env={}))
    async with TestClient(TestServer(app)) as c:
        yield c


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def session(client: TestClient, **body: Any) -> dict[str, Any]:
    resp = await client.post("/api/widget/session", json={"widget_id": "widget_123", **body},
                             headers={"Origin": SITE})
    assert resp.status == 200, await resp.text()
    assert resp.headers["Access-Control-Allow-Origin"] == SITE
    return await resp.json()


async def connect(client: TestClient, token: str, origin: str = SITE) -> aiohttp.ClientWebSocketResponse:
    return await client.ws_connect(f"/ws/chat?token={token}", headers={"Origin": origin})


async def frames_until(ws: aiohttp.ClientWebSocketResponse, done: Any, seconds: float = 10) -> list[dict[str, Any]]:
    """Frames received until `done(frames)` holds (the server sends asynchronously)."""
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(seconds):
        while not done(got):
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            got.append(json.loads(msg.data))
    return got


def messages(frames: list[dict[str, Any]], role: str | None = None) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "message" and (role is None or f["role"] == role)]


async def test_visitor_asks_a_faq_and_gets_the_answer_in_every_tab(client: TestClient) -> None:
    s = await session(client)
    assert s["customer_id"].startswith("v_") and s["widget"]["name"] == "小店客服"
    tab1, tab2 = await connect(client, s["token"]), await connect(client, s["token"])
    for ws in (tab1, tab2):
        first = await frames_until(ws, lambda f: f)
        assert first[0] == {"type": "state", "state": "new", "agents_online": False, "conversation_id": None}
        await ws.send_json({"type": "history", "after": 0})
    await tab1.send_json({"type": "message", "id": "c_1", "text": "怎么退款"})
    for ws in (tab1, tab2):
        got = await frames_until(ws, lambda f: messages(f, "bot"))
        customer = messages(got, "customer")
        assert [(m["id"], m["text"]) for m in customer] == [("c_1", "怎么退款")]
        assert messages(got, "bot")[0]["text"] == "在订单页点击申请退款。"
        assert messages(got, "bot")[0]["seq"] > customer[0]["seq"]
    # what the outbox says: the bot's replies went out over the live sockets
    await services(client).delivery.settle()
    items = (await (await client.get("/api/outbox", headers=auth())).json())["items"]
    assert items and {i["status"] for i in items} == {"sent"} and {i["channel"] for i in items} == {"web"}


async def test_reconnect_replays_what_was_missed_once_and_a_resend_is_not_answered_twice(
    client: TestClient,
) -> None:
    s = await session(client)
    ws = await connect(client, s["token"])
    await ws.send_json({"type": "history", "after": 0})
    await ws.send_json({"type": "message", "id": "c_1", "text": "多久可以发货"})
    got = await frames_until(ws, lambda f: messages(f, "bot"))
    last_seq = max(m["seq"] for m in messages(got))
    await ws.close()
    # while the visitor is away: the same message resent (a flaky network) and a new question
    ws = await connect(client, s["token"])
    await ws.send_json({"type": "history", "after": last_seq})
    await ws.send_json({"type": "message", "id": "c_1", "text": "多久可以发货"})
    await ws.send_json({"type": "message", "id": "c_2", "text": "怎么开发票"})
    got = await frames_until(ws, lambda f: any(m["text"] == "在订单详情页点击申请发票。" for m in messages(f)))
    assert [m["id"] for m in messages(got, "customer")] == ["c_2"]  # c_1 was answered once, earlier
    # a reload (a new page: history from 0) shows every message exactly once
    reload = await connect(client, s["token"])
    await reload.send_json({"type": "history", "after": 0})
    replay = await frames_until(reload, lambda f: len(messages(f, "customer")) == 2 and len(messages(f, "bot")) >= 2)
    seqs = [m["seq"] for m in messages(replay)]
    assert seqs == sorted(set(seqs)) and [m["id"] for m in messages(replay, "customer")] == ["c_1", "c_2"]


async def test_agent_joins_replies_types_and_the_visitor_rates(client: TestClient) -> None:
    svc = services(client)
    _, token = await svc.agents.add("wang", "王小明")
    await svc.agents.set_status("wang", "online")
    s = await session(client)
    assert s["agents_online"] is True
    ws = await connect(client, s["token"])
    await ws.send_json({"type": "history", "after": 0})
    await ws.send_json({"type": "message", "id": "c_1", "text": "转人工"})
    got = await frames_until(ws, lambda f: any(x["type"] == "state" and x["state"] == "agent" for x in f))
    state = next(x for x in got if x["type"] == "state" and x["state"] == "agent")
    assert state["agent"] == {"id": "wang", "name": "王小明"}
    assert any("王小明" in m["text"] for m in messages(got, "system") + messages(got, "bot"))
    conv_id = state["conversation_id"]
    resp = await client.post(f"/api/conversations/{conv_id}/reply", json={"text": "您好，我来帮您"},
                             headers=auth(token))
    assert resp.status == 200
    got = await frames_until(ws, lambda f: messages(f, "agent"))
    assert messages(got, "agent")[0]["text"] == "您好，我来帮您"
    assert messages(got, "agent")[0]["agent"] == {"id": "wang", "name": "王小明"}
    assert svc.sockets.typing("web", s["customer_id"]) == 1
    assert (await frames_until(ws, lambda f: f))[0] == {"type": "typing", "role": "agent"}
    # the visitor's message during the chat reaches the agent's transcript, not the bot
    await ws.send_json({"type": "message", "id": "c_2", "text": "订单号 12345"})
    await frames_until(ws, lambda f: messages(f, "customer"))
    transcript = await (await client.get(f"/api/conversations/{conv_id}/messages", headers=auth())).json()
    assert transcript["messages"][-1]["text"] == "订单号 12345"
    resp = await client.post(f"/api/conversations/{conv_id}/close", headers=auth(token))
    assert resp.status == 200
    got = await frames_until(ws, lambda f: any(x["type"] == "rating_request" for x in f))
    await ws.send_json({"type": "rating", "score": 4})
    await frames_until(ws, lambda f: messages(f, "bot"))
    ratings = await svc.store.ratings.for_conversation(conv_id)
    assert [r.score for r in ratings] == [4] and ratings[0].agent_id == "wang"


async def test_no_agent_online_the_visitor_leaves_a_message_that_becomes_a_ticket(client: TestClient) -> None:
    s = await session(client)
    assert s["agents_online"] is False
    ws = await connect(client, s["token"])
    await ws.send_json({"type": "history", "after": 0})
    frame = {"type": "leave_message", "id": "c_9", "text": "请回电，快递一直没到", "contact": "13800138000"}
    await ws.send_json(frame)
    got = await frames_until(ws, lambda f: messages(f, "system"))
    tickets = (await (await client.get("/api/tickets", params={"customer_id": s["customer_id"]},
                                       headers=auth())).json())["tickets"]
    assert len(tickets) == 1 and tickets[0]["id"] in messages(got, "system")[0]["text"]
    await ws.send_json(frame)  # resent after a reconnect: still one ticket
    await ws.send_json({"type": "ping"})
    await frames_until(ws, lambda f: any(x["type"] == "pong" for x in f))
    again = (await (await client.get("/api/tickets", params={"customer_id": s["customer_id"]},
                                     headers=auth())).json())["tickets"]
    assert len(again) == 1


async def test_session_survives_with_its_token_and_identity_joins_the_profile(client: TestClient) -> None:
    first = await session(client)
    again = await session(client, token=first["token"])
    assert again["customer_id"] == first["customer_id"]
    forged = await session(client, token=first["token"][:-4] + "AAAA")
    assert forged["customer_id"] != first["customer_id"] and forged["customer_id"].startswith("v_")
    proof = hmac.new(IDENTITY_SECRET.encode(), b"C001", hashlib.sha256).hexdigest()
    known = await session(client, user_id="C001", user_hash=proof)
    assert known["customer_id"] == "C001"
    fake = await session(client, user_id="C001", user_hash="0" * 64)
    assert fake["customer_id"].startswith("v_")
    fake_with_token = await session(client, token=known["token"], user_id="C002", user_hash="0" * 64)
    assert fake_with_token["customer_id"].startswith("v_")


async def test_bad_requests_and_frames_are_refused_with_reasons(client: TestClient) -> None:
    resp = await client.post("/api/widget/session", json={"widget_id": "widget_123"},
                             headers={"Origin": "https://evil.example.net"})
    assert resp.status == 403 and (await resp.json())["field"] == "Origin"
    resp = await client.post("/api/widget/session", json={"widget_id": "nope"}, headers={"Origin": SITE})
    assert resp.status == 404 and (await resp.json())["field"] == "widget_id"
    resp = await client.post("/api/widget/session", json={"widget_id": "widget_123", "x": 1})
    assert resp.status == 400
    s = await session(client)
    foreign = await connect(client, s["token"], origin="https://evil.example.net")
    msg = await foreign.receive()
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4403
    forged = await connect(client, s["token"] + "x")
    msg = await forged.receive()
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4401
    ws = await connect(client, s["token"])
    await frames_until(ws, lambda f: f)
    await ws.send_str("not json")
    msg = await ws.receive()
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1003
    ws = await connect(client, s["token"])
    await frames_until(ws, lambda f: f)
    await ws.send_str(json.dumps({"type": "message", "id": "c", "text": "长" * 5000}))
    msg = await ws.receive()
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1009
    ws = await connect(client, s["token"])
    await frames_until(ws, lambda f: f)
    await ws.send_json({"type": "rating", "score": 9})
    await ws.send_json({"type": "warp"})
    errors = await frames_until(ws, lambda f: len([x for x in f if x["type"] == "error"]) == 2)
    assert [e["message"].split(":")[0] for e in errors if e["type"] == "error"] == ["score", "type"]
    for i in range(60):  # a flood: refused with a message, never answered 60 times
        await ws.send_json({"type": "typing", "n": i})
    got = await frames_until(ws, lambda f: any(x.get("error") == "rate_limited" for x in f))
    assert any(x.get("error") == "rate_limited" for x in got)


async def test_open_sockets_are_told_to_reconnect_when_the_service_stops(tmp_path: Path) -> None:
    config = write_project(tmp_path, {"channels": {"web": {"enabled": True}}})
    client = TestClient(TestServer(create_app(load_settings(config, env={}))))
    await client.start_server()
    resp = await client.post("/api/widget/session", json={"widget_id": "any"})
    ws = await connect(client, (await resp.json())["token"], origin="")
    await frames_until(ws, lambda f: f)
    started = asyncio.get_running_loop().time()
    closing = asyncio.create_task(client.server.close())  # the service stops; the visitor stays
    msg = await ws.receive()
    assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1012  # reconnect, the service restarts
    await closing
    assert asyncio.get_running_loop().time() - started < 5
    await client.close()


async def test_an_app_opens_its_socket_with_its_key_and_a_wrong_key_is_refused(client: TestClient) -> None:
    from bot.channels.app_keys import KEY_FIELD, key_hash, new_app_key
    from bot.channels.secrets import ChannelSecrets

    svc = services(client)
    key = new_app_key()
    ChannelSecrets(svc.settings.data_dir).put("shop_app", {KEY_FIELD: key_hash(key)})
    await svc.store.channels.add("shop_app", "app", {})
    resp = await client.get("/ws/app", params={"customer_id": "U1"}, headers={"Authorization": "Bearer ak_wrong"})
    assert resp.status == 401
    ws = await client.ws_connect("/ws/app?customer_id=U1", headers={"Authorization": f"Bearer {key}"})
    await ws.send_json({"type": "history", "after": 0})
    await ws.send_json({"type": "message", "id": "a_1", "text": "怎么退款"})
    got = await frames_until(ws, lambda f: messages(f, "bot"))
    assert messages(got, "bot")[0]["text"] == "在订单页点击申请退款。"
    conv = await svc.store.conversations.latest_for("U1", "shop_app")
    assert conv is not None  # the conversation is on the key's own channel
