"""The service with the wechat channel configured against the fake platform API on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.app import Services
from bot.config import load_settings
from bot.core.events import InboundEvent, TurnResult
from tests.channels.wechat.fake_api import APP_ID, APP_SECRET, FakeWechatApi
from tests.channels.wechat.pusher import AES_KEY, TOKEN
from tests.conftest import write_project

Opener = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def wechat_api() -> AsyncIterator[FakeWechatApi]:
    api = await FakeWechatApi().start()
    yield api
    await api.close()


def wechat_settings(api: FakeWechatApi, **overrides: Any) -> dict[str, Any]:
    return {"enabled": True, "app_id": APP_ID, "app_secret": APP_SECRET, "token": TOKEN,
            "encoding_aes_key": AES_KEY, "api_base_url": api.url, **overrides}


@pytest.fixture
async def open_app(tmp_path: Path, wechat_api: FakeWechatApi) -> AsyncIterator[Opener]:
    """open_app(**channels.wechat overrides): a client of a new app over the test's project and
    data dir (a second call after closing the first is a restart)."""
    opened: list[TestClient] = []

    async def open_(**overrides: Any) -> TestClient:
        config = write_project(tmp_path, {"channels": {"wechat": wechat_settings(wechat_api, **overrides)}})
        client = TestClient(TestServer(create_app(load_settings(config, env={}))))
        await client.start_server()
        opened.append(client)
        return client

    yield open_
    for client in opened:
        await client.close()  # (a no-op for one a test closed)


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


class Gate:
    """Holds every turn until `open()`: a slow dialogue (an LLM taking its time)."""

    def __init__(self, svc: Services) -> None:
        self.release = asyncio.Event()
        self.entered = 0
        original = svc.dialogue.handle

        async def slow(event: InboundEvent) -> TurnResult:
            self.entered += 1
            await self.release.wait()
            return await original(event)

        svc.dialogue.handle = slow  # type: ignore[method-assign]

    def open(self) -> None:
        self.release.set()
