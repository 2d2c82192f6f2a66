"""A whole support journey over HTTP, as a customer and an agent would live it: the bot answers,
the customer asks for a human, waits in the queue, an agent comes online and takes the chat, the
bot stays silent, the agent closes, the customer rates, and the reports count it all."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.api.keys import SERVICES
from bot.api.server import create_app
from bot.config import load_settings
from tests.conftest import auth, write_project


async def say(client: TestClient, text: str, customer: str = "cust-9") -> dict[str, Any]:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": customer, "message": text},
                             headers=auth())
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_customer_to_agent_to_rating_to_report(client: TestClient) -> None:
    services = client.server.app[SERVICES]
    _, token = await services.agents.add("alice", "Alice", languages=["zh"])

    faq = await say(client, "怎么退款")
    assert faq["route"] == "faq" and faq["faq"]["id"] == "faq_001"

    queued = await say(client, "转人工")
    assert queued["route"] == "handoff" and queued["state"] == "queued" and queued["ticket_id"]
    assert "1" in queued["replies"][0]["text"]  # told their position in the queue

    waiting = await say(client, "还要等多久")
    assert waiting["route"] == "relay" and waiting["state"] == "queued"
    assert waiting["replies"], "a waiting customer hears their position again"

    # Going online hands the waiting conversation to the agent at once.
    resp = await client.post("/api/agents/me/status", json={"status": "online"}, headers=auth(token))
    assert resp.status == 200
    conv_id = queued["conversation_id"]
    conv = await services.store.conversations.get(conv_id)
    assert conv is not None and conv.state == "agent" and conv.agent_id == "alice"

    silent = await say(client, "我的订单号是 202611230001")
    assert silent["route"] == "relay" and silent["replies"] == []

    resp = await client.post(f"/api/conversations/{conv_id}/reply", json={"text": "已为您处理退款"},
                             headers=auth(token))
    assert resp.status == 200
    resp = await client.post(f"/api/conversations/{conv_id}/close", headers=auth(token))
    assert resp.status == 200 and (await resp.json())["state"] == "rating"

    rated = await say(client, "5分")
    assert rated["state"] == "closed"

    transcript = await (await client.get(f"/api/conversations/{conv_id}/messages", headers=auth())).json()
    texts = [m["text"] for m in transcript["messages"]]
    assert "已为您处理退款" in texts

    stats = await (await client.get("/api/stats?period=7d", headers=auth())).json()
    assert stats["csat"]["count"] == 1 and stats["csat"]["average"] == 5
    assert stats["volume"]["handoffs"] == 1
    assert stats["handoff_rate"]["count"] == 1


async def test_resolving_a_ticket_asks_its_customer_for_a_rating(client: TestClient) -> None:
    services = client.server.app[SERVICES]
    asked = await say(client, "我要退款", customer="cust-t")
    assert asked["route"] == "collect" and asked["state"] == "collecting"
    reason = await say(client, "202611230001", customer="cust-t")
    assert reason["state"] == "collecting" and not reason["ticket_id"]  # the optional reason is asked
    opened = await say(client, "尺码不合适", customer="cust-t")
    assert opened["route"] == "collect" and opened["ticket_id"] and opened["state"] == "bot"
    conv_id = opened["conversation_id"]

    for status in ("in_progress", "resolved"):
        resp = await client.put(f"/api/tickets/{opened['ticket_id']}", json={"status": status}, headers=auth())
        assert resp.status == 200, await resp.text()

    conv = await services.store.conversations.get(conv_id)
    assert conv is not None and conv.state == "rating"
    transcript = await (await client.get(f"/api/conversations/{conv_id}/messages", headers=auth())).json()
    assert transcript["messages"][-1]["direction"] == "out"  # the survey question was sent
    rated = await say(client, "满意", customer="cust-t")
    assert rated["state"] == "closed"
    [rating] = await services.store.ratings.for_conversation(conv_id)
    assert rating.ticket_id == opened["ticket_id"] and rating.score >= 4


async def test_with_auto_create_off_the_bot_opens_no_tickets(tmp_path) -> None:
    settings = load_settings(write_project(tmp_path, {"tickets": {"auto_create": False}}), env={})
    async with TestClient(TestServer(create_app(settings))) as client:
        complaint = await say(client, "我要投诉，快递员态度太差了", customer="cust-a")
        assert complaint["route"] in ("handoff", "ticket") and complaint["state"] == "queued"
        assert complaint["ticket_id"] is None
        listed = await (await client.get("/api/tickets", headers=auth())).json()
        assert listed["total"] == 0


async def test_replies_follow_the_language_of_the_current_message(client: TestClient) -> None:
    english = await say(client, "How do I get a refund?", customer="cust-l")
    assert english["language"] == "en"
    chinese = await say(client, "转人工", customer="cust-l")
    assert chinese["language"] == "zh" and chinese["route"] == "handoff"
    assert "人工" in chinese["replies"][0]["text"], chinese["replies"]


async def test_the_optional_reason_lands_in_the_ticket_and_no_thanks_skips_it(client: TestClient) -> None:
    services = client.server.app[SERVICES]
    await say(client, "我要退款", customer="cust-r")
    await say(client, "202611230002", customer="cust-r")
    with_reason = await say(client, "尺码不合适", customer="cust-r")
    ticket = (await services.tickets.get(with_reason["ticket_id"])).ticket
    assert "尺码不合适" in ticket.description and "202611230002" in ticket.description

    await say(client, "我要退款", customer="cust-s")
    await say(client, "202611230003", customer="cust-s")
    skipped = await say(client, "不用了", customer="cust-s")
    assert skipped["ticket_id"], "declining the optional question still files the refund"


async def rating_asked(client: TestClient, customer: str, opening: str = "转人工") -> tuple[str, str]:
    """A chat an agent took and closed: the conversation now waits for a rating. (id, agent token)"""
    services = client.server.app[SERVICES]
    _, token = await services.agents.add(f"agent-{customer}", "Alice", languages=["zh", "en"])
    resp = await client.post("/api/agents/me/status", json={"status": "online"}, headers=auth(token))
    assert resp.status == 200
    taken = await say(client, opening, customer=customer)
    assert taken["state"] == "agent", taken
    conv_id = taken["conversation_id"]
    resp = await client.post(f"/api/conversations/{conv_id}/close", headers=auth(token))
    assert resp.status == 200 and (await resp.json())["state"] == "rating"
    return conv_id, token


async def test_a_question_instead_of_a_rating_is_answered_at_once(client: TestClient) -> None:
    services = client.server.app[SERVICES]
    conv_id, _ = await rating_asked(client, "cust-q", "I want to talk to a human")
    answered = await say(client, "How do I get a refund?", customer="cust-q")
    assert answered["route"] == "faq" and answered["faq"]["id"] == "faq_001", answered
    assert answered["replies"][0] == {"type": "text", "text": "Open the order and tap Refund."}
    assert answered["state"] == "bot" and answered["conversation_id"] == conv_id
    assert await services.store.ratings.for_conversation(conv_id) == []  # no score was made up
    decisions = await (await client.get(f"/api/conversations/{conv_id}/decisions", headers=auth())).json()
    assert "left the rating survey" in decisions["decisions"][-1]["reason"]


async def test_asking_for_a_human_instead_of_rating_hands_over_at_once(client: TestClient) -> None:
    await rating_asked(client, "cust-h")
    again = await say(client, "转人工", customer="cust-h")
    assert again["route"] == "handoff" and again["state"] == "agent", again
    assert "Alice" in again["replies"][0]["text"]


async def test_a_request_instead_of_a_rating_starts_its_flow(client: TestClient) -> None:
    await rating_asked(client, "cust-f")
    flow = await say(client, "我要退款", customer="cust-f")
    assert (flow["route"], flow["state"]) == ("collect", "collecting"), flow
    assert flow["replies"][0]["text"] == "请提供需要退款的订单号。"


async def test_an_unclear_answer_to_the_survey_is_asked_again_once_then_closed(client: TestClient) -> None:
    services = client.server.app[SERVICES]
    conv_id, _ = await rating_asked(client, "cust-u")
    first = await say(client, "嗯", customer="cust-u")
    assert (first["route"], first["state"]) == ("collect", "rating") and "1 到 5" in first["replies"][0]["text"]
    second = await say(client, "很难说", customer="cust-u")
    assert second["state"] == "closed"
    assert await services.store.ratings.for_conversation(conv_id) == []


async def test_a_waiting_customer_can_leave_the_queue(client: TestClient) -> None:
    services = client.server.app[SERVICES]
    queued = await say(client, "转人工", customer="cust-c")
    assert queued["state"] == "queued" and queued["ticket_id"]
    conv_id = queued["conversation_id"]
    left = await say(client, "算了", customer="cust-c")
    assert (left["route"], left["state"]) == ("handoff", "bot"), left
    assert left["replies"][0]["text"] == "好的，已为您取消转人工。还有什么可以帮您？"
    handoff = await services.store.handoffs.last_for(conv_id)
    assert handoff is not None and handoff.ended_at and handoff.outcome == "cancelled"
    waiting = await (await client.get("/api/handoffs", headers=auth())).json()
    assert conv_id not in str(waiting)  # agents no longer see it in the queue
    # The ticket stays open (its request may still need an answer) with a note why.
    ticket = (await services.tickets.get(queued["ticket_id"])).ticket
    assert ticket.status == "open"
    assert "left the queue" in str(await services.store.tickets.events(ticket.id))
    # The bot serves them again, and they can ask for a human again later.
    answered = await say(client, "怎么退款", customer="cust-c")
    assert answered["route"] == "faq" and answered["state"] == "bot"


async def test_an_english_customer_leaves_the_queue_in_english(client: TestClient) -> None:
    queued = await say(client, "I want to talk to a human", customer="cust-e")
    assert queued["state"] == "queued"
    left = await say(client, "never mind", customer="cust-e")
    assert left["state"] == "bot" and "out of the queue" in left["replies"][0]["text"], left


async def test_english_customers_hear_the_ticket_type_in_english(client: TestClient) -> None:
    services = client.server.app[SERVICES]
    await say(client, "I want a refund", customer="cust-en")
    await say(client, "202611230005", customer="cust-en")
    opened = await say(client, "skip", customer="cust-en")
    assert opened["ticket_id"], opened
    assert opened["replies"][0]["text"].startswith("I've opened a refund ticket for you"), opened
    ticket = (await services.tickets.get(opened["ticket_id"])).ticket
    assert ticket.type == "退款"  # the stored type is unchanged: reports group by it


async def test_handoff_tickets_are_typed_handoff_not_by_intent(client: TestClient) -> None:
    queued = await say(client, "转人工", customer="cust-ty")
    ticket = await (await client.get(f"/api/tickets/{queued['ticket_id']}", headers=auth())).json()
    assert ticket["type"] == "handoff", ticket
    stats = await (await client.get("/api/stats?period=7d", headers=auth())).json()
    assert [(t["key"], t["count"]) for t in stats["ticket_types"]] == [("handoff", 1)]
