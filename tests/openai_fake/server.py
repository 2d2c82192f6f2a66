"""A real HTTP server on 127.0.0.1 that speaks the OpenAI wire protocol, scriptable per test.

Routes: POST /v1/chat/completions (JSON, or SSE when `stream` is true), the Azure form
POST /openai/deployments/{deployment}/chat/completions?api-version=..., POST /v1/embeddings,
GET /v1/models. Each request is recorded so tests can assert what the SDK really sent.

What a chat request gets back, first match wins: the next queued behaviour (`reply`, `fail`,
`slow`, `malformed`, `push`), else the `responder` function of the request, else `default`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Text:
    """A normal answer; streamed in pieces of `chunk_chars` when the client asks for a stream."""

    text: str
    finish_reason: str = "stop"
    chunk_chars: int = 4
    delay_between_chunks: float = 0.0


@dataclass(frozen=True)
class Error:
    status: int
    message: str = "fake error"
    retry_after: float | None = None


@dataclass(frozen=True)
class Slow:
    """Answer only after `delay` seconds (longer than the client's timeout in the timeout tests)."""

    delay: float
    then: Text = Text("too late")


@dataclass(frozen=True)
class Malformed:
    """200 with a JSON content type and a body that is not JSON."""

    body: str = '{"id": "chatcmpl-broken", "choices": [ {'


Behaviour = Text | Error | Slow | Malformed
Responder = Callable[["RecordedRequest"], "Behaviour | str"]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))

    @property
    def system_prompt(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.messages if m.get("role") == "system")

    @property
    def last_user_message(self) -> str:
        users = [m for m in self.messages if m.get("role") == "user"]
        return str(users[-1].get("content", "")) if users else ""

    @property
    def prompt_text(self) -> str:
        """Every message's content in order, for `in` assertions."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


def _error_body(status: int, message: str) -> dict[str, Any]:
    kind = {429: "rate_limit_error", 401: "invalid_request_error"}.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}


@dataclass
class FakeOpenAI:
    """Start with `await start()`; `url` is the base_url to give the SDK (…/v1)."""

    default: Behaviour = field(default_factory=lambda: Text("这是测试回答。"))
    responder: Responder | None = None
    model: str = "fake-model"
    requests: list[RecordedRequest] = field(default_factory=list)
    _queue: deque[Behaviour] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    # --- scripting -------------------------------------------------------------------------
    def push(self, *behaviours: Behaviour) -> None:
        self._queue.extend(behaviours)

    def reply(self, text: str, **kw: Any) -> None:
        self.push(Text(text, **kw))

    def fail(self, status: int, *, retry_after: float | None = None, message: str = "fake error") -> None:
        self.push(Error(status, message, retry_after))

    def slow(self, delay: float, text: str = "too late") -> None:
        self.push(Slow(delay, Text(text)))

    def malformed(self) -> None:
        self.push(Malformed())

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """Scheme, host and port: what Azure calls the endpoint."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def url(self) -> str:
        return f"{self.endpoint}/v1"

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._chat)
        app.router.add_post("/v1/embeddings", self._embeddings)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing.set()  # wakes every `Slow` handler so shutdown does not wait for them
        if self._runner is not None:
            await self._runner.cleanup()

    # --- handlers --------------------------------------------------------------------------
    async def _record(self, request: web.Request) -> RecordedRequest:
        body: dict[str, Any] | None = None
        if request.can_read_body:
            body = await request.json()
        rec = RecordedRequest(request.method, request.path, dict(request.query), dict(request.headers), body)
        self.requests.append(rec)
        return rec

    def _authorized(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        return (auth.startswith("Bearer ") and len(auth) > len("Bearer ")) or bool(request.headers.get("api-key"))

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            pass

    def _next(self, rec: RecordedRequest) -> Behaviour:
        if self._queue:
            return self._queue.popleft()
        if self.responder is not None:
            out = self.responder(rec)
            return Text(out) if isinstance(out, str) else out
        return self.default

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if not self._authorized(request):
            return web.json_response(_error_body(401, "missing api key"), status=401)
        if not rec.body or "messages" not in rec.body or "model" not in rec.body:
            return web.json_response(_error_body(400, "model and messages are required"), status=400)
        behaviour = self._next(rec)
        if isinstance(behaviour, Slow):
            await self._sleep(behaviour.delay)
            behaviour = behaviour.then
        if isinstance(behaviour, Error):
            headers = {"Retry-After": f"{behaviour.retry_after:g}"} if behaviour.retry_after is not None else {}
            return web.json_response(
                _error_body(behaviour.status, behaviour.message), status=behaviour.status, headers=headers
            )
        if isinstance(behaviour, Malformed):
            if rec.body.get("stream"):  # a broken SSE event instead of a broken JSON body
                return web.Response(text=f"data: {behaviour.body}\n\n", content_type="text/event-stream")
            return web.Response(text=behaviour.body, content_type="application/json")
        model = request.match_info.get("deployment") or str(rec.body["model"])
        if rec.body.get("stream"):
            return await self._stream(request, rec, behaviour, model)
        return web.json_response(self._completion(rec, behaviour, model))

    def _usage(self, rec: RecordedRequest, text: str) -> dict[str, int]:
        prompt = len(rec.prompt_text) // 4 + 1
        completion = len(text) // 4 + 1
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _completion(self, rec: RecordedRequest, answer: Text, model: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": answer.text},
                "finish_reason": answer.finish_reason,
                "logprobs": None,
            }],
            "usage": self._usage(rec, answer.text),
        }

    async def _stream(
        self, request: web.Request, rec: RecordedRequest, answer: Text, model: str
    ) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        base = {"id": f"chatcmpl-fake{len(self.requests)}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": model}

        async def send(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> None:
            chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            await resp.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())

        await send({"role": "assistant", "content": ""})
        step = max(1, answer.chunk_chars)
        for i in range(0, len(answer.text), step):
            if answer.delay_between_chunks:
                await self._sleep(answer.delay_between_chunks)
            await send({"content": answer.text[i : i + step]})
        await send({}, answer.finish_reason)
        if (rec.body or {}).get("stream_options", {}).get("include_usage"):
            usage_chunk = {**base, "choices": [], "usage": self._usage(rec, answer.text)}
            await resp.write(f"data: {json.dumps(usage_chunk)}\n\n".encode())
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def _embeddings(self, request: web.Request) -> web.Response:
        rec = await self._record(request)
        if not self._authorized(request):
            return web.json_response(_error_body(401, "missing api key"), status=401)
        raw = (rec.body or {}).get("input", [])
        inputs = [raw] if isinstance(raw, str) else list(raw)
        dims = int((rec.body or {}).get("dimensions") or 8)
        data = [{"object": "embedding", "index": i, "embedding": _vector(str(t), dims)} for i, t in enumerate(inputs)]
        tokens = sum(len(str(t)) for t in inputs) // 4 + 1
        return web.json_response({"object": "list", "data": data, "model": (rec.body or {}).get("model", self.model),
                                  "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    async def _models(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response(
            {"object": "list", "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "fake"}]}
        )


def _vector(text: str, dims: int) -> list[float]:
    """Deterministic unit vector from the text's hash: equal texts embed equally."""
    digest = hashlib.sha256(text.encode()).digest()
    raw = [(digest[i % len(digest)] - 127.5) / 127.5 for i in range(dims)]
    norm = sum(v * v for v in raw) ** 0.5 or 1.0
    return [v / norm for v in raw]
