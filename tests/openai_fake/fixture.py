"""The `openai_server` pytest fixture: a started FakeOpenAI on 127.0.0.1, closed after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.openai_fake.server import FakeOpenAI


@pytest.fixture
async def openai_server() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI().start()
    try:
        yield server
    finally:
        await server.close()
