"""How-to versus act, through POST /api/message: when a question has an answer in the knowledge
base and also fits a flow, the bot answers and offers the flow ("需要我现在帮您发起退款吗？"); a
yes starts it with what the first message gave, a no is taken, and the offer lasts one turn."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.conversation.texts import text as system_text
from tests.api.test_dialogue_bad_input import say, ticket_count

ANSWER = "在订单页点击申请退款。"
OFFER = "需要我现在帮您发起退款吗？"


async def offered(client: TestClient, message: str) -> dict:
    body = await say(client, message)
    assert (body["route"], body["faq"]["id"], body["state"]) == ("faq", "faq_001", "bot"), body
    assert [r["text"] for r in body["replies"]] == [ANSWER, OFFER]
    assert [b["label"] for b in body["replies"][1]["buttons"]] == ["好的", "不用了"]
    return body


async def test_a_how_to_question_is_answered_and_the_flow_offered_then_started_on_yes(client: TestClient) -> None:
    await offered(client, "怎么退款")
    body = await say(client, "好的")
    assert (body["route"], body["state"]) == ("collect", "collecting")
    assert "订单号" in body["replies"][0]["text"]
    await say(client, "20240601123")
    done = await say(client, "商品坏了")  # the optional reason
    assert done["ticket_id"] and await ticket_count(client) == 1


async def test_the_order_number_of_the_question_counts_when_the_offer_is_taken(client: TestClient) -> None:
    await offered(client, "怎么退款 订单号20240601123")
    body = await say(client, "可以")
    # order_id is known already: the form asks only for the optional reason
    assert body["state"] == "collecting" and "订单号" not in body["replies"][0]["text"]


async def test_no_declines_and_a_later_yes_does_not_start_a_stale_offer(client: TestClient) -> None:
    await offered(client, "怎么退款")
    body = await say(client, "不用了")
    assert (body["route"], body["state"], body["ticket_id"]) == ("smalltalk", "bot", None)
    assert [r["text"] for r in body["replies"]] == [system_text("offer_declined", "zh")]
    await offered(client, "怎么退款")
    await say(client, "多久可以发货？")  # moved on: the offer has lapsed
    body = await say(client, "好的")
    assert body["state"] != "collecting" and await ticket_count(client) == 0


async def test_an_explicit_request_starts_the_form_at_once(client: TestClient) -> None:
    body = await say(client, "我要退款")
    assert (body["route"], body["state"]) == ("collect", "collecting")


async def test_english_offer(client: TestClient) -> None:
    body = await say(client, "How do I get a refund?")
    assert body["route"] == "faq" and body["replies"][0]["text"] == "Open the order and tap Refund."
    assert body["replies"][1]["text"] == "Shall I start a refund for you now?"
    body = await say(client, "Yes, please")
    assert (body["route"], body["state"]) == ("collect", "collecting")


ANGRY = "我要投诉！！多久可以发货？半个月了还没发，气死我了，太垃圾了！"


async def test_an_angry_complaint_the_kb_answers_gets_the_answer_and_a_human_not_a_ticket(client: TestClient) -> None:
    body = await say(client, ANGRY)
    assert (body["route"], body["faq"]["id"], body["state"], body["ticket_id"]) == ("faq", "faq_002", "bot", None)
    answer, offer = body["replies"]
    assert answer["text"] == "付款后 48 小时内发货。" and "抱歉" in offer["text"]
    yes = offer["buttons"][0]
    assert await ticket_count(client) == 0
    handed = await say(client, yes["value"])  # the one tap to a human
    assert handed["route"] == "handoff" and handed["state"] in ("queued", "agent")


async def test_declining_the_human_after_an_angry_answer_keeps_the_bot(client: TestClient) -> None:
    offer = (await say(client, ANGRY, "angry-2"))["replies"][1]
    body = await say(client, offer["buttons"][1]["value"], "angry-2")
    # taken as a polite "no, that's all": no agent, no ticket
    assert body["route"] in ("fallback", "smalltalk") and body["state"] == "bot", body
    assert await ticket_count(client) == 0
