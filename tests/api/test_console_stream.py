"""The console's live stream (GET /api/console/events, SSE) and the agent's typing notice, over HTTP."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.api import console_stream
from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.app import Services
from bot.config import Settings, load_settings
from tests.conftest import auth, write_project

EVENTS = "/api/console/events"


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def add_agent(client: TestClient, agent_id: str, status: str = "away") -> str:
    s = services(client)
    _, token = await s.agents.add(agent_id, agent_id.title())
    await s.agents.set_status(agent_id, status)
    return token


async def say(client: TestClient, text: str, customer_id: str = "cust-1") -> dict[str, Any]:
    resp = await client.post("/api/message", headers=auth(),
                             json={"channel": "api", "customer_id": customer_id, "message": text})
    assert resp.status == 200, await resp.text()
    return await resp.json()


@dataclass
class Frame:
    event: str  # "message" when the frame names none (the SSE default); "comment" for `: ...` lines
    data: Any = None
    retry: int | None = None


class Stream:
    """Reads an SSE response frame by frame, as a browser's parser would."""

    def __init__(self, resp: ClientResponse) -> None:
        self.resp = resp

    async def frame(self, within: float = 5.0) -> Frame | None:
        """The next frame; None at the end of the stream."""
        event, data, retry, comment = None, [], None, None
        while True:
            raw = await asyncio.wait_for(self.resp.content.readline(), within)
            if not raw:
                return None
            line = raw.decode().rstrip("\r\n")
            if line == "":
                if data or event:
                    return Frame(event or "message", json.loads("\n".join(data)))
                if retry is not None:
                    return Frame("retry", retry=retry)
                if comment is not None:
                    return Frame("comment", comment)
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                comment = value
            elif name == "event":
                event = value
            elif name == "data":
                data.append(value)
            elif name == "retry":
                retry = int(value)

    async def next(self, event: str, within: float = 5.0, **match: Any) -> Frame:
        """The next frame of this type (whose data has the given items), skipping the others."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            frame = await self.frame(max(deadline - loop.time(), 0.01))
            assert frame is not None, f"the stream ended before a {event!r} frame"
            if frame.event == event and all(frame.data.get(k) == v for k, v in match.items()):
                return frame

    async def changed_past(self, version: int, within: float = 5.0) -> int:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            frame = await self.next("changed", max(deadline - loop.time(), 0.01))
            if frame.data["version"] > version:
                return frame.data["version"]


async def open_stream(client: TestClient, token: str | None = None, **params: Any) -> Stream:
    resp = await client.get(EVENTS, headers=auth(token) if token else auth(), params=params)
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    assert resp.headers["Cache-Control"] == "no-store"
    stream = Stream(resp)
    first = await stream.frame()
    assert first is not None and first.event == "retry" and first.retry == console_stream.RETRY_MS
    return stream


@pytest.mark.parametrize("headers", [{}, auth("wrong-token")])
async def test_the_stream_needs_a_token(client: TestClient, headers: dict[str, str]) -> None:
    resp = await client.get(EVENTS, headers=headers)
    assert resp.status == 401 and (await resp.json())["error"] == "unauthorized"
    assert (await client.get(EVENTS, params={"access_token": "x"})).status == 401  # never from the URL


async def test_connect_renders_at_once_then_queue_and_chat_changes_arrive(client: TestClient) -> None:
    token = await add_agent(client, "alice")  # away: the handoff waits in the queue
    stream = await open_stream(client, token)
    first = await stream.next("changed")
    version = first.data["version"]

    body = await say(client, "转人工")
    assert body["state"] == "queued"
    version = await stream.changed_past(version)

    resp = await client.post(f"/api/handoffs/{body['conversation_id']}/accept", headers=auth(token))
    assert resp.status == 200
    await stream.changed_past(version)

    before = services(client).handoff.changes.version("alice")
    assert (await say(client, "还在吗？"))["route"] == "relay"
    assert await stream.changed_past(before) > before


async def test_console_notices_reach_their_agent_only(client: TestClient) -> None:
    alice, bob = await add_agent(client, "alice"), await add_agent(client, "bob")
    a, b = await open_stream(client, alice), await open_stream(client, bob)
    events = services(client).console_events
    events.publish("alice", {"type": "typing", "conversation_id": "c-alice", "role": "customer"})
    events.publish("bob", {"type": "message", "conversation_id": "c-bob", "message": {"seq": 7, "text": "x"}})
    got = await a.next("typing")
    assert got.data == {"type": "typing", "conversation_id": "c-alice", "role": "customer"}
    first_for_bob = await b.frame()
    while first_for_bob is not None and first_for_bob.event == "changed":
        first_for_bob = await b.frame()
    assert first_for_bob is not None and first_for_bob.event == "message"
    assert first_for_bob.data["conversation_id"] == "c-bob"  # alice's typing never reached bob

    events.publish(None, {"type": "undelivered", "conversation_id": "c-any"})  # every console
    assert (await a.next("undelivered")).data["conversation_id"] == "c-any"
    assert (await b.next("undelivered")).data["conversation_id"] == "c-any"


async def test_another_notice_type_arrives_as_a_notice_and_cannot_break_the_frame(client: TestClient) -> None:
    token = await add_agent(client, "alice")
    stream = await open_stream(client, token)
    services(client).console_events.publish("alice", {"type": "x\ndata: forged", "conversation_id": "c\n1"})
    got = await stream.next("notice")
    assert got.data == {"type": "x\ndata: forged", "conversation_id": "c\n1"}
    services(client).console_events.publish("alice", {"type": "read", "conversation_id": "c2"})
    assert (await stream.next("notice")).data == {"type": "read", "conversation_id": "c2"}


async def test_the_admin_stream_sees_everything(client: TestClient) -> None:
    await add_agent(client, "alice")
    stream = await open_stream(client)  # the admin token
    version = (await stream.next("changed")).data["version"]
    services(client).console_events.publish("alice", {"type": "typing", "conversation_id": "c1"})
    assert (await stream.next("typing")).data["conversation_id"] == "c1"
    services(client).handoff.changes.notify("alice")  # alice's chats changed: the admin sees it too
    assert await stream.changed_past(version) > version


async def test_pings_keep_it_open_and_a_dead_token_ends_it(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_stream, "PING_SECONDS", 0.2)
    token = await add_agent(client, "alice")
    stream = await open_stream(client, token)
    assert (await stream.next("comment")).data == "ping"
    await services(client).agents.rotate_token("alice")
    assert (await stream.next("unauthorized")).data["error"] == "unauthorized"
    assert await stream.frame() is None  # and the stream is over


async def test_max_seconds_ends_the_stream(client: TestClient) -> None:
    stream = await open_stream(client, max_seconds=1)
    await stream.next("changed")
    assert await stream.frame(within=5) is None
    assert (await client.get(EVENTS, headers=auth(), params={"max_seconds": "-1"})).status == 400


async def test_shutting_the_service_down_ends_open_streams_at_once(settings: Settings) -> None:
    server = TestServer(create_app(settings))
    client = TestClient(server)
    await client.start_server()
    try:
        stream = await open_stream(client)
        await stream.next("changed")
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.wait_for(server.close(), 10)  # aiohttp would otherwise wait 60 s for the handler
        assert loop.time() - started < 5
        assert await stream.frame(within=5) is None
    finally:
        await client.close()


class FakeHub:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def typing(self, channel: str, customer_id: str) -> int:
        self.calls.append((channel, customer_id))
        return 1

    async def close_all(self, code: int, message: bytes) -> None:  # the shutdown hook's call
        pass


async def _assigned(client: TestClient, token: str) -> str:
    body = await say(client, "转人工")
    resp = await client.post(f"/api/handoffs/{body['conversation_id']}/accept", headers=auth(token))
    assert resp.status == 200
    return body["conversation_id"]


async def test_typing_reaches_the_socket_hub(client: TestClient) -> None:
    alice = await add_agent(client, "alice")
    conv_id = await _assigned(client, alice)
    resp = await client.post(f"/api/conversations/{conv_id}/typing", headers=auth(alice))
    assert resp.status == 204  # the real hub: an API customer has no socket, nobody to tell, still fine
    hub = FakeHub()
    object.__setattr__(services(client), "sockets", hub)  # Services is frozen; a recording hub in its place
    resp = await client.post(f"/api/conversations/{conv_id}/typing", headers=auth(alice))
    assert resp.status == 204 and hub.calls == [("api", "cust-1")]


async def test_typing_is_for_the_agents_own_chat(client: TestClient) -> None:
    alice, bob = await add_agent(client, "alice"), await add_agent(client, "bob")
    conv_id = await _assigned(client, alice)
    hub = FakeHub()
    object.__setattr__(services(client), "sockets", hub)
    assert (await client.post(f"/api/conversations/{conv_id}/typing", headers=auth(bob))).status == 403
    admin = await client.post(f"/api/conversations/{conv_id}/typing", headers=auth())
    assert admin.status == 403 and (await admin.json())["error"] == "agent_token_required"
    assert (await client.post("/api/conversations/nope/typing", headers=auth(alice))).status == 404
    assert (await client.post(f"/api/conversations/{conv_id}/close", headers=auth(alice))).status == 200
    closed = await client.post(f"/api/conversations/{conv_id}/typing", headers=auth(alice))
    assert closed.status == 409
    assert hub.calls == []


async def test_typing_both_ways_with_a_web_widget_visitor(tmp_path: Path) -> None:
    """The real thing: the visitor's typing frame reaches the agent's stream, the agent's reaches the widget."""
    site = "https://shop.example.com"
    config = write_project(tmp_path, {"channels": {"web": {
        "enabled": True, "domain": "shop.example.com", "widget_id": "widget_123"}}})
    async with TestClient(TestServer(create_app(load_settings(config, env={})))) as client:
        _, token = await services(client).agents.add("wang", "王小明")
        await services(client).agents.set_status("wang", "online")
        visitor = await (await client.post("/api/widget/session", json={"widget_id": "widget_123"},
                                           headers={"Origin": site})).json()
        ws = await client.ws_connect(f"/ws/chat?token={visitor['token']}", headers={"Origin": site})
        await ws.send_json({"type": "history", "after": 0})
        await ws.send_json({"type": "message", "id": "c_1", "text": "转人工"})
        async with asyncio.timeout(10):
            while True:
                frame = await ws.receive_json()
                if frame["type"] == "state" and frame["state"] == "agent":
                    conv_id = frame["conversation_id"]
                    break
        stream = await open_stream(client, token)
        await ws.send_json({"type": "typing"})
        assert (await stream.next("typing")).data == {"type": "typing", "conversation_id": conv_id}
        assert (await client.post(f"/api/conversations/{conv_id}/typing", headers=auth(token))).status == 204
        async with asyncio.timeout(10):
            while (frame := await ws.receive_json())["type"] != "typing":
                pass
        assert frame == {"type": "typing", "role": "agent"}
        await ws.close()


