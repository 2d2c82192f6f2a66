"""LLM tests: the real `openai` SDK against the local fake server (`openai_server`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import AIConfig
from bot.llm.client import LLMClient
from tests.openai_fake import FakeOpenAI

TIMEOUT = 1.0  # seconds: short so the timeout tests are quick, long enough for loopback


def ai_config(server: FakeOpenAI, **overrides: Any) -> AIConfig:
    values: dict[str, Any] = {"provider": "compatible", "base_url": server.url, "model": "fake-model",
                              "api_key": "sk-test", "timeout": TIMEOUT, "temperature": 0.2, "max_tokens": 300}
    return AIConfig(**{**values, **overrides})


@pytest.fixture
async def llm(openai_server: FakeOpenAI) -> AsyncIterator[LLMClient]:
    client = LLMClient(ai_config(openai_server))
    try:
        yield client
    finally:
        await client.aclose()
