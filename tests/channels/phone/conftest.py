"""The service with channels.phone configured, and a Twilio that signs what it posts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.app import Services
from bot.channels.phone.twilio import signature
from bot.config import load_settings
from tests.conftest import write_project

AUTH_TOKEN = "12345678901234567890123456789012"
SECRET = "alicloud-callback-secret"
PUBLIC = "https://bot.example.com"
HUMAN = "+861012345678"
CALLER = "+8613800138000"
CALL_SID = "CA0123456789abcdef0123456789abcdef"

Opener = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def open_app(tmp_path: Path) -> AsyncIterator[Opener]:
    opened: list[TestClient] = []

    async def open_(**overrides: Any) -> TestClient:
        phone = {"enabled": True, "provider": "twilio", "auth_token": AUTH_TOKEN, "secret_token": SECRET,
                 "public_base_url": PUBLIC, "human_number": HUMAN, **overrides}
        config = write_project(tmp_path, {"channels": {"phone": phone}})
        client = TestClient(TestServer(create_app(load_settings(config, env={}))))
        await client.start_server()
        opened.append(client)
        return client

    yield open_
    for client in opened:
        await client.close()


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


def twilio_form(round_: int | None = None, call_sid: str = CALL_SID, **fields: str) -> dict[str, str]:
    return {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": CALLER, "To": "+14155550100",
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01", **fields}


async def twilio_post(client: TestClient, form: dict[str, str], query: str = "", *, token: str = AUTH_TOKEN,
                      sign_form: dict[str, str] | None = None) -> ClientResponse:
    """POST the form as Twilio does, signed over the public URL Twilio requested."""
    path = "/channels/phone/twilio" + (f"?{query}" if query else "")
    sig = signature(token, PUBLIC + path, (sign_form or form).items())
    return await client.post(path, data=urlencode(form), headers={
        "X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"})
