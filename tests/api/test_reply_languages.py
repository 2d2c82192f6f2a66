"""`dialogue.languages` are the languages the bot answers in; a customer writing another gets
English (the conversation keeps the customer's language for agents and the LLM)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.config import ConfigError, load_settings
from tests.conftest import auth, write_project


async def say(client: TestClient, text: str, customer: str) -> dict[str, Any]:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": customer, "message": text},
                             headers=auth())
    assert resp.status == 200
    return await resp.json()


def texts(body: dict[str, Any]) -> str:
    return " | ".join(r["text"] for r in body["replies"])


async def test_a_french_customer_gets_english_by_default(client: TestClient) -> None:
    first = await say(client, "Bonjour, est-ce que vous livrez le dimanche ?", "fr-1")
    assert first["language"] == "fr" and first["route"] == "fallback"
    assert "Sorry" in texts(first) and "抱歉" not in texts(first) and "Désolé" not in texts(first)
    held = await say(client, "asdfgh", "fr-1")  # keyboard mash keeps the conversation French
    assert held["language"] == "fr" and "Would you like me to connect you" in texts(held)


async def test_listing_a_language_answers_in_it(tmp_path: Path) -> None:
    settings = load_settings(write_project(tmp_path, {"dialogue": {"languages": ["zh", "en", "fr"]}}), env={})
    async with TestClient(TestServer(create_app(settings))) as client:
        first = await say(client, "Bonjour, est-ce que vous livrez le dimanche ?", "fr-2")
        assert first["language"] == "fr" and "Désolé" in texts(first)
        second = await say(client, "qsdfgh", "fr-2")
        assert "Voulez-vous que je vous mette en relation" in texts(second)
        labels = [b["label"] for r in second["replies"] for b in r.get("buttons", [])]
        assert labels == ["Oui, un conseiller", "Non merci"]
        declined = await say(client, "Non merci", "fr-2")  # the button's own text is understood
        assert declined["state"] == "bot" and "pas de conseiller" in texts(declined)


def test_a_bad_language_code_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"dialogue\.languages.*'French'"):
        load_settings(write_project(tmp_path, {"dialogue": {"languages": ["zh", "French"]}}), env={})
    with pytest.raises(ConfigError, match=r"dialogue\.languages"):
        load_settings(write_project(tmp_path, {"dialogue": {"languages": []}}), env={})
