"""The agent console's live side: a Server-Sent Events stream of changes, and the agent's typing notices.

`GET /api/console/events` (agent token, or the admin's: everything) sends, as `text/event-stream`:

    retry: 3000                                   once, first: the reconnect delay a client should use
    event: changed      data: {"version": N}      the caller's ChangeFeed version moved (the queue, or
                                                  one of their chats): re-read GET /api/handoffs and the
                                                  open chat. Also sent once on connect, so a console
                                                  renders at once and re-reads after every reconnect.
    event: typing | message | undelivered         a ConsoleEvents notice (bot/handoff/live.py) for the
                        data: {"type", "conversation_id", ...}   caller, as published (another `type`
                                                  arrives as `event: notice`)
    : ping                                        a comment after 15 s without a frame (proxies)
    event: unauthorized data: {"error", "message"}   the token stopped working; the stream ends

Nothing is replayed: the views are the truth, and a reconnecting console re-reads them. Browsers'
EventSource cannot send headers, so the console reads the stream with fetch() and the usual
`Authorization: Bearer`; tokens never go into a URL (they would land in logs and history).
An agent's token is checked again before each ping: a rotated or expired token ends the stream.
Like the long poll it replaces, an open console therefore counts as the agent being present.

The app's shutdown ends every stream at once (on_shutdown runs before the server waits for its
handlers), so `runner.cleanup()` never waits for an open console. Per process, as the feeds are.

`POST /api/conversations/{id}/typing` (the agent's own chat, 204) tells the customer the agent is
typing, through the WebSocket hub (`services.sockets`): the web widget and the app show it; Telegram
gets sendChatAction; other channels have no typing notice, and a customer with no socket open
simply sees nothing.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from bot.agents.model import Agent
from bot.api.auth import ACTOR, AGENT_RESOLVER, agent_or_admin
from bot.api.errors import ApiError
from bot.api.keys import SERVICES
from bot.api.openapi import CONVERSATION_ID, _op
from bot.api.params import IntQuery

routes = web.RouteTableDef()
# Set by the app's on_shutdown: every open stream ends.
CLOSING: web.AppKey[asyncio.Event] = web.AppKey("console_streams_closing", asyncio.Event)
PING_SECONDS = 15.0
RETRY_MS = 3000
MAX_BATCH = 50  # notices written in one go when many arrive together
MAX_SECONDS = IntQuery("max_seconds", 0, 0, 86_400,
                       "end the stream after this many seconds (0, the default: stay open)")
NOTICES = ("typing", "message", "undelivered")  # ConsoleEvents types sent as their own event; others as `notice`


def install(app: web.Application) -> None:
    """The shutdown hook that ends open streams (the routes are added with the feature modules)."""
    app[CLOSING] = asyncio.Event()

    async def close_streams(app: web.Application) -> None:
        app[CLOSING].set()

    app.on_shutdown.append(close_streams)


def frame(event: str, data: Any) -> bytes:
    """One SSE event. json.dumps escapes newlines inside strings, so `data` stays on one line."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def _notice(event: dict[str, Any]) -> bytes:
    kind = event.get("type")
    return frame(kind if kind in NOTICES else "notice", event)


class _TokenCheck:
    """Re-resolves the caller's token (agents only; the admin token is the service's own)."""

    def __init__(self, request: web.Request, agent_id: str | None) -> None:
        self._agent_id = agent_id
        self._resolver = request.app.get(AGENT_RESOLVER)
        self._token = request.headers.get("Authorization", "").partition(" ")[2].strip()

    async def still_valid(self) -> bool:
        if self._agent_id is None or self._resolver is None:
            return True
        agent = await self._resolver(self._token)
        return agent is not None and agent.id == self._agent_id


@routes.get("/api/console/events")
@agent_or_admin
async def console_events(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    actor = request[ACTOR]
    agent_id = actor.id if isinstance(actor, Agent) else None
    lifetime = MAX_SECONDS.read(request)
    check = _TokenCheck(request, agent_id)
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",  # nginx: pass every frame on at once
        "X-Content-Type-Options": "nosniff",
    })
    feed = services.handoff.changes
    with services.console_events.subscribe(agent_id) as inbox:  # before the first version: nothing lost
        await response.prepare(request)
        try:
            await _pump(request.app[CLOSING], response, feed, agent_id, inbox, check, lifetime)
        except ConnectionError:  # the console went away (aiohttp raises ClientConnectionResetError)
            return response
    return response


