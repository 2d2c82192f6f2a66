"""LLMClient over HTTP: answers, streaming, every failure mode within the timeout, providers."""

from __future__ import annotations

import time

import pytest

from bot.config import AIConfig, ConfigError
from bot.llm.client import PLACEHOLDER_KEY, LLMClient, LLMUnavailable
from tests.llm.conftest import TIMEOUT, ai_config
from tests.openai_fake import FakeOpenAI, Text

MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "多久发货？"}]


async def test_answer_comes_back_with_model_usage_and_latency(llm: LLMClient, openai_server: FakeOpenAI) -> None:
    openai_server.reply("付款后 48 小时内发货。")
    result = await llm.complete(MESSAGES)
    assert result.text == "付款后 48 小时内发货。"
    assert result.model == "fake-model" and result.finish_reason == "stop"
    assert result.usage is not None and result.usage["total_tokens"] > 0
    assert 0 <= result.latency_ms < TIMEOUT * 1000
    [req] = openai_server.chat_requests
    assert req.body is not None
    assert req.body["model"] == "fake-model" and req.body["messages"] == MESSAGES
    assert req.body["temperature"] == 0.2 and req.body["max_tokens"] == 300
    assert req.headers["Authorization"] == "Bearer sk-test"


async def test_streaming_accumulates_the_deltas(llm: LLMClient, openai_server: FakeOpenAI) -> None:
    openai_server.push(Text("您好，订单付款后 48 小时内发货。", chunk_chars=3))
    result = await llm.complete(MESSAGES, stream=True)
    assert result.text == "您好，订单付款后 48 小时内发货。" and result.finish_reason == "stop"
    assert openai_server.chat_requests[0].body["stream"] is True  # type: ignore[index]

    openai_server.push(Text("one two three", chunk_chars=4))
    deltas = [d async for d in llm.complete_stream(MESSAGES)]
    assert len(deltas) >= 3 and "".join(deltas) == "one two three"


@pytest.mark.parametrize(
    ("status", "reason"), [(429, "rate_limited"), (500, "server_error"), (503, "server_error"), (401, "http_401")]
)
async def test_http_errors_become_unavailable_at_once_without_retries(
    llm: LLMClient, openai_server: FakeOpenAI, status: int, reason: str
) -> None:
    openai_server.fail(status, retry_after=5)  # Retry-After must not make us wait: we fall back
    started = time.perf_counter()
    with pytest.raises(LLMUnavailable) as err:
        await llm.complete(MESSAGES)
    assert err.value.reason == reason
    assert time.perf_counter() - started < 0.5
    assert len(openai_server.chat_requests) == 1


@pytest.mark.parametrize("stream", [False, True])
async def test_slow_server_times_out_within_the_configured_timeout(
    llm: LLMClient, openai_server: FakeOpenAI, stream: bool
) -> None:
    openai_server.slow(TIMEOUT + 2)
    started = time.perf_counter()
    with pytest.raises(LLMUnavailable) as err:
        await llm.complete(MESSAGES, stream=stream)
    elapsed = time.perf_counter() - started
    assert err.value.reason == "timeout"
    assert TIMEOUT - 0.1 < elapsed < TIMEOUT + 0.5


async def test_a_stream_that_stalls_midway_times_out_for_the_whole_answer(
    llm: LLMClient, openai_server: FakeOpenAI
) -> None:
    # Each chunk arrives well within the timeout, but the whole answer would take 3 s.
    openai_server.push(Text("x" * 12, chunk_chars=2, delay_between_chunks=0.5))
    started = time.perf_counter()
    with pytest.raises(LLMUnavailable) as err:
        [d async for d in llm.complete_stream(MESSAGES)]
    assert err.value.reason == "timeout"
    assert time.perf_counter() - started < TIMEOUT + 0.5


@pytest.mark.parametrize("stream", [False, True])
async def test_malformed_response_is_unavailable(llm: LLMClient, openai_server: FakeOpenAI, stream: bool) -> None:
    openai_server.malformed()
    with pytest.raises(LLMUnavailable) as err:
        await llm.complete(MESSAGES, stream=stream)
    assert err.value.reason == "bad_response"


@pytest.mark.parametrize("answer", ["", "   \n"])
async def test_empty_answer_is_unavailable(llm: LLMClient, openai_server: FakeOpenAI, answer: str) -> None:
    openai_server.reply(answer)
    with pytest.raises(LLMUnavailable) as err:
        await llm.complete(MESSAGES)
    assert err.value.reason == "empty_answer"


async def test_server_down_is_a_connection_error(openai_server: FakeOpenAI) -> None:
    url = openai_server.url
    await openai_server.close()
    client = LLMClient(AIConfig(provider="compatible", base_url=url, timeout=TIMEOUT))
    try:
        with pytest.raises(LLMUnavailable) as err:
            await client.complete(MESSAGES)
        assert err.value.reason == "connection_error"
    finally:
        await client.aclose()


async def test_compatible_endpoint_without_key_sends_a_placeholder(openai_server: FakeOpenAI) -> None:
    client = LLMClient(ai_config(openai_server, api_key=None))  # Ollama / local vLLM need no key
    try:
        assert (await client.complete(MESSAGES)).text
        assert openai_server.chat_requests[0].headers["Authorization"] == f"Bearer {PLACEHOLDER_KEY}"
    finally:
        await client.aclose()


async def test_azure_uses_the_deployment_path_api_version_and_api_key_header(openai_server: FakeOpenAI) -> None:
    client = LLMClient(AIConfig(provider="azure", base_url=openai_server.endpoint, model="gpt4o-prod",
                                api_key="azure-key", api_version="2024-10-21", timeout=TIMEOUT))
    try:
        openai_server.reply("Azure says hi")
        result = await client.complete(MESSAGES)
        assert result.text == "Azure says hi" and result.model == "gpt4o-prod"
        [req] = openai_server.chat_requests
        assert req.path == "/openai/deployments/gpt4o-prod/chat/completions"
        assert req.query == {"api-version": "2024-10-21"}
        assert req.headers["api-key"] == "azure-key"
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"provider": "openai"}, "ai.api_key"),
        ({"provider": "azure", "base_url": "https://x.openai.azure.com", "api_version": "2024-10-21"}, "ai.api_key"),
        ({"provider": "azure", "api_key": "k", "api_version": "2024-10-21"}, "ai.base_url"),
        ({"provider": "azure", "api_key": "k", "base_url": "https://x.openai.azure.com"}, "ai.api_version"),
        ({"provider": "compatible"}, "ai.base_url"),
        ({"provider": "none"}, "ai.provider"),
    ],
)
def test_incomplete_configuration_names_the_key(config: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        LLMClient(AIConfig(**config))  # type: ignore[arg-type]
