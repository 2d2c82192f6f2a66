"""An unreadable line asks to rephrase and suggests close questions; after repeated misses a human
is offered, not imposed, and no ticket is opened unless the customer accepts."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import auth


async def say(client: TestClient, text: str, customer: str = "f1") -> dict[str, Any]:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": customer, "message": text},
                             headers=auth())
    assert resp.status == 200
    return await resp.json()


async def test_misses_suggest_then_offer_and_the_customer_decides(client: TestClient) -> None:
    first = await say(client, "运费多少", customer="f-near")  # near the KB, but no entry answers it
    assert first["route"] == "fallback" and first["replies"][1]["type"] == "buttons"
    buttons = first["replies"][1]["buttons"]
    assert 1 <= len(buttons) <= 3
    tapped = await say(client, buttons[0]["value"], customer="f-near")  # tapping a suggestion answers it
    assert tapped["route"] == "faq" and tapped["faq"]["score"] == 1.0
    await say(client, "asdkjh qwezx")
    second = await say(client, "zzkq plmmq")
    assert second["route"] == "fallback" and second["state"] == "bot" and not second["ticket_id"]
    offer = second["replies"][-1]
    assert [b["value"] for b in offer["buttons"]] == ["转人工", "不用了"] or offer["buttons"][0]["value"] == "agent"
    declined = await say(client, "不用了")
    assert declined["state"] == "bot" and not declined["ticket_id"]
    await say(client, "qwpoi zmxn")
    again = await say(client, "lkjh mnbv")
    accepted = await say(client, again["replies"][-1]["buttons"][0]["value"])
    assert accepted["route"] == "handoff" and accepted["state"] == "queued"


async def test_chatter_gets_no_suggestions(client: TestClient) -> None:
    body = await say(client, "今天天气怎么样", customer="f2")
    assert body["route"] == "fallback" and all("buttons" not in r for r in body["replies"])
