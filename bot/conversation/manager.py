"""One turn: load the conversation, understand, decide, act, persist — in that order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import structlog

from bot.actions.base import Action, ActionContext
from bot.channels.outbox import reply_meta
from bot.conversation.machine import ConversationMachine
from bot.conversation.model import Conversation, DecisionRecord, MessageRecord, TurnRecord
from bot.core.clock import dumps, now_iso
from bot.core.events import FaqRef, InboundEvent, TurnResult
from bot.routing.policy import OFFER_FLOW, RoutingPolicy
from bot.routing.router import decide

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.kb.knowledge_base import KnowledgeBase
    from bot.nlu.pipeline import Pipeline
    from bot.store import Store

log = structlog.get_logger(__name__)


class DialogueManager:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        knowledge_base: KnowledgeBase,
        pipeline: Pipeline,
        policy: RoutingPolicy,
        machine: ConversationMachine,
        actions: Mapping[str, Action],
    ) -> None:
        missing = {"faq", "fallback"} - set(actions)
        if missing:
            raise ValueError(f"actions missing: {', '.join(sorted(missing))}")
        self._settings = settings
        self._store = store
        self._kb = knowledge_base
        self._pipeline = pipeline
        self._policy = policy
        self._machine = machine
        self._actions = actions

    async def handle(self, event: InboundEvent) -> TurnResult:
        existing = await self._store.conversations.latest_for(event.customer_id, event.channel)
        previous_language = existing.language if existing else None
        analysis = await self._pipeline.analyze(event.text, previous_language)
        conv: Conversation = existing if existing is not None else (
            await self._store.conversations.create(event.customer_id, event.channel, analysis.language.code)
        )
        structlog.contextvars.bind_contextvars(conversation_id=conv.id)
        if conv.state == "closed":  # a new message re-opens a closed conversation
            conv = self._machine.reopen(conv)
        if conv.language != analysis.language.code:  # actions reply in this turn's language
            conv = replace(conv, language=analysis.language.code)

        decision = decide(analysis, conv, self._policy)
        if decision.leaves_survey:
            log.info("csat_left")
            conv = self._machine.reopen(conv)
        ctx = ActionContext(conv, analysis, decision)
        outcome = await self._actions[decision.action](ctx)

        ts = now_iso()
        new_conv = replace(
            outcome.conversation, language=analysis.language.code, updated_at=ts, last_message_at=ts
        )
        if OFFER_FLOW in new_conv.slots and decision.action != "answer_and_offer":
            # An offer ("需要我现在帮您发起退款吗？") holds for the next turn only: a later "好的"
            # answers whatever the bot said last, not a stale offer.
            new_conv = replace(new_conv, slots={k: v for k, v in new_conv.slots.items() if k != OFFER_FLOW})
        messages = (
            MessageRecord(conv.id, "in", "customer", event.text, created_at=event.received_at.isoformat(),
                          meta=_inbound_meta(event)),
            *(MessageRecord(conv.id, "out", "bot", r.text, created_at=ts, meta=reply_meta(r)) for r in outcome.replies),
        )
        route = outcome.route or decision.route
        faq = analysis.faq_match if route == "faq" else None
        result = TurnResult(
            conversation_id=conv.id,
            replies=outcome.replies,
            route=route,
            state=new_conv.state,
            language=analysis.language.code,
            intent=decision.intent or (analysis.intent.name if analysis.intent else None),
            sentiment=analysis.sentiment.label if analysis.sentiment else None,
            faq=FaqRef(faq.entry.id, faq.score) if faq else None,
            ticket_id=outcome.ticket_id,
        )
        record = DecisionRecord(
            conversation_id=conv.id,
            route=route,
            reason=decision.reason if route == decision.route else f"{decision.reason}; served by {route}",
            scores={**decision.scores, **outcome.extra_scores},
            language=result.language,
            intent=result.intent,
            sentiment=result.sentiment,
            faq_id=decision.faq_id,
            ticket_id=outcome.ticket_id,
            needs_review=outcome.needs_review,
            created_at=ts,
        )
        processed = (
            (event.channel, event.message_id, dumps(result.as_dict())) if event.message_id else None
        )
        await self._store.conversations.record_turn(
            TurnRecord(new_conv, messages, record, processed, outbox=event.replies_by_outbox)
        )
        log.info("turn", route=route, action=decision.action, state=new_conv.state,
                 language=result.language, intent=result.intent, faq_id=decision.faq_id)
        return result


def _inbound_meta(event: InboundEvent) -> dict[str, Any]:
    """What the channel needs to show the customer's own message back (their client id, the
    label of a tapped button)."""
    return {k: event.metadata[k] for k in ("client_id", "label") if k in event.metadata}
