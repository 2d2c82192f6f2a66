"""The CSAT survey after an agent closes the chat, through POST /api/message: ratings in words,
stars and emoji are recorded; a survey turn never opens a ticket or queues the customer again;
a real question is answered (and the survey dropped)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.conversation.texts import text as system_text
from tests.api.test_handoffs_api import add_agent, say, services
from tests.conftest import auth


async def in_survey(client: TestClient, customer_id: str = "rater") -> dict[str, Any]:
    """A customer whose chat an agent just closed: the bot waits for a rating."""
    token = await add_agent(client, "alice", status="offline")
    first = await say(client, "转人工", customer_id)
    conv_id = first["conversation_id"]
    assert (await client.post(f"/api/handoffs/{conv_id}/accept", headers=auth(token))).status == 200
    assert (await client.post(f"/api/conversations/{conv_id}/close", headers=auth(token))).status == 200
    return first


async def tickets(client: TestClient) -> list[dict[str, Any]]:
    resp = await client.get("/api/tickets", headers=auth())
    return (await resp.json())["tickets"]


async def queue_length(client: TestClient) -> int:
    return len(await services(client).store.handoffs.waiting())


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("还可以吧，打3分", 3), ("3 stars", 3), ("4/5", 4), ("五星", 5), ("给五分", 5), ("👍", 5), ("very good, 5", 5),
        ("it was ok I guess, 3 stars", 3), ("5 stars, thanks a lot", 5), ("the agent was great", 5),
        ("人工客服很耐心，谢谢", 4), ("客服态度不好", 2), ("1分，等了一个小时都没人理", 1),
    ],
)
async def test_a_rating_in_words_is_recorded_and_opens_nothing(client: TestClient, answer: str, score: int) -> None:
    first = await in_survey(client)
    before = await tickets(client)
    rated = await say(client, answer, "rater")
    assert rated["state"] == "closed" and not rated["ticket_id"]
    assert rated["replies"][0]["text"] == system_text("rating_thanks", rated["language"], score=score)
    ratings = await services(client).store.ratings.for_conversation(first["conversation_id"])
    assert [r.score for r in ratings] == [score]
    assert await tickets(client) == before  # no complaint ticket, no handoff ticket
    assert await queue_length(client) == 0


@pytest.mark.parametrize("answer", ["服务太慢了", "我要投诉"])
async def test_unhappy_words_without_a_score_get_an_apology_not_a_ticket(client: TestClient, answer: str) -> None:
    await in_survey(client)
    before = await tickets(client)
    body = await say(client, answer, "rater")
    assert body["state"] == "rating" and not body["ticket_id"]
    assert body["replies"][0]["text"] == system_text("rating_retry_sorry", "zh")
    assert await tickets(client) == before and await queue_length(client) == 0
    rated = await say(client, "2分", "rater")
    assert rated["state"] == "closed"


async def test_a_question_instead_of_a_rating_is_answered_and_the_survey_dropped(client: TestClient) -> None:
    first = await in_survey(client)
    body = await say(client, "怎么开发票", "rater")
    assert (body["route"], body["state"]) == ("faq", "bot")
    assert body["replies"][0]["text"] == "在订单详情页点击申请发票。"
    assert await services(client).store.ratings.for_conversation(first["conversation_id"]) == []
    again = await say(client, "5", "rater")  # the survey is gone: a "5" now is no rating
    assert again["state"] != "rating"


async def test_an_explicit_request_for_a_human_still_queues(client: TestClient) -> None:
    await in_survey(client)
    body = await say(client, "转人工", "rater")
    assert (body["route"], body["state"]) == ("handoff", "queued")
