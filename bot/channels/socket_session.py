"""One WebSocket of the web widget (`/ws/chat`) or the app (`/ws/app`): the frames of
../shared/ARCHITECTURE.md ("Channels"), for one customer.

The reader turns client frames into turns (`runtime.feed`, the client's message id as the
platform message id, so a resend after a reconnect is never answered twice). The writer sends
what the client has not seen: every poke (a delivery, the visitor's own turn, another tab) reads
the customer's transcript after the socket's cursor, so frames go out in seq order, once per
socket, and `history after` replays exactly what a reconnecting client missed.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from bot.conversation.model import MessageRecord
from bot.conversation.texts import text
from bot.core.events import MAX_MESSAGE_CHARS, InboundEvent, Reply
from bot.runtime import ShuttingDown

if TYPE_CHECKING:
    from bot.app import Services

log = structlog.get_logger(__name__)

MAX_FRAME = 8 * 1024
HISTORY_LIMIT = 200
CLOSE_SESSION = 4401  # the visitor session is invalid or expired: get a new one
CLOSE_ORIGIN = 4403


@dataclass(slots=True)
class RateLimit:
    """A token bucket per socket: `rate` frames a second, bursts up to `burst`."""

    rate: float = 10.0
    burst: float = 20.0
    tokens: float = 20.0
    stamp: float = 0.0
    dropped: int = 0

    def allow(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.dropped += 1
        return False


class BadFrame(ValueError):
    pass


def _client_id(frame: dict[str, Any]) -> str:
    ident = frame.get("id")
    if not isinstance(ident, str) or not 1 <= len(ident) <= 128:
        raise BadFrame("id: a client message id of 1-128 characters is required")
    return ident


def _text(frame: dict[str, Any], key: str = "text") -> str:
    value = frame.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadFrame(f"{key}: must be a non-empty string")
    if len(value) > MAX_MESSAGE_CHARS:
        raise BadFrame(f"{key}: at most {MAX_MESSAGE_CHARS} characters")
    return value.strip()


class ChatSocket:
    def __init__(self, ws: web.WebSocketResponse, services: Services, channel: str, customer_id: str) -> None:
        self._ws = ws
        self._services = services
        self.channel = channel
        self.customer_id = customer_id
        self._cursor: int | None = None  # set by the client's first `history` frame
        self._wake = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._last_state: tuple[str, str | None, bool] | None = None
        self._limit = RateLimit(stamp=time.monotonic())

    # --- the hub's side -------------------------------------------------------------------
    def poke(self) -> None:
        self._wake.set()

    def typing(self) -> None:
        asyncio.get_running_loop().create_task(self._send({"type": "typing", "role": "agent"}))

    async def close(self, code: int, message: bytes) -> None:
        await self._ws.close(code=code, message=message)

    # --- the connection -------------------------------------------------------------------
    async def run(self) -> None:
        hub = self._services.sockets
        hub.add(self.channel, self.customer_id, self)
        writer = asyncio.create_task(self._writer(), name="socket-writer")
        try:
            await self._send_state(force=True)
            await self._reader()
        finally:
            hub.discard(self.channel, self.customer_id, self)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    async def _reader(self) -> None:
        async for msg in self._ws:
            if msg.type == WSMsgType.TEXT:
                if len(msg.data.encode()) > MAX_FRAME:
                    await self._ws.close(code=WSCloseCode.MESSAGE_TOO_BIG, message=b"frame exceeds 8 KB")
                    return
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    frame = None
                if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                    await self._ws.close(code=WSCloseCode.UNSUPPORTED_DATA,
                                         message=b"frames are JSON objects with a type")
                    return
                if not self._limit.allow(time.monotonic()):
                    if self._limit.dropped > 100:  # still flooding after a hundred refusals
                        await self._ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many frames")
                        return
                    if self._limit.dropped % 10 == 1:
                        await self._error("rate_limited", "too many messages at once; slow down a little")
                    continue
                try:
                    await self._handle(frame)
                except BadFrame as exc:
                    await self._error("bad_frame", str(exc))
                except ShuttingDown:
                    await self._error("shutting_down", "the service is restarting; reconnecting shortly")
                    await self._ws.close(code=WSCloseCode.SERVICE_RESTART, message=b"restarting")
                    return
            elif msg.type == WSMsgType.BINARY:
                await self._ws.close(code=WSCloseCode.UNSUPPORTED_DATA, message=b"frames are JSON text")
                return
            elif msg.type == WSMsgType.ERROR:
                return

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "history":
            after = frame.get("after", 0)
            if not isinstance(after, int) or isinstance(after, bool) or after < 0:
                raise BadFrame("after: must be a seq (an integer >= 0)")
            self._cursor = after
            self._wake.set()
        elif kind == "message":
            await self._turn(_text(frame), _client_id(frame))
        elif kind == "button":
            value = _text(frame, "value")
            await self._turn(value, _client_id(frame), label=frame.get("label"))
        elif kind == "rating":
            score = frame.get("score")
            if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
                raise BadFrame("score: must be an integer from 1 to 5")
            # Echoed as stars, not as a bare "4" under the widget's thank-you note.
            await self._turn(str(score), f"rating:{frame.get('id') or time.time_ns()}", label="★" * score)
        elif kind == "typing":
            await self._visitor_typing()
        elif kind == "leave_message":
            await self._leave_message(_text(frame), _client_id(frame), frame.get("contact"))
        else:
            raise BadFrame(f"type: unknown frame type {kind!r}")

    async def _turn(self, text_: str, client_id: str, *, label: object = None) -> None:
        meta: dict[str, Any] = {"client_id": client_id}
        if isinstance(label, str) and label.strip():
            meta["label"] = label.strip()[:200]
        event = InboundEvent(self.channel, self.customer_id, text_, message_id=client_id, metadata=meta,
                             replies_by_outbox=True)
        await self._services.runtime.feed(event)
        self._services.sockets.poke(self.channel, self.customer_id)  # the echo, in every tab
        self._services.delivery.kick()

    async def _visitor_typing(self) -> None:
        conv = await self._services.store.conversations.latest_for(self.customer_id, self.channel)
        if conv is not None and conv.state in ("agent", "queued"):
            self._services.console_events.publish(conv.agent_id, {"type": "typing", "conversation_id": conv.id})

    async def _leave_message(self, body: str, client_id: str, contact: object) -> None:
        """The offline form: the message becomes a ticket and the visitor is told its number."""
        services = self._services
        conv = await services.store.conversations.latest_for(self.customer_id, self.channel)
        language = conv.language if conv else "zh"
        if conv is None:
            conv = await services.store.conversations.create(self.customer_id, self.channel, language)
        if await services.store.processed.processed_result(self.channel, self.customer_id, client_id):
            return  # a resend of a message that already became a ticket
        reach = contact.strip()[:200] if isinstance(contact, str) and contact.strip() else None
        description = body + (f"\n\ncontact: {reach}" if reach else "")
        ticket = await services.tickets.create(
            self.customer_id, body[:80], description=description, type="message", conversation_id=conv.id,
            channel=self.channel, actor="customer",
        )
        await services.store.messages.add_message(
            MessageRecord(conv.id, "in", "customer", body, meta={"client_id": client_id})
        )
        await services.push.send(conv, Reply("text", text("left_message", conv.language, ticket_id=ticket.id)))
        await services.store.processed.remember(self.channel, self.customer_id, client_id, conv.id,
                                                {"ticket_id": ticket.id})
        services.sockets.poke(self.channel, self.customer_id)

    # --- frames to the client ---------------------------------------------------------------
    async def _writer(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._sync()
            except (ConnectionResetError, RuntimeError):
                return  # the socket closed under us; the reader ends the session
            except Exception:
                log.exception("socket_sync_failed", channel=self.channel)

    async def _sync(self) -> None:
        if self._cursor is None:
            return
        store = self._services.store
        while True:
            batch = await store.messages.customer_messages(self.channel, self.customer_id, self._cursor,
                                                           HISTORY_LIMIT)
            if not batch:
                break
            prompt_seen = False
            for m in batch:
                await self._send(self._frame(m))
                self._cursor = max(self._cursor, m.id or 0)
                prompt_seen = prompt_seen or m.meta.get("kind") == "rating_prompt"
            if prompt_seen:
                conv = await store.conversations.latest_for(self.customer_id, self.channel)
                if conv is not None and conv.state == "rating":
                    await self._send({"type": "rating_request"})
            if len(batch) < HISTORY_LIMIT:
                break
        await self._send_state()

    def _frame(self, m: MessageRecord) -> dict[str, Any]:
        meta = m.meta
        role = "customer" if m.direction == "in" else m.sender if m.sender in ("bot", "agent") else "system"
        frame: dict[str, Any] = {
            "type": "message", "seq": m.id, "id": meta.get("client_id") or f"m{m.id}", "role": role,
            "text": meta.get("label") or m.text if role == "customer" else m.text, "at": m.created_at,
        }
        if meta.get("buttons"):
            frame["buttons"] = meta["buttons"]
        if role == "agent":
            frame["agent"] = {"id": m.agent_id, "name": meta.get("agent_name") or m.agent_id}
        return frame

    async def _send_state(self, *, force: bool = False) -> None:
        services = self._services
        conv = await services.store.conversations.latest_for(self.customer_id, self.channel)
        online = await services.agents.any_online()
        state = (conv.state if conv else "new", conv.agent_id if conv else None, online)
        if not force and state == self._last_state:
            return
        self._last_state = state
        frame: dict[str, Any] = {"type": "state", "state": state[0], "agents_online": online,
                                 "conversation_id": conv.id if conv else None}
        if conv is not None and conv.state == "agent" and conv.agent_id:
            agent = await services.agents.get(conv.agent_id)
            frame["agent"] = {"id": conv.agent_id, "name": agent.name if agent else conv.agent_id}
        await self._send(frame)

    async def _error(self, code: str, message: str) -> None:
        await self._send({"type": "error", "error": code, "message": message})

    async def _send(self, frame: dict[str, Any]) -> None:
        if self._ws.closed:
            return
        async with self._send_lock:
            await self._ws.send_str(json.dumps(frame, ensure_ascii=False))
