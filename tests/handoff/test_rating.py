"""CSAT after a chat or a resolved ticket: parse, store with agent and ticket, retry once."""

from __future__ import annotations

import pytest

from bot.conversation.machine import ConversationMachine
from bot.conversation.model import Conversation
from bot.csat.parse import parse_rating
from bot.csat.survey import RatingOutcome
from tests.handoff.conftest import Env


async def record(env: Env, conv: Conversation, answer: str) -> RatingOutcome:
    """The survey as a turn runs it: the router parses the answer, the survey records it."""
    return await env.survey.record(conv, parse_rating(answer), answer)


async def rating_state(env: Env) -> tuple[Conversation, str | None]:
    alice = await env.agent("alice")
    out = await env.handoff()
    closed = await env.desk.close(alice, out.conversation.id)
    return closed, out.ticket_id


async def test_valid_rating_is_stored_with_agent_and_ticket(env: Env) -> None:
    conv, ticket_id = await rating_state(env)
    out = await record(env, conv, "5分")
    assert out.score == 5 and out.closed and out.conversation.state == "closed"
    assert "5" in out.replies[0].text
    ratings = await env.store.ratings.for_conversation(conv.id)
    assert [(r.score, r.agent_id, r.ticket_id, r.customer_id) for r in ratings] == [
        (5, "alice", ticket_id, "cust-1")]
    assert (await env.store.customers.get("cust-1")).satisfaction_score == 5  # type: ignore[union-attr]


@pytest.mark.parametrize(("answer", "score"), [("满意", 4), ("👎", 1), ("3", 3)])
async def test_answers_in_words_and_emoji(env: Env, answer: str, score: int) -> None:
    conv, _ = await rating_state(env)
    assert (await record(env, conv, answer)).score == score


async def test_out_of_range_is_asked_again_once_then_closed_without_rating(env: Env) -> None:
    conv, _ = await rating_state(env)
    first = await record(env, conv, "6")
    assert first.score is None and not first.closed and first.conversation.state == "rating"
    assert "1 到 5" in first.replies[0].text
    second = await record(env, first.conversation, "很难说")
    assert second.score is None and second.closed and second.conversation.state == "closed"
    assert await env.store.ratings.for_conversation(conv.id) == []


async def test_a_retry_then_a_valid_answer_counts(env: Env) -> None:
    conv, _ = await rating_state(env)
    first = await record(env, conv, "嗯")
    second = await record(env, first.conversation, "4星")
    assert second.score == 4 and second.conversation.state == "closed"


async def test_rating_subject_survives_a_restart(env: Env) -> None:
    conv, ticket_id = await rating_state(env)
    await env.store.conversations.save(conv)
    reloaded = await env.conv(conv.id)  # what a fresh process would read
    out = await record(env, reloaded, "4")
    rating = (await env.store.ratings.for_conversation(conv.id))[0]
    assert out.score == 4 and (rating.agent_id, rating.ticket_id) == ("alice", ticket_id)


async def test_resolved_ticket_asks_the_customer(env: Env) -> None:
    conv = await env.conversation()
    view = await env.tickets.create(customer_id="cust-1", title="退款", conversation_id=conv.id, channel="web")
    asked = await env.survey.ask_for_ticket(view.ticket)
    assert asked is True
    asking = await env.conv(conv.id)
    assert asking.state == "rating"
    out = await record(env, asking, "5")
    rating = (await env.store.ratings.for_conversation(conv.id))[0]
    assert out.closed and rating.ticket_id == view.ticket.id


async def test_ticket_rating_is_not_asked_while_an_agent_has_the_chat(env: Env) -> None:
    await env.agent("alice")
    out = await env.handoff()
    ticket = (await env.tickets.get(out.ticket_id or "")).ticket
    assert await env.survey.ask_for_ticket(ticket) is False
    assert (await env.conv(out.conversation.id)).state == "agent"


async def test_leaving_the_survey_closes_it_unrated_and_reopens_for_the_bot(env: Env) -> None:
    conv, _ = await rating_state(env)
    left = ConversationMachine().reopen(conv)
    assert left.state == "bot" and left.slots == {} and left.closed_at is None
    assert await env.store.ratings.for_conversation(conv.id) == []
