"""Fixtures: the fake Bot API, and the app with channels.telegram pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.config import Settings, load_settings
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.conftest import write_project

SECRET = "s3cret-Token_for-the-webhook"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = await FakeBotApi().start()
    yield api
    await api.close()


def telegram_settings(root: Path, fake: FakeBotApi, mode: str = "webhook", **extra: Any) -> Settings:
    conf = {"enabled": True, "token": fake.token, "mode": mode, "secret_token": SECRET,
            "api_base_url": fake.base_url, **extra}
    return load_settings(write_project(root, {"channels": {"telegram": conf}}), env={})


@pytest.fixture
async def client(tmp_path: Path, fake: FakeBotApi) -> AsyncIterator[TestClient]:
    """The app in webhook mode (no background jobs: the tests drive delivery themselves)."""
    app = create_app(telegram_settings(tmp_path, fake))
    async with TestClient(TestServer(app)) as c:
        yield c
