"""Order questions through POST /api/message (issue 8 point 9): with an order number the bot looks
the order up on the operator's hook (a real local server, tests/fakes.py) and answers; when it
cannot (no hook, hook down, slow, 5xx, unreadable) it says where to find the tracking and offers a
human. Never a ticket, and a number given in the first message is not asked for again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.config import load_settings
from bot.conversation.texts import text as system_text
from tests.api.test_dialogue_bad_input import last_decision, say, ticket_count
from tests.conftest import write_project
from tests.fakes import FakeOrderHook, unused_url

ORDER = "2024120112345"
TOKEN = "hook-token-7f3a"
ASK_NUMBER = "请提供您的订单号"
SHIPPED = {"status": "shipped", "carrier": "顺丰速运", "tracking_no": "SF1234567890", "eta": "2024-12-05"}


async def _client(tmp_path: Path, url: str | None) -> AsyncIterator[TestClient]:
    lookup: dict[str, Any] = {"url": url, "token": TOKEN, "timeout": 0.5} if url else {}
    settings = load_settings(write_project(tmp_path, {"integrations": {"order_lookup": lookup}}), env={})
    async with TestClient(TestServer(create_app(settings))) as c:
        yield c


@pytest.fixture
async def hooked(tmp_path: Path, order_hook: FakeOrderHook) -> AsyncIterator[TestClient]:
    async for c in _client(tmp_path, order_hook.url):
        yield c


def texts(body: dict[str, Any]) -> list[str]:
    return [r["text"] for r in body["replies"]]


def labels(body: dict[str, Any]) -> list[str]:
    return [b["label"] for r in body["replies"] for b in r.get("buttons", ())]


async def answered_without_ticket(client: TestClient, body: dict[str, Any]) -> None:
    assert body["state"] == "bot" and body["ticket_id"] is None, body
    assert await ticket_count(client) == 0


async def test_found_order_answers_with_its_status_from_the_first_message(
    hooked: TestClient, order_hook: FakeOrderHook,
) -> None:
    order_hook.orders[ORDER] = SHIPPED
    body = await say(hooked, f"查一下我的订单 {ORDER} 到哪了")
    assert texts(body) == [f"您的订单 {ORDER} 当前状态：已发货。物流公司：顺丰速运。运单号：SF1234567890。"
                           "预计送达：2024-12-05。"]
    assert ASK_NUMBER not in "".join(texts(body))  # the number was in the message: not asked again
    await answered_without_ticket(hooked, body)
    [req] = order_hook.requests
    assert req.query == {"order_id": ORDER, "customer_id": "cust-b"}
    assert req.authorization == f"Bearer {TOKEN}"
    decision = await last_decision(hooked, body["conversation_id"])
    assert decision["scores"]["order_lookup"] == "found"


async def test_a_faq_about_shipping_does_not_shadow_the_lookup(hooked: TestClient, order_hook: FakeOrderHook) -> None:
    # "什么时候发货" is a similar question of the sample KB's faq_002; with a number it is this order's status.
    order_hook.orders[ORDER] = {"status": "pending"}
    body = await say(hooked, f"订单{ORDER}什么时候发货")
    assert texts(body) == [f"您的订单 {ORDER} 当前状态：待发货。"]
    await answered_without_ticket(hooked, body)


async def test_english_conversation_gets_english_status(hooked: TestClient, order_hook: FakeOrderHook) -> None:
    order_hook.orders[ORDER] = {"status": "out_for_delivery", "tracking_no": "SF1234567890"}
    body = await say(hooked, f"where is my order {ORDER}")
    assert body["language"] == "en"
    assert texts(body) == [f"Your order {ORDER}: out for delivery. Tracking number: SF1234567890."]
    await answered_without_ticket(hooked, body)


async def test_asked_for_the_number_then_answered(hooked: TestClient, order_hook: FakeOrderHook) -> None:
    order_hook.orders[ORDER] = {"status": "awaiting_customs", "status_text": "清关中"}
    first = await say(hooked, "帮我查下订单")
    assert first["state"] == "collecting" and ASK_NUMBER in texts(first)[0]
    body = await say(hooked, ORDER)
    assert texts(body) == [f"您的订单 {ORDER} 当前状态：清关中。"]  # an unknown code: the hook's own words
    await answered_without_ticket(hooked, body)


async def test_not_found_asks_to_check_the_number_and_offers_a_human(
    hooked: TestClient, order_hook: FakeOrderHook,
) -> None:
    body = await say(hooked, f"查一下我的订单 {ORDER} 到哪了")
    assert texts(body) == [system_text("order_not_found", "zh", order_id=ORDER),
                           system_text("order_not_found_offer", "zh")]
    assert labels(body) == ["转人工", "不用了"]
    assert body["ticket_id"] is None and await ticket_count(hooked) == 0
    # the corrected number is looked up at once
    order_hook.orders["2024120112346"] = {"status": "delivered"}
    fixed = await say(hooked, "2024120112346")
    assert texts(fixed) == ["您的订单 2024120112346 当前状态：已签收。"]
    await answered_without_ticket(hooked, fixed)


async def test_not_found_then_no_thanks_ends_it(hooked: TestClient) -> None:
    await say(hooked, f"where is my order {ORDER}")
    body = await say(hooked, "No, thanks")
    assert texts(body) == [system_text("human_declined", "en")]
    await answered_without_ticket(hooked, body)


@pytest.mark.parametrize(("mode", "outcome"), [("error", "http_error"), ("slow", "timeout"),
                                               ("bad_json", "bad_response")])
async def test_a_failing_hook_gives_guidance_and_a_human_not_a_ticket(
    hooked: TestClient, order_hook: FakeOrderHook, mode: str, outcome: str,
) -> None:
    order_hook.orders[ORDER] = SHIPPED
    order_hook.mode = mode  # type: ignore[assignment]
    body = await say(hooked, f"查一下我的订单 {ORDER} 到哪了")
    assert texts(body) == [system_text("order_lookup_unavailable", "zh", order_id=ORDER),
                           system_text("order_offer_human", "zh")]
    assert "「我的订单」" in texts(body)[0] and labels(body) == ["转人工", "不用了"]
    await answered_without_ticket(hooked, body)
    assert len(order_hook.requests) == 1
    decision = await last_decision(hooked, body["conversation_id"])
    assert decision["scores"]["order_lookup"] == outcome


async def test_an_unreachable_hook_gives_guidance(tmp_path: Path) -> None:
    async for client in _client(tmp_path, unused_url()):
        body = await say(client, f"where is my order {ORDER}")
        assert texts(body) == [system_text("order_lookup_unavailable", "en", order_id=ORDER),
                               system_text("order_offer_human", "en")]
        await answered_without_ticket(client, body)


async def test_without_a_hook_guidance_then_the_offered_human(client: TestClient) -> None:
    body = await say(client, f"查一下我的订单 {ORDER} 到哪了")
    assert texts(body)[0] == system_text("order_lookup_unavailable", "zh", order_id=ORDER)
    assert "物流" in texts(body)[0] and labels(body) == ["转人工", "不用了"]
    await answered_without_ticket(client, body)
    # the offer is real: its button reaches an agent (the handoff records its own ticket)
    handed = await say(client, body["replies"][1]["buttons"][0]["value"])
    assert (handed["route"], handed["state"]) == ("handoff", "queued")


@pytest.mark.parametrize(("opening", "lang"), [(f"查一下我的订单 {ORDER} 到哪了", "zh"),
                                              (f"where is my order {ORDER}", "en")])
async def test_without_a_hook_the_no_button_stays_with_the_bot(client: TestClient, opening: str, lang: str) -> None:
    offer = await say(client, opening)
    body = await say(client, offer["replies"][1]["buttons"][1]["value"])
    # The no of this shared offer reads as after any offer of an agent (today the small-talk
    # goodbye/thanks answers it first); what matters here: no queue, no ticket, the bot carries on.
    assert body["route"] in ("smalltalk", "fallback") and texts(body)
    assert system_text("queue_position", lang, position=1) not in texts(body)
    await answered_without_ticket(client, body)
