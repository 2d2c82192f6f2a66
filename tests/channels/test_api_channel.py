"""API customers get what arrives later: by polling with their token, or by the signed callback;
a callback that keeps failing becomes a dead letter operators and the agent see."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.app import Services
from bot.channels.webhook import signature
from bot.config import load_settings
from tests.conftest import auth, write_project

SECRET = "callback-secret-abcdef"


class Receiver:
    """The integrator's server on 127.0.0.1: records signed callbacks; can fail or hang."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.mode = "ok"
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "fail":
            return web.Response(status=503)
        if self.mode == "refuse":
            return web.Response(status=400)
        return web.Response(status=204)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/cb", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/cb"
        return self


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    assert r.runner is not None
    await r.runner.cleanup()


async def make_client(tmp_path: Path, **app_channel: Any) -> TestClient:
    config = write_project(tmp_path, {"channels": {"app": {"enabled": True, **app_channel}}})
    client = TestClient(TestServer(create_app(load_settings(config, env={}))))
    await client.start_server()
    return client


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def handed_to_agent(client: TestClient, customer: str) -> tuple[dict[str, Any], str]:
    svc = services(client)
    _, token = await svc.agents.add("wang", "王小明")
    await svc.agents.set_status("wang", "online")
    first = await (await client.post("/api/message", json={"channel": "api", "customer_id": customer,
                                                           "message": "转人工"}, headers=auth())).json()
    assert first["state"] == "agent"
    return first, token


async def test_api_customer_reads_agent_replies_with_their_token(tmp_path: Path) -> None:
    client = await make_client(tmp_path)
    try:
        first, agent_token = await handed_to_agent(client, "C9")
        conv_id = first["conversation_id"]
        path = f"/api/conversations/{conv_id}/messages"
        mine = {"Authorization": f"Bearer {first['customer_token']}"}
        start = max(m["seq"] for m in (await (await client.get(path, headers=mine)).json())["messages"])
        await client.post(f"/api/conversations/{conv_id}/reply", json={"text": "您好，我是小明"},
                          headers=auth(agent_token))
        later = (await (await client.get(path, params={"after": str(start)}, headers=mine)).json())["messages"]
        assert [(m["sender"], m["text"]) for m in later] == [("agent", "您好，我是小明")]
        await services(client).delivery.settle()
        held = (await (await client.get("/api/outbox", params={"conversation_id": conv_id},
                                        headers=auth())).json())["items"]
        assert held and {i["status"] for i in held} == {"held"}  # waiting to be fetched, not lost
        # another customer's token, or a made-up one, reads nothing (and learns nothing)
        other = await (await client.post("/api/message", json={"channel": "api", "customer_id": "C10",
                                                               "message": "你好"}, headers=auth())).json()
        for token in (other["customer_token"], "ct_forged"):
            resp = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert resp.status == 401
        resp = await client.get("/api/conversations/nope/messages", headers=mine)
        assert resp.status == 401
        resp = await client.get(path, params={"after": "-3"}, headers=mine)
        assert resp.status == 400 and (await resp.json())["field"] == "after"
    finally:
        await client.close()


async def test_signed_callback_carries_the_agent_reply(tmp_path: Path, receiver: Receiver) -> None:
    client = await make_client(tmp_path, callback_url=receiver.url, callback_secret=SECRET)
    try:
        first, agent_token = await handed_to_agent(client, "C9")
        receiver.calls.clear()
        await client.post(f"/api/conversations/{first['conversation_id']}/reply", json={"text": "已为您处理"},
                          headers=auth(agent_token))
        await services(client).delivery.settle()
        assert len(receiver.calls) == 1
        headers, body = receiver.calls[0]
        assert headers["X-Bot-Signature"] == signature(SECRET, headers["X-Bot-Timestamp"], body)
        sent = json.loads(body)
        assert (sent["role"], sent["text"], sent["customer_id"]) == ("agent", "已为您处理", "C9")
        assert sent["agent"] == {"id": "wang", "name": "王小明"}
    finally:
        await client.close()


@pytest.mark.parametrize("mode", ["fail", "refuse"])
async def test_a_failing_callback_is_retried_then_a_dead_letter(tmp_path: Path, receiver: Receiver,
                                                               mode: str) -> None:
    client = await make_client(tmp_path, callback_url=receiver.url, callback_secret=SECRET)
    try:
        svc = services(client)
        first, agent_token = await handed_to_agent(client, "C9")
        receiver.mode, receiver.calls[:] = mode, []
        await client.post(f"/api/conversations/{first['conversation_id']}/reply", json={"text": "在吗"},
                          headers=auth(agent_token))
        await svc.delivery.settle()
        items, _ = await svc.store.outbox.list(conversation_id=first["conversation_id"])
        row = next(i for i in items if i.message.text == "在吗")
        if mode == "fail":  # 503: retried with backoff; make every retry due now instead of waiting
            for _ in range(svc.delivery.policy.attempts - 1):
                assert (await svc.store.outbox.get(row.id)).status == "pending"  # type: ignore[union-attr]
                await svc.store.db.execute("UPDATE outbox SET next_attempt_at = '' WHERE id = ?", (row.id,))
                await svc.delivery.drain()
        dead = (await (await client.get("/api/outbox", params={"status": "failed"}, headers=auth())).json())
        assert [i["text"] for i in dead["items"]] == ["在吗"]
        assert dead["items"][0]["last_error"].startswith("callback_url answered HTTP")
        assert len(receiver.calls) == (svc.delivery.policy.attempts if mode == "fail" else 1)
        # an operator fixes the receiver and sends it again
        receiver.mode = "ok"
        resp = await client.post(f"/api/outbox/{dead['items'][0]['id']}/retry", headers=auth())
        assert resp.status == 200
        await svc.delivery.settle()
        assert (await svc.store.outbox.get(row.id)).status == "sent"  # type: ignore[union-attr]
        resp = await client.post(f"/api/outbox/{dead['items'][0]['id']}/retry", headers=auth())
        assert resp.status == 409
    finally:
        await client.close()


async def test_a_callback_that_times_out_is_retried(tmp_path: Path, receiver: Receiver,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import aiohttp

    from bot.channels import webhook

    monkeypatch.setattr(webhook, "TIMEOUT", aiohttp.ClientTimeout(total=0.3))
    client = await make_client(tmp_path, callback_url=receiver.url, callback_secret=SECRET)
    try:
        svc = services(client)
        first, agent_token = await handed_to_agent(client, "C9")
        receiver.mode = "hang"
        await client.post(f"/api/conversations/{first['conversation_id']}/reply", json={"text": "稍等"},
                          headers=auth(agent_token))
        await svc.delivery.settle()
        items, _ = await svc.store.outbox.list(status="pending")
        assert [i.last_error for i in items if i.message.text == "稍等"] == ["callback_url timed out after 0.3 s"]
    finally:
        await client.close()