async def _pump(closing: asyncio.Event, response: web.StreamResponse, feed: Any, agent_id: str | None,
                inbox: asyncio.Queue[dict[str, Any]], check: _TokenCheck, lifetime: int) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + lifetime if lifetime else None
    version = feed.version(agent_id)
    await response.write(f"retry: {RETRY_MS}\n\n".encode() + frame("changed", {"version": version}))
    last_write = loop.time()
    changed = asyncio.ensure_future(feed.wait(agent_id, version, PING_SECONDS))
    notice = asyncio.ensure_future(inbox.get())
    stop = asyncio.ensure_future(closing.wait())
    try:
        while not stop.done():
            now = loop.time()
            timeout = last_write + PING_SECONDS - now
            if end is not None:
                if now >= end:
                    return
                timeout = min(timeout, end - now)
            await asyncio.wait({changed, notice, stop}, timeout=max(timeout, 0),
                               return_when=asyncio.FIRST_COMPLETED)
            if stop.done():
                return
            chunks: list[bytes] = []
            if notice.done():
                chunks.append(_notice(notice.result()))
                while not inbox.empty() and len(chunks) < MAX_BATCH:
                    chunks.append(_notice(inbox.get_nowait()))
                notice = asyncio.ensure_future(inbox.get())
            if changed.done():
                current = changed.result()
                if current != version:
                    version = current
                    chunks.append(frame("changed", {"version": version}))
                changed = asyncio.ensure_future(feed.wait(agent_id, version, PING_SECONDS))
            if not chunks and loop.time() - last_write >= PING_SECONDS:
                if not await check.still_valid():
                    await response.write(frame("unauthorized", {
                        "error": "unauthorized", "message": "invalid or expired token"}))
                    return
                chunks.append(b": ping\n\n")
            if chunks:
                await response.write(b"".join(chunks))
                last_write = loop.time()
    finally:
        for task in (changed, notice, stop):
            task.cancel()
        await asyncio.gather(changed, notice, stop, return_exceptions=True)


@routes.post("/api/conversations/{conversation_id}/typing")
@agent_or_admin
async def agent_typing(request: web.Request) -> web.Response:
    """The agent is typing in their chat: the customer sees it on the WebSocket channels."""
    actor = request[ACTOR]
    if not isinstance(actor, Agent):
        raise ApiError(403, "agent_token_required",
                       "this action needs the agent's own token; the admin token cannot act for an agent")
    services = request.app[SERVICES]
    conversation_id = CONVERSATION_ID.read(request)
    conv = await services.store.conversations.get(conversation_id)
    if conv is None:
        raise ApiError(404, "not_found", f"conversation {conversation_id} not found", id=conversation_id)
    if conv.agent_id != actor.id:
        raise ApiError(403, "forbidden", f"conversation {conv.id} is not assigned to you", state=conv.state)
    if conv.state != "agent":
        raise ApiError(409, "conflict", f"conversation {conv.id} is in state {conv.state}, not with an agent",
                       state=conv.state)
    services.sockets.typing(conv.channel, conv.customer_id)  # how many sockets heard it: nobody's business here
    if services.telegram is not None and conv.channel == services.telegram.name:
        services.telegram.typing_soon(conv.customer_id)  # sendChatAction, in the background
    return web.Response(status=204)


def _stream_op() -> dict[str, Any]:
    op = _op("Live notices for the agent console as Server-Sent Events (agent token; the admin sees "
             "everything): `changed` {version} on connect and whenever the caller's queue or chats change, "
             "`typing` / `message` / `undelivered` notices, `: ping` every 15 s. Read it with fetch() and the "
             "Authorization header.", params=[MAX_SECONDS.spec()])
    op["responses"]["200"]["content"] = {"text/event-stream": {"schema": _EVENT_SCHEMA}}
    return op


def _event(events: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """One SSE event as schemathesis and OpenAPI 3.2 read it: its type, and its data as embedded JSON."""
    return {"type": "object", "required": ["event", "data"], "properties": {
        "event": {"type": "string", "enum": events},
        "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        "retry": {"type": "integer"},
    }}


_EVENT_SCHEMA = {"oneOf": [
    _event(["changed"], {"type": "object", "required": ["version"],
                         "properties": {"version": {"type": "integer", "minimum": 0}}}),
    _event([*NOTICES, "notice"], {"type": "object", "required": ["type"], "properties": {
        "type": {"type": "string"}, "conversation_id": {"type": "string"}}}),
    _event(["unauthorized"], {"$ref": "#/components/schemas/Error"}),
]}


def _typing_op() -> dict[str, Any]:
    op = _op("The agent is typing: the customer sees a typing notice on the WebSocket channels (204)",
             params=[CONVERSATION_ID.spec()])
    op["responses"] = {"204": {"description": "Sent (or nobody to tell)"},
                       **{k: v for k, v in op["responses"].items() if k != "200"}}
    for code in ("403", "409"):
        op["responses"][code] = {"$ref": "#/components/responses/Error"}
    return op


OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/console/events": {"get": _stream_op()},
    "/api/conversations/{conversation_id}/typing": {"post": _typing_op()},
}
