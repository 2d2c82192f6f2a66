"""A fake Telegram Bot API on 127.0.0.1: a real aiohttp server speaking the protocol aiogram talks.

`/bot<token>/<method>` with the parameters as a form, a query or JSON, answering `{"ok": true,
"result": ...}` or `{"ok": false, "error_code": ..., "description": ...}` as Telegram does. It
records every call, hands queued updates to getUpdates (long polling with `offset` and `timeout`;
an update below the offset is confirmed and never served again), answers each callback query
once, refuses what Telegram refuses (an empty or 4096+ text, callback_data over 64 bytes) and fails
on demand: `fail("sendMessage", 429, ..., retry_after=3)`, `disconnect("sendMessage")`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "7000000001:AAHfake-token_for-tests0123456789"
BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Shop Support", "username": "shop_support_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Call:
    """One request, recorded when it arrives; `status` is None until it is answered (a long poll)."""

    method: str
    params: dict[str, Any]
    status: int | None = None
    result: Any = None
    answered_at: float | None = None  # time.perf_counter() when the fake answered


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None = None
    disconnect: bool = False


@dataclass
class FakeBotApi:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    _answered: set[str] = field(default_factory=set)
    _next_update_id: int = 843020001
    _next_message_id: int = 500
    _runner: web.AppRunner | None = None
    _port: int = 0

    def __post_init__(self) -> None:
        self._changed = asyncio.Event()
        self._closing = False

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def close(self) -> None:
        self._closing = True
        self._poke()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests do ----------------------------------------------------------------------
    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Make `update` available to getUpdates (an update_id is given when it has none)."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
        self._updates.append(update)
        self._poke()
        return update

    def fail(self, method: str, status: int, description: str, *, times: int = 1,
             retry_after: int | None = None) -> None:
        for _ in range(times):
            self._failures.setdefault(method, deque()).append(_Failure(status, description, retry_after))

    def disconnect(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` lose the connection (a network error)."""
        for _ in range(times):
            self._failures.setdefault(method, deque()).append(_Failure(0, "", disconnect=True))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The messages the bot sent (parameters of each successful sendMessage)."""
        return [c.params for c in self.calls_to("sendMessage")
                if c.status == 200 and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The Message objects Telegram returned for them (what a callback_query carries)."""
        return [c.result for c in self.calls_to("sendMessage")
                if c.status == 200 and (chat_id is None or c.params.get("chat_id") == chat_id)]

    async def wait_for(self, predicate: Any, seconds: float = 15.0) -> Any:
        """Wait until `predicate()` is truthy (calls arrive asynchronously); returns its value."""
        async with asyncio.timeout(seconds):
            while not (value := predicate()):
                self._changed.clear()
                await self._changed.wait()
            return value

    # --- the protocol -------------------------------------------------------------------------
    def _poke(self) -> None:
        self._changed.set()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        call = Call(request.match_info["method"], await _params(request))
        self.calls.append(call)
        self._poke()
        if request.match_info["token"] != self.token:
            return self._answer(call, 401, _error(401, "Unauthorized"))
        failures = self._failures.get(call.method)
        if failures:
            failure = failures.popleft()
            if failure.disconnect:
                call.status = 0
                assert request.transport is not None
                request.transport.close()
                raise ConnectionResetError("fake network error")
            body = _error(failure.status, failure.description)
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return self._answer(call, failure.status, body)
        handler = getattr(self, f"_m_{call.method.lower()}", None)
        if handler is None:
            return self._answer(call, 404, _error(404, "Not Found: method not found"))
        status, body = await handler(call.params)
        return self._answer(call, status, body)

    def _answer(self, call: Call, status: int, body: dict[str, Any]) -> web.Response:
        call.status, call.result, call.answered_at = status, body.get("result"), time.perf_counter()
        self._poke()
        return web.json_response(body, status=status)

    async def _m_getme(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": BOT_USER}

    async def _m_sendmessage(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return 400, _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return 400, _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", ()):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64 or not button.get("text"):
                    return 400, _error(400, "Bad Request: BUTTON_DATA_INVALID")
        chat_id = params.get("chat_id")
        self._next_message_id += 1
        message: dict[str, Any] = {
            "message_id": self._next_message_id, "from": BOT_USER,
            "chat": {"id": chat_id, "first_name": "Customer", "type": "private"},
            "date": int(time.time()), "text": text,
        }
        if markup:
            message["reply_markup"] = markup
        return 200, {"ok": True, "result": message}

    async def _m_getupdates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed: gone
        deadline = time.monotonic() + wait
        while not self._updates and not self._closing and time.monotonic() < deadline:
            self._changed.clear()
            try:
                async with asyncio.timeout(deadline - time.monotonic()):
                    await self._changed.wait()
            except TimeoutError:
                break
        return 200, {"ok": True, "result": list(self._updates[:int(params.get("limit") or 100)])}

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        query = str(params.get("callback_query_id"))
        if query in self._answered:
            return 400, _error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._answered.add(query)
        return 200, {"ok": True, "result": True}

    async def _m_sendchataction(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": True}

    async def _m_deletewebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": True}


_NUMBERS = ("chat_id", "offset", "limit", "timeout")


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


async def _params(request: web.Request) -> dict[str, Any]:
    """Query, form and JSON parameters; JSON-encoded values (reply_markup, allowed_updates) decoded."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw.update(await request.json())
    elif request.can_read_body:
        raw.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        elif isinstance(value, str) and key in _NUMBERS and value.lstrip("-").isdigit():
            value = int(value)
        out[key] = value
    return out
