"""Work the bot hands on: complaint tickets, handoff to a human, relaying while a human handles
the conversation, and the satisfaction rating afterwards."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import structlog

from bot.actions.base import ActionContext, ActionOutcome
from bot.conversation.texts import text
from bot.core.events import Reply, Route
from bot.nlu import repairs
from bot.tickets.wording import customer_said, title_from, type_label, with_article

if TYPE_CHECKING:
    from bot.csat.survey import RatingFlow
    from bot.handoff.queue import HandoffQueue
    from bot.tickets.service import TicketService

log = structlog.get_logger(__name__)


class EscalationActions:
    def __init__(self, tickets: TicketService, handoff: HandoffQueue, survey: RatingFlow) -> None:
        self._tickets = tickets
        self._handoff = handoff
        self._survey = survey

    async def handoff(self, ctx: ActionContext, *, reason: str | None = None,
                      ticket_type: str | None = None, title: str | None = None) -> ActionOutcome:
        conv = replace(ctx.conversation, fallback_count=0)
        said = ctx.analysis.text
        if title is None and (repairs.is_human_request(said) or repairs.is_yes(said) or repairs.is_ack(said)):
            title = ""  # "转人工" / "好的" says nothing about the case: the ticket is titled by its type
        outcome = await self._handoff.enqueue(
            conv,
            reason=reason or ctx.decision.reason,
            priority=ctx.decision.priority or conv.priority,
            skill=ctx.decision.intent,  # routing only; the ticket is typed ticket_type or "handoff"
            language=ctx.analysis.language.code,
            message=ctx.analysis.text,
            ticket_type=ticket_type,
            title=title,
        )
        return ActionOutcome(outcome.replies, outcome.conversation, ticket_id=outcome.ticket_id)

    async def complaint_ticket(self, ctx: ActionContext) -> ActionOutcome:
        conv = ctx.conversation
        lang = ctx.analysis.reply_language
        priority = ctx.decision.priority or "high"
        spec_type = "投诉"
        label = type_label(spec_type, lang)
        if not self._tickets.should_auto_create():  # tickets.auto_create off: no bot-made tickets
            return await self.handoff(ctx, reason=f"complaint: {ctx.decision.reason}")
        try:
            # The customer's words, not the router's reason ("strongly negative sentiment").
            ticket = await self._tickets.create(
                customer_id=conv.customer_id,
                title=title_from(ctx.analysis.text, label),
                description=f"{customer_said(lang)}: {ctx.analysis.text.strip()[:2000]}",
                type=spec_type,
                priority=priority,
                conversation_id=conv.id,
                channel=conv.channel,
                actor="bot",
            )
        except Exception:
            log.exception("complaint_ticket_failed")
            return await self.handoff(ctx, reason="complaint; ticket creation failed", ticket_type=spec_type)
        created = Reply("text", text("ticket_created", lang, type=with_article(label, lang), ticket_id=ticket.id))
        if not ctx.decision.handoff_after or conv.state not in ("bot", "collecting"):
            return ActionOutcome((created,), replace(conv, priority=priority), ticket_id=ticket.id)
        # The ticket already exists, so the handoff links to it instead of opening a second one.
        outcome = await self._handoff.enqueue(
            replace(conv, priority=priority, fallback_count=0), reason=ctx.decision.reason, priority=priority,
            skill=ctx.decision.intent, language=lang, ticket_id=ticket.id, message=ctx.analysis.text,
        )
        return ActionOutcome((created, *outcome.replies), outcome.conversation, ticket_id=ticket.id)

    async def relay(self, ctx: ActionContext) -> ActionOutcome:
        if ctx.decision.leave_queue:
            left = await self._handoff.leave_queue(ctx.conversation)
            # An agent took the chat in the meantime: the message was only relayed.
            route: Route | None = None if left.conversation.state == "bot" else "relay"
            return ActionOutcome(left.replies, left.conversation, route=route)
        # The bot stays silent (a waiting customer only hears their queue position again); the
        # message is in the transcript and the agent's long poll wakes up.
        outcome = await self._handoff.relay(ctx.conversation, ctx.analysis.text)
        return ActionOutcome(outcome.replies, outcome.conversation)

    async def rating(self, ctx: ActionContext) -> ActionOutcome:
        sentiment = ctx.analysis.sentiment
        intent = ctx.analysis.intent
        negative = (sentiment is not None and sentiment.label == "negative") or (
            intent is not None and intent.action == "create_ticket")  # a complaint in words
        outcome = await self._survey.record(ctx.conversation, ctx.decision.rating, ctx.analysis.text,
                                            negative=negative)
        return ActionOutcome(outcome.replies, outcome.conversation)
