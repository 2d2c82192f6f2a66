"""Telegram in webhook mode, end to end: the Bot API posts Updates to POST /channels/telegram and
the bot answers through sendMessage on the fake Bot API."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from bot.api.keys import SERVICES
from bot.app import Services
from bot.core.events import Button, Reply
from bot.customers.service import CustomerUpdate
from tests.channels.telegram.conftest import SECRET
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.updates import message, tap
from tests.conftest import auth

HEADER = "X-Telegram-Bot-Api-Secret-Token"
ANSWERS = {"如何申请退款？": "在订单页点击申请退款。", "多久可以发货？": "付款后 48 小时内发货。",
           "怎么开发票？": "在订单详情页点击申请发票。"}  # tests/conftest.py's SAMPLE_FAQS


def services(client: TestClient) -> Services:
    return client.server.app[SERVICES]


async def post(client: TestClient, update: dict[str, Any], secret: str | None = SECRET) -> ClientResponse:
    headers = {HEADER: secret} if secret is not None else {}
    return await client.post("/channels/telegram", json=update, headers=headers)


async def ask(client: TestClient, update: dict[str, Any]) -> None:
    resp = await post(client, update)
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"ok": True}


def texts(fake: FakeBotApi, chat: int) -> list[str]:
    return [m["text"] for m in fake.sent(chat)]


async def wait_text(fake: FakeBotApi, chat: int, text: str) -> list[dict[str, Any]]:
    """The messages sent to `chat` once one of them contains `text`."""
    return await fake.wait_for(lambda: fake.sent_messages(chat) if any(
        text in m["text"] for m in fake.sent(chat)) else None)


async def test_the_secret_header_is_checked_before_anything_is_processed(client: TestClient, fake: FakeBotApi) -> None:
    update = message(chat_id=6100001)
    missing = await post(client, update, secret=None)
    assert missing.status == 401 and (await missing.json())["field"] == HEADER
    for wrong in ("nope", SECRET + "x", SECRET[:-1], "秘密"):
        assert (await post(client, update, secret=wrong)).status == 403
    assert await services(client).store.conversations.latest_for("tg_6100001", "telegram") is None
    assert fake.calls == []
    assert (await post(client, {"update_id": "x"})).status == 400
    await ask(client, update)
    await wait_text(fake, 6100001, "在订单页点击申请退款。")
    assert fake.sent(6100001)[0]["chat_id"] == 6100001


async def test_a_faq_question_is_answered_and_a_retried_update_only_once(client: TestClient, fake: FakeBotApi) -> None:
    update = message(chat_id=6100002, text="多久可以发货")
    await ask(client, update)
    await wait_text(fake, 6100002, "付款后 48 小时内发货。")
    # Telegram retries an update it got no answer for (twice here, one of them at the same time)
    await asyncio.gather(ask(client, update), ask(client, update))
    await services(client).delivery.settle()
    assert texts(fake, 6100002) == ["付款后 48 小时内发货。"]
    transcript = await services(client).store.messages.customer_messages("telegram", "tg_6100002", 0)
    assert [m.text for m in transcript if m.direction == "in"] == ["多久可以发货"]


async def test_did_you_mean_buttons_are_an_inline_keyboard_and_a_tap_answers(
    client: TestClient, fake: FakeBotApi,
) -> None:
    await ask(client, message(chat_id=6100003, text="运费多少"))  # near the KB, no entry answers it
    sent = await fake.wait_for(lambda: [m for m in fake.sent_messages(6100003) if m.get("reply_markup")])
    keyboard = sent[0]["reply_markup"]["inline_keyboard"]
    assert sent[0]["text"] == "您是不是想问：" and 1 <= len(keyboard) <= 3
    assert all(len(row) == 1 and row[0]["callback_data"].startswith("v:") for row in keyboard)
    tapped = tap(sent[0], 0)
    await ask(client, tapped)
    assert [c.params["callback_query_id"] for c in fake.calls_to("answerCallbackQuery")] == [
        tapped["callback_query"]["id"]]
    await fake.wait_for(lambda: len(fake.sent(6100003)) == 3)
    assert texts(fake, 6100003)[-1] == ANSWERS[keyboard[0][0]["callback_data"][2:]]
    await ask(client, tapped)  # the same tap, retried by Telegram: answered once
    await services(client).delivery.settle()
    assert len(fake.sent(6100003)) == 3
    transcript = await services(client).store.messages.customer_messages("telegram", "tg_6100003", 0)
    assert [m.text for m in transcript if m.direction == "in"][-1] == keyboard[0][0]["callback_data"][2:]


async def test_a_long_button_value_is_read_back_from_the_customers_own_message(
    client: TestClient, fake: FakeBotApi,
) -> None:
    svc = services(client)
    await ask(client, message(chat_id=6100004, text="你好"))
    await fake.wait_for(lambda: fake.sent(6100004))
    conv = await svc.store.conversations.latest_for("tg_6100004", "telegram")
    assert conv is not None
    long = "我想申请退款，因为收到的商品尺码不对而且包装也有破损"  # 78 bytes: no room in callback_data
    await svc.push.send(conv, Reply("buttons", "请选择：", (Button("尺码不对，想退款", long),)))
    sent = await fake.wait_for(lambda: [m for m in fake.sent_messages(6100004) if m.get("reply_markup")])
    data = sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert data.startswith("m:") and len(data.encode()) <= 64
    # someone else's chat naming that message gets nothing
    forged = tap(sent[0])
    forged["callback_query"]["message"]["chat"]["id"] = forged["callback_query"]["from"]["id"] = 6100099
    await ask(client, forged)
    assert await svc.store.conversations.latest_for("tg_6100099", "telegram") is None
    await ask(client, tap(sent[0]))
    await fake.wait_for(lambda: len(fake.sent(6100004)) >= 3)
    transcript = await svc.store.messages.customer_messages("telegram", "tg_6100004", 0)
    said = [m for m in transcript if m.direction == "in"][-1]
    assert said.text == long and said.meta.get("label") == "尺码不对，想退款"


async def test_start_welcomes_media_is_described_edits_are_ignored_and_the_name_joins_the_profile(
    client: TestClient, fake: FakeBotApi,
) -> None:
    svc = services(client)
    await ask(client, message("start_command", chat_id=6100005))
    await wait_text(fake, 6100005, "How can I help you?")
    customer = await svc.customers.get("tg_6100005")
    assert customer is not None and customer.name == "Alex Turner" and customer.first_channel == "telegram"
    await svc.customers.upsert("tg_6100005", CustomerUpdate(name="Alex T."))  # an operator's edit stays
    await ask(client, message("sticker_message", chat_id=6100005))
    await ask(client, message("photo_message", chat_id=6100005))
    await ask(client, message("edited_message", chat_id=6100005))
    await svc.delivery.settle()
    transcript = await svc.store.messages.customer_messages("telegram", "tg_6100005", 0)
    assert [(m.text, m.meta.get("label")) for m in transcript if m.direction == "in"] == [
        ("hello", "/start"), ("[sticker 👍]", None), ("[图片] 包裹破损了", None)]
    assert (await svc.customers.get("tg_6100005")).name == "Alex T."  # type: ignore[union-attr]
    assert (await post(client, message("group_message"))).status == 200


async def _make_due(svc: Services) -> None:
    await svc.store.db.execute("UPDATE outbox SET next_attempt_at = '' WHERE status = 'pending'")
    await svc.delivery.drain()
    await svc.delivery.settle(deferred=3)  # a chat gets one message a second (the Bot API's limit)


@pytest.mark.parametrize("trouble", ["429", "network"])
async def test_flood_control_and_network_errors_are_retried(client: TestClient, fake: FakeBotApi,
                                                            trouble: str) -> None:
    svc = services(client)
    if trouble == "429":
        fake.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    else:
        fake.disconnect("sendMessage")
    await ask(client, message(chat_id=6100006, text="怎么开发票"))
    await svc.delivery.settle()
    items, _ = await svc.store.outbox.list(conversation_id=None)
    row = next(i for i in items if i.message.text == "在订单详情页点击申请发票。")  # the first of two replies
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error is not None and row.last_error.startswith("telegram 429" if trouble == "429" else "telegram")
    assert "在订单详情页点击申请发票。" not in texts(fake, 6100006)
    await _make_due(svc)
    assert texts(fake, 6100006).count("在订单详情页点击申请发票。") == 1
    assert (await svc.store.outbox.get(row.id)).status == "sent"  # type: ignore[union-attr]


@pytest.mark.parametrize(("status", "description"), [
    (403, "Forbidden: bot was blocked by the user"),
    (400, "Bad Request: chat not found"),
])
async def test_a_blocked_bot_or_unknown_chat_is_a_dead_letter_at_once(
    client: TestClient, fake: FakeBotApi, status: int, description: str,
) -> None:
    fake.fail("sendMessage", status, description, times=5)
    await ask(client, message(chat_id=6100007, text="多久可以发货"))
    await services(client).delivery.settle()
    dead = await (await client.get("/api/outbox", params={"status": "failed"}, headers=auth())).json()
    assert [(i["customer_id"], i["attempts"], i["last_error"]) for i in dead["items"]] == [
        ("tg_6100007", 1, f"telegram: {description}")]
    assert len(fake.calls_to("sendMessage")) == 1


async def test_handoff_agent_reply_typing_and_the_rating_buttons(client: TestClient, fake: FakeBotApi) -> None:
    svc = services(client)
    _, token = await svc.agents.add("wang", "王小明")
    await svc.agents.set_status("wang", "online")
    chat = 6100008
    await ask(client, message(chat_id=chat, text="转人工"))
    await wait_text(fake, chat, "王小明")
    conv = await svc.store.conversations.latest_for(f"tg_{chat}", "telegram")
    assert conv is not None and conv.state == "agent"
    resp = await client.post(f"/api/conversations/{conv.id}/reply", json={"text": "您好，我来帮您"},
                             headers=auth(token))
    assert resp.status == 200
    await wait_text(fake, chat, "王小明: 您好，我来帮您")
    for _ in range(3):  # the console sends a notice per keystroke burst; Telegram hears one per 4 s
        resp = await client.post(f"/api/conversations/{conv.id}/typing", headers=auth(token))
        assert resp.status == 204
    typing = await fake.wait_for(lambda: fake.calls_to("sendChatAction"))
    assert [c.params for c in typing] == [{"chat_id": chat, "action": "typing"}]
    # the customer's message during the chat reaches the agent's transcript
    await ask(client, message(chat_id=chat, text="订单号 12345"))
    transcript = await (await client.get(f"/api/conversations/{conv.id}/messages", headers=auth())).json()
    assert transcript["messages"][-1]["text"] == "订单号 12345"
    resp = await client.post(f"/api/conversations/{conv.id}/close", headers=auth(token))
    assert resp.status == 200
    prompt = await fake.wait_for(lambda: [m for m in fake.sent_messages(chat) if m.get("reply_markup")])
    buttons = prompt[-1]["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["r:1", "r:2", "r:3", "r:4", "r:5"]
    assert prompt[-1]["text"].startswith("请为本次服务打分")
    await ask(client, tap(prompt[-1], 3))
    await wait_text(fake, chat, "4 分")
    await ask(client, tap(prompt[-1], 4))  # a second tap on the same prompt is no second rating
    await svc.delivery.settle()
    ratings = await svc.store.ratings.for_conversation(conv.id)
    assert [r.score for r in ratings] == [4] and ratings[0].agent_id == "wang"
