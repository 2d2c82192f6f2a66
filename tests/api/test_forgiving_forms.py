"""Forms that forgive, through POST /api/message: while the order-number form waits, a question is
answered and the form resumes, cancel phrasings end it without a ticket, "谢谢"/"ok" get a gentle
re-prompt (no format error, no attempt counted), and running out of attempts offers a human."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.conversation.texts import text as system_text
from tests.api.test_dialogue_bad_input import say, ticket_count

PROMPT = {"zh": "请提供您的订单号，我帮您查询。", "en": "Please send your order number and I'll look it up."}
FORMAT_ERROR = "订单号格式不对"


async def in_form(client: TestClient) -> dict[str, Any]:
    body = await say(client, "我的订单还没到")
    assert (body["route"], body["state"]) == ("collect", "collecting")
    assert body["replies"][0]["text"] == PROMPT["zh"]
    return body


async def test_a_question_is_answered_and_the_form_resumes(client: TestClient) -> None:
    await in_form(client)
    body = await say(client, "不用发票可以吗")  # holds 不用, but it is a question, not a cancel
    assert (body["route"], body["state"]) == ("faq", "collecting")
    assert [r["text"] for r in body["replies"]] == ["在订单详情页点击申请发票。", PROMPT["zh"]]
    done = await say(client, "20240601123")
    assert done["state"] == "bot" and FORMAT_ERROR not in done["replies"][0]["text"]


@pytest.mark.parametrize(
    ("message", "lang"),
    [("算了", "zh"), ("不用了", "zh"), ("算了不用了", "zh"), ("不想退了", "zh"), ("先不弄了", "zh"), ("不要了", "zh"),
     ("取消", "zh"), ("那算了吧。", "zh"), ("never mind", "en"), ("No thanks!", "en"), ("forget it", "en"),
     ("cancel", "en")],
)
async def test_cancel_phrasings_end_the_form_without_a_ticket(client: TestClient, message: str, lang: str) -> None:
    await in_form(client)
    body = await say(client, message)
    assert (body["route"], body["state"], body["ticket_id"]) == ("collect", "bot", None)
    assert [r["text"] for r in body["replies"]] == [system_text("flow_cancelled", lang)]
    assert await ticket_count(client) == 0


@pytest.mark.parametrize(
    ("message", "reply"),
    [("谢谢", "好的。" + PROMPT["zh"]), ("好的", "好的。" + PROMPT["zh"]), ("嗯", "好的。" + PROMPT["zh"]),
     ("ok", "好的。" + PROMPT["zh"]), ("thanks", "Sure. " + PROMPT["en"]), ("你好", "您好！" + PROMPT["zh"])],
)
async def test_acknowledgements_get_a_gentle_reprompt_not_a_format_error(
    client: TestClient, message: str, reply: str
) -> None:
    await in_form(client)
    for _ in range(3):  # never counted as failed attempts: no offer, no handoff, however often
        body = await say(client, message)
        assert (body["route"], body["state"], body["ticket_id"]) == ("collect", "collecting", None)
        assert [r["text"] for r in body["replies"]] == [reply]
    wrong = await say(client, "订单号123")  # the first real mistake still gets the format error
    assert FORMAT_ERROR in wrong["replies"][0]["text"] and wrong["state"] == "collecting"


async def offered(client: TestClient) -> dict[str, Any]:
    await in_form(client)
    first = await say(client, "这个我不清楚")
    assert FORMAT_ERROR in first["replies"][0]["text"]
    body = await say(client, "123")  # dialogue.slot_attempts (2) used up
    assert (body["state"], body["ticket_id"]) == ("collecting", None)
    [offer] = body["replies"]
    assert "需要为您转接人工客服吗？" in offer["text"]
    assert [b["value"] for b in offer["buttons"]] == ["转人工", "不用了"]
    assert await ticket_count(client) == 0  # nothing opened behind the customer's back
    return body


@pytest.mark.parametrize("answer", ["好的", "yes", "转人工"])
async def test_after_the_attempts_a_human_is_offered_and_yes_hands_off(client: TestClient, answer: str) -> None:
    await offered(client)
    body = await say(client, answer)
    assert (body["route"], body["state"]) == ("handoff", "queued")


@pytest.mark.parametrize("answer", ["不用", "不用了", "no"])
async def test_declining_the_offer_returns_to_the_bot(client: TestClient, answer: str) -> None:
    await offered(client)
    body = await say(client, answer)
    assert (body["route"], body["state"], body["ticket_id"]) == ("collect", "bot", None)
    assert body["replies"][0]["text"] == system_text("human_declined", body["language"])
    assert await ticket_count(client) == 0


async def test_an_order_number_after_the_offer_still_fills_the_form(client: TestClient) -> None:
    await offered(client)
    body = await say(client, "20240601123")
    assert body["state"] == "bot" and body["route"] == "collect"
