"""The LLM client: one `openai` SDK client per process, built from `settings.ai`.

Providers: `openai` (api.openai.com or `ai.base_url`), `azure` (AsyncAzureOpenAI: `ai.base_url`
is the resource endpoint, `ai.model` the deployment, `ai.api_version` required) and
`anthropic` (Anthropic's OpenAI-compatible endpoint, https://api.anthropic.com/v1/, key from
`ANTHROPIC_API_KEY` or `ai.api_key`) and `compatible` (any OpenAI-compatible `ai.base_url`:
DeepSeek, Qwen/DashScope compatible mode, Ollama, vLLM ...; a key is optional there).

The whole answer must arrive within `ai.timeout`: the SDK gets the same timeout and no retries
(a retry after a 429 would blow the budget; the caller falls back instead), and an asyncio
deadline covers connect, first byte and every streamed chunk. Any failure becomes
`LLMUnavailable(reason)`, so no SDK exception reaches a customer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import openai
import structlog

from bot.config import AI_KEY_ENV, ANTHROPIC_BASE_URL, AIConfig, ConfigError

log = structlog.get_logger(__name__)

Message = dict[str, str]
# Sent as the bearer token to compatible servers that need none (Ollama, local vLLM).
PLACEHOLDER_KEY = "not-needed"


class LLMUnavailable(Exception):
    """The model gave no usable answer; `reason` is short and safe to store (no customer text)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class LLMResult:
    text: str
    model: str
    latency_ms: int
    usage: dict[str, int] | None = None
    finish_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "model": self.model, "latency_ms": self.latency_ms,
                "usage": self.usage, "finish_reason": self.finish_reason}


def _make_sdk_client(ai: AIConfig) -> openai.AsyncOpenAI:
    common: dict[str, Any] = {"timeout": ai.timeout, "max_retries": 0}
    if ai.provider == "none":
        raise ConfigError("ai.provider: is none; set openai, azure, anthropic or compatible to use the LLM")
    if ai.provider in AI_KEY_ENV and not ai.api_key:
        raise ConfigError(
            f"ai.api_key: required for provider {ai.provider} (e.g. api_key: ${{{AI_KEY_ENV[ai.provider]}}} "
            "with the variable set)"
        )
    if ai.provider == "azure":
        if not ai.base_url:
            raise ConfigError("ai.base_url: required for provider azure (https://<resource>.openai.azure.com)")
        if not ai.api_version:
            raise ConfigError("ai.api_version: required for provider azure (e.g. 2024-10-21)")
        return openai.AsyncAzureOpenAI(
            azure_endpoint=ai.base_url, api_version=ai.api_version, api_key=ai.api_key, **common
        )
    if ai.provider == "compatible" and not ai.base_url:
        raise ConfigError("ai.base_url: required for provider compatible (e.g. http://127.0.0.1:11434/v1)")
    base_url = ai.base_url or (ANTHROPIC_BASE_URL if ai.provider == "anthropic" else None)
    return openai.AsyncOpenAI(api_key=ai.api_key or PLACEHOLDER_KEY, base_url=base_url, **common)


def _reason(exc: BaseException) -> str:
    """Map an SDK/transport failure to a short reason for the decision record."""
    if isinstance(exc, TimeoutError | openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.APIStatusError):
        return "server_error" if exc.status_code >= 500 else f"http_{exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        return "connection_error"
    return "bad_response"  # malformed JSON or SSE, unexpected payload shape


# What the SDK raises on a broken response besides its own errors.
_FAILURES: tuple[type[BaseException], ...] = (
    TimeoutError, openai.OpenAIError, json.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError,
)


class LLMClient:
    """`complete()` for one answer, `complete_stream()` for typing channels; `aclose()` at shutdown."""

    def __init__(self, ai: AIConfig) -> None:
        self._ai = ai
        self._client = _make_sdk_client(ai)

    @property
    def model(self) -> str:
        return self._ai.model

    @property
    def timeout(self) -> float:
        return self._ai.timeout

    async def aclose(self) -> None:
        await self._client.close()

    def _params(self, messages: Sequence[Message]) -> dict[str, Any]:
        return {"model": self._ai.model, "messages": list(messages),
                "temperature": self._ai.temperature, "max_tokens": self._ai.max_tokens}

    def _failed(self, exc: BaseException, started: float) -> LLMUnavailable:
        reason = _reason(exc)
        status = getattr(exc, "status_code", None)
        log.warning("llm_unavailable", reason=reason, status=status, error_type=type(exc).__name__,
                    latency_ms=int((time.perf_counter() - started) * 1000), model=self._ai.model)
        return LLMUnavailable(reason, type(exc).__name__)

    async def complete(self, messages: Sequence[Message], *, stream: bool = False) -> LLMResult:
        started = time.perf_counter()
        if stream:
            parts: list[str] = []
            meta: dict[str, Any] = {}
            async for delta in self._stream(messages, started, meta):
                parts.append(delta)
            text, model, usage, finish = "".join(parts), meta.get("model"), meta.get("usage"), meta.get("finish")
        else:
            try:
                async with asyncio.timeout(self._ai.timeout):
                    resp = await self._client.chat.completions.create(**self._params(messages))
                choice = resp.choices[0]
                text, model, finish = choice.message.content or "", resp.model, choice.finish_reason
                usage = _usage(resp.usage)
            except _FAILURES as exc:
                raise self._failed(exc, started) from None
        latency_ms = int((time.perf_counter() - started) * 1000)
        if not text.strip():
            log.warning("llm_unavailable", reason="empty_answer", finish_reason=finish, latency_ms=latency_ms)
            raise LLMUnavailable("empty_answer", str(finish))
        result = LLMResult(text.strip(), model or self._ai.model, latency_ms, usage, finish)
        log.info("llm_reply", model=result.model, latency_ms=latency_ms, finish_reason=finish,
                 tokens=(usage or {}).get("total_tokens"), stream=stream)
        return result

    async def complete_stream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        """Text deltas as they arrive; raises LLMUnavailable like `complete` (also mid-stream)."""
        async for delta in self._stream(messages, time.perf_counter(), {}):
            yield delta

    async def _stream(
        self, messages: Sequence[Message], started: float, meta: dict[str, Any]
    ) -> AsyncIterator[str]:
        # A deadline per await, not `asyncio.timeout` around the yields: the consumer's own time
        # between chunks must not be cancelled by our timer.
        deadline = asyncio.get_running_loop().time() + self._ai.timeout
        stream = None
        try:
            async with asyncio.timeout_at(deadline):
                stream = await self._client.chat.completions.create(**self._params(messages), stream=True)
            chunks = aiter(stream)
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                meta["model"] = chunk.model or meta.get("model")
                if chunk.usage is not None:
                    meta["usage"] = _usage(chunk.usage)
                for choice in chunk.choices:
                    if choice.finish_reason:
                        meta["finish"] = choice.finish_reason
                    if choice.delta and choice.delta.content:
                        yield choice.delta.content
        except _FAILURES as exc:
            raise self._failed(exc, started) from None
        finally:
            if stream is not None:
                await stream.close()


def _usage(usage: Any) -> dict[str, int] | None:
    if usage is None:
        return None
    return {k: int(getattr(usage, k, 0) or 0) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
