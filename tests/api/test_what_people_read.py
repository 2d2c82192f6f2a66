"""What customers and agents read carries no internal identifier or router reason: ticket titles
are the customer's own words (≤ 60 characters) or the type in their language, and the ticket
type a customer is told about is localized ("订单查询", "an order enquiry", never "order_status")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.api.test_dialogue_bad_input import say
from tests.conftest import auth

# Router reasons, intent names and slot keys: none may reach a reply, a title or a description.
INTERNAL = re.compile(r"[a-z]+_[a-z_]+|sentiment|intent|threshold|fallbacks? in a row|could not collect|"
                      r"Handoff reason|customer asked for a human|complaint:|Handoff:", re.I)


async def ticket(client: TestClient, ticket_id: str) -> dict[str, Any]:
    resp = await client.get(f"/api/tickets/{ticket_id}", headers=auth())
    assert resp.status == 200
    body = await resp.json()
    return body.get("ticket", body)


def readable(*texts: str) -> None:
    for t in texts:
        assert not INTERNAL.search(t), t


# Order-status questions answer instead (tests/api/test_order_questions.py); cancelling opens a ticket.
@pytest.mark.parametrize(
    ("opening", "reply_start", "label"),
    [("我要取消订单", "已为您创建取消订单工单", "取消订单"),
     ("I want to cancel my order", "I've opened an order cancellation ticket for you", "order cancellation")],
)
async def test_a_finished_form_names_its_ticket_in_the_customers_language(
    client: TestClient, opening: str, reply_start: str, label: str
) -> None:
    await say(client, opening)
    done = await say(client, "20240601123")
    [reply] = [r["text"] for r in done["replies"]]
    assert reply.startswith(reply_start) and "cancel_order" not in reply
    t = await ticket(client, done["ticket_id"])
    assert t["title"] == opening and t["type"] == "取消订单"  # stored type unchanged: reports group by it
    assert label in t["description"] and "20240601123" in t["description"]
    readable(reply, t["title"], t["description"])


@pytest.mark.parametrize(
    ("message", "word"),
    [("你们的服务太差了，气死我了", "投诉"), ("this is unacceptable, worst service ever", "complaint")],
)
async def test_a_complaint_ticket_is_titled_by_the_customer(client: TestClient, message: str, word: str) -> None:
    body = await say(client, message)
    assert body["route"] == "ticket" and body["ticket_id"]
    assert word in body["replies"][0]["text"]
    t = await ticket(client, body["ticket_id"])
    assert t["title"] == message
    readable(*(r["text"] for r in body["replies"]), t["title"], t["description"])


async def test_long_words_are_trimmed_to_60_characters(client: TestClient) -> None:
    message = "你们的服务太差了，" + "我等了很久都没有人理我，" * 10
    body = await say(client, message)
    t = await ticket(client, body["ticket_id"])
    assert len(t["title"]) <= 60 and message.startswith(t["title"].rstrip("…"))


@pytest.mark.parametrize(("message", "title"), [("转人工", "人工服务"), ("agent please", "agent request")])
async def test_a_bare_request_for_a_human_is_titled_by_the_type(client: TestClient, message: str, title: str) -> None:
    body = await say(client, message)
    assert body["state"] == "queued" and body["ticket_id"]
    t = await ticket(client, body["ticket_id"])
    assert t["title"] == title
    readable(t["title"], t["description"])


async def test_a_handoff_after_the_form_keeps_the_customers_words(client: TestClient) -> None:
    await say(client, "我的订单还没到")
    await say(client, "不知道")
    await say(client, "订单号123")
    body = await say(client, "好的")  # yes to the offered human
    assert body["state"] == "queued"
    t = await ticket(client, body["ticket_id"])
    assert t["title"] == "我的订单还没到"
    readable(t["title"], t["description"])
