"""The CSAT survey: ask for a 1–5 rating, parse the answer, store it with its agent and ticket.

State `rating` is entered when an agent closes a conversation (`close_by_agent`) or a ticket is
resolved (`ask_rating`). Whom the rating is for is kept in the conversation's slots
(`_rating`: agent and ticket), so it survives a restart. One unparseable answer is asked again;
a second one closes the conversation without a rating (`_rating_retry` remembers the first).
The router parses the answer (once, bot/csat/parse.py) and hands the score in; a real question or
request instead of a rating (an FAQ, a form, an explicit "转人工") is served and the survey is
dropped unrated (the manager reopens the conversation, see ConversationMachine.reopen): the
customer moved on, and asking again after the answer would nag. A survey turn never opens a
ticket: complaints and praise in words are the rating's subject, not a new case.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import structlog

from bot.conversation.model import Conversation
from bot.conversation.texts import text
from bot.core.events import Reply
from bot.csat.model import Rating

if TYPE_CHECKING:
    from bot.channels.push import CustomerPush
    from bot.conversation.machine import ConversationMachine
    from bot.core.locks import ConversationLocks
    from bot.store import Store
    from bot.tickets.model import Ticket

log = structlog.get_logger(__name__)

RATING_SLOT = "_rating"
RETRY_SLOT = "_rating_retry"
MAX_COMMENT = 500
ASK_TRIGGER = "ask_rating"  # bot/closed → rating


@dataclass(frozen=True, slots=True)
class RatingOutcome:
    """The result of `record`: score None means the answer was not a 1–5 rating."""

    conversation: Conversation
    replies: tuple[Reply, ...]
    score: int | None
    closed: bool


class RatingFlow:
    def __init__(
        self, store: Store, machine: ConversationMachine, push: CustomerPush, locks: ConversationLocks
    ) -> None:
        self._store = store
        self._machine = machine
        self._push = push
        self._locks = locks

    @staticmethod
    def with_subject(conv: Conversation, *, agent_id: str | None, ticket_id: str | None) -> Conversation:
        """Remember whom the coming rating is for (slots survive restarts; `closed` clears them)."""
        slots = {k: v for k, v in conv.slots.items() if k != RETRY_SLOT}
        slots[RATING_SLOT] = {"agent_id": agent_id, "ticket_id": ticket_id}
        return replace(conv, slots=slots)

    def prompt(self, language: str) -> Reply:
        return Reply("text", text("rating_prompt", language))

    async def _subject(self, conv: Conversation) -> dict[str, Any]:
        subject = conv.slots.get(RATING_SLOT)
        if isinstance(subject, dict):
            return subject
        last = await self._store.handoffs.last_for(conv.id)  # older conversations: the last episode
        return {"agent_id": last.agent_id, "ticket_id": last.ticket_id} if last else {}

    async def record(self, conv: Conversation, score: int | None, answer: str, *,
                     negative: bool = False) -> RatingOutcome:
        """A customer message in state `rating` (inside their turn: the lock is already held);
        `score` is the router's reading of `answer` (None: not a rating). An unhappy answer that
        is no score ("服务太慢了") gets an apology with the question, never a ticket."""
        lang = conv.language
        if score is not None:
            subject = await self._subject(conv)
            await self._store.ratings.add(Rating(
                score=score, conversation_id=conv.id, ticket_id=subject.get("ticket_id"),
                agent_id=subject.get("agent_id"), customer_id=conv.customer_id,
                comment=answer.strip()[:MAX_COMMENT] or None,
            ))
            log.info("csat_rated", score=score, agent_id=subject.get("agent_id"))
            closed = self._machine.fire(conv, "rate")
            return RatingOutcome(closed, (Reply("text", text("rating_thanks", lang, score=score)),), score, True)
        if not conv.slots.get(RETRY_SLOT):
            again = replace(conv, slots={**conv.slots, RETRY_SLOT: 1})
            key = "rating_retry_sorry" if negative else "rating_retry"
            return RatingOutcome(again, (Reply("text", text(key, lang)),), None, False)
        log.info("csat_skipped")
        closed = self._machine.fire(conv, "skip_rating")
        return RatingOutcome(closed, (Reply("text", text("rating_skipped", lang)),), None, True)

    async def ask_for_ticket(self, ticket: Ticket) -> bool:
        """Ask the ticket's customer for a rating once it is resolved; False when not asked.

        Not asked: no conversation to ask in, a human is still on it, a form or a survey is
        pending, or the ticket was rated already.
        Must not be called while holding that conversation's lock (locks are not re-entrant).
        """
        conv = await self._store.conversations.get(ticket.conversation_id) if ticket.conversation_id else None
        if conv is None:
            return False
        async with self._locks.hold(conv.channel, conv.customer_id):
            conv = await self._store.conversations.get(conv.id)
            if conv is None or conv.state not in ("bot", "closed"):  # where ask_rating applies
                return False
            if any(r.ticket_id == ticket.id for r in await self._store.ratings.for_conversation(conv.id)):
                return False
            subject = self.with_subject(conv, agent_id=ticket.assignee, ticket_id=ticket.id)
            asking = self._machine.fire(subject, ASK_TRIGGER)
            await self._store.conversations.save(asking)
            await self._push.send(asking, self.prompt(asking.language), kind="rating_prompt")
        log.info("csat_asked_for_ticket", ticket_id=ticket.id)
        return True
