"""Shared fakes: in-memory store protocols for tests that need no database, and a real local
HTTP server playing the operator's order-status hook."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.kb.embedding import Embedder
from bot.kb.faq import FaqEntry


class InMemoryFaqStore:
    """Implements bot.kb.knowledge_base.FaqStore with a dict."""

    def __init__(self, entries: Sequence[FaqEntry] = ()) -> None:
        self.faqs: dict[str, FaqEntry] = {e.id: e for e in entries}
        self.changes: list[tuple[int, str | None, str]] = []
        self.meta: dict[str, str] = {}

    def _log(self, faq_id: str | None, op: str) -> None:
        self.changes.append((len(self.changes) + 1, faq_id, op))

    async def list_faqs(self) -> list[FaqEntry]:
        return [self.faqs[k] for k in sorted(self.faqs)]

    async def get_faq(self, faq_id: str) -> FaqEntry | None:
        return self.faqs.get(faq_id)

    async def get_faqs(self, ids: Sequence[str]) -> dict[str, FaqEntry]:
        return {i: self.faqs[i] for i in ids if i in self.faqs}

    async def count(self) -> int:
        return len(self.faqs)

    async def upsert_faqs(self, entries: Sequence[FaqEntry]) -> tuple[int, int]:
        added = sum(e.id not in self.faqs for e in entries)
        self.faqs.update({e.id: e for e in entries})
        for e in entries:
            self._log(e.id, "upsert")
        return added, len(entries) - added

    async def delete_faq(self, faq_id: str) -> bool:
        found = self.faqs.pop(faq_id, None) is not None
        if found:
            self._log(faq_id, "delete")
        return found

    async def record_reindex(self) -> None:
        self._log(None, "reindex")

    async def last_change(self) -> int:
        return len(self.changes)

    async def changes_since(self, seq: int, limit: int = 10_000) -> list[tuple[int, str | None, str]]:
        return self.changes[seq : seq + limit]

    async def get_meta(self, key: str) -> str | None:
        return self.meta.get(key)

    async def set_meta(self, key: str, value: str) -> None:
        self.meta[key] = value


class CountingEmbedder:
    """Wraps an embedder and counts the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


@dataclass
class HookRequest:
    query: dict[str, str]
    authorization: str | None


@dataclass
class FakeOrderHook:
    """The operator's order hook (bot/integrations/order_lookup.py's protocol) on 127.0.0.1:
    `GET /orders?order_id=&customer_id=` answers `orders[order_id]` as JSON, else 404. `mode`
    makes it misbehave: `error` answers 500, `slow` never answers (until closed), `bad_json` sends
    a body that is not JSON. Every request is recorded."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    mode: Literal["ok", "error", "slow", "bad_json"] = "ok"
    requests: list[HookRequest] = field(default_factory=list)
    _server: TestServer | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        assert self._server is not None, "start the hook first"
        return str(self._server.make_url("/orders"))

    async def start(self) -> FakeOrderHook:
        app = web.Application()
        app.router.add_get("/orders", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def close(self) -> None:
        self._release.set()  # a `slow` request still waiting returns now
        if self._server is not None:
            await self._server.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(HookRequest(dict(request.query), request.headers.get("Authorization")))
        if self.mode == "error":
            return web.json_response({"error": "boom"}, status=500)
        if self.mode == "slow":
            await self._release.wait()
            return web.json_response({"status": "shipped"})
        if self.mode == "bad_json":
            return web.Response(text="<html>oops</html>", content_type="application/json")
        order = self.orders.get(request.query.get("order_id", ""))
        if order is None:
            return web.json_response({"error": "not_found"}, status=404)
        return web.json_response(order)


def unused_url(path: str = "/orders") -> str:
    """An http://127.0.0.1 URL on a port nobody listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
