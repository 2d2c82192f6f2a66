"""The service with channels.wecom and channels.wechat_kf configured against the fake WeCom API."""

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
from tests.channels.wecom.fake_api import CORP_ID, KF_SECRET, SECRET, FakeWecomApi
from tests.channels.wecom.pusher import AES_KEY, TOKEN
from tests.conftest import write_project

Opener = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def wecom_api() -> AsyncIterator[FakeWecomApi]:
    api = await FakeWecomApi().start()
    yield api
    await api.close()


@pytest.fixture
async def open_app(tmp_path: Path, wecom_api: FakeWecomApi) -> AsyncIterator[Opener]:
    """open_app(): a client of a new app over the test's data dir (a second call is a restart)."""
    opened: list[TestClient] = []

    async def open_(**kf: Any) -> TestClient:
        common = {"enabled": True, "corp_id": CORP_ID, "token": TOKEN, "encoding_aes_key": AES_KEY,
                  "api_base_url": wecom_api.url}
        channels = {"wecom": {**common, "agent_id": 1000002, "secret": SECRET},
                    "wechat_kf": {**common, "secret": KF_SECRET, **kf}}
        config = write_project(tmp_path, {"channels": channels})
        client = TestClient(TestServer(create_app(load_settings(config, env={}))))
        await client.start_server()
        opened.append(client)
        return client

    yield open_
    for client in opened:
        await client.close()


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        for _ in range(100_000):
            if await check():
                return
            await asyncio.sleep(0.02)


async def settle(client: TestClient, channel: str) -> None:
    """The background turns of `channel` done and what they wrote handed to the platform."""
    svc = services(client)
    connector = await svc.channels.get(channel)
    await connector.tasks.wait()  # type: ignore[union-attr]
    await svc.delivery.settle()