async def test_the_chat_view_lists_undelivered_messages(client: TestClient) -> None:
    alice = await add_agent(client, "alice")
    conv_id = await _assigned(client, alice)
    view = await (await client.get(f"/api/handoffs/{conv_id}", headers=auth(alice))).json()
    assert view["undelivered"] == []
    sent = await client.post(f"/api/conversations/{conv_id}/reply", json={"text": "您的退款已处理"},
                             headers=auth(alice))
    seq = (await sent.json())["message"]["seq"]
    store = services(client).store
    items, _ = await store.outbox.list(conversation_id=conv_id)
    [item] = [i for i in items if i.message.id == seq]
    await store.outbox.mark(item.id, "failed", 5, item.next_attempt_at, "HTTP 502 from the callback")
    view = await (await client.get(f"/api/handoffs/{conv_id}", headers=auth(alice))).json()
    [dead] = view["undelivered"]
    assert (dead["seq"], dead["text"], dead["status"], dead["attempts"]) == (seq, "您的退款已处理", "failed", 5)
    assert dead["last_error"] == "HTTP 502 from the callback"


TESTIDS = ("console-token", "console-login", "console-status", "console-queue", "console-queue-item", "console-accept",
           "console-chats", "console-chat-item", "console-transcript", "console-message", "console-reply",
           "console-send", "console-close", "console-keep-open", "console-transfer", "console-typing",
           "console-undelivered", "console-customer", "console-connection")


async def test_the_console_page_reads_the_stream_with_the_header_and_has_its_test_hooks(client: TestClient) -> None:
    page = await (await client.get("/console")).text()
    for testid in TESTIDS:
        assert f'"{testid}"' in page, testid
    script = page.split("<script>", 1)[1]
    assert 'fetch("/api/console/events"' in script and "Authorization" in script
    assert "new EventSource" not in script and "wait=" not in script  # no header-less stream, no polling loop
    assert "?token" not in script and "access_token" not in script  # tokens never in a URL
    for disabled in ("console-send", "console-reply", "console-close", "console-transfer"):
        tag = page.split(f'data-testid="{disabled}"', 1)[1].split(">", 1)[0]
        assert "disabled" in tag, disabled  # nothing to act on before a chat is open
