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
    assert declined["replies"][0]["text"] == "好的，不转人工了。还有什么可以帮您？"  # not a "再见"
    await say(client, "qwpoi zmxn")
    again = await say(client, "lkjh mnbv")
    accepted = await say(client, again["replies"][-1]["buttons"][0]["value"])
    assert accepted["route"] == "handoff" and accepted["state"] == "queued"


async def test_chatter_and_keyboard_mash_get_the_common_questions_not_a_did_you_mean(client: TestClient) -> None:
    # Nothing came close, so the KB's first questions (its own order), and no agent button yet; an
    # English reader gets an entry's English similar question where it has one.
    for customer, message, first in (("f2", "今天天气怎么样", "如何申请退款？"),
                                     ("f3", "asdkjfhaksjdf", "How do I get a refund?")):
        body = await say(client, message, customer=customer)
        assert body["route"] == "fallback" and not body["ticket_id"]
        offer = body["replies"][1]
        assert offer["text"] in ("您可以试试这些常见问题：", "These are questions customers often ask:")
        assert [b["value"] for b in offer["buttons"]] == [first, "多久可以发货？", "怎么开发票？"]
    tapped = await say(client, "How do I get a refund?", customer="f3")
    assert tapped["route"] == "faq" and tapped["faq"]["id"] == "faq_001" and tapped["language"] == "en"


async def test_acknowledgements_outside_a_form_are_no_misses(client: TestClient) -> None:
    """"ok", "merci", 👍 ask nothing: a kind reply, and never a step towards "shall I get an agent?"."""
    for message in ("ok", "好的", "👍", "merci"):
        body = await say(client, message, customer="f-ack")
        assert body["route"] == "smalltalk" and not body["ticket_id"]
        assert all("buttons" not in r for r in body["replies"])
    after = await say(client, "asdkjh qwezx", customer="f-ack")  # the first real miss: no agent offer yet
    assert after["route"] == "fallback" and all(b["value"] not in ("转人工", "agent")
                                                for r in after["replies"] for b in r.get("buttons", []))
