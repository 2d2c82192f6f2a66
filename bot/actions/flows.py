"""Slot collection: start a flow, fill its slots one by one, then open its ticket (or, for a
`lookup: order` flow, answer with the order's status: bot/actions/orders.py).

Slot values found in the message that started the flow are taken at once ("我要退款，订单号
20240601123" needs no question). An invalid answer is asked again; after `dialogue.slot_attempts`
invalid answers the bot offers a human ("需要为您转接人工客服吗？" with buttons) rather than
looping or handing off unasked: yes hands off, no ends the form. "谢谢"/"好的" and side questions
are answered and the slot asked again without counting as attempts (the router tells them apart,
with the phrase lists of bot/nlu/repairs.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.actions.base import ActionContext, ActionOutcome
from bot.conversation.texts import text
from bot.core.events import Button, Reply
from bot.nlu.intent_spec import IntentCatalog, IntentSpec, SlotSpec
from bot.nlu.repairs import is_greeting
from bot.routing.policy import OFFER_FLOW, OFFER_HUMAN, PENDING, SAID, is_skip, next_slot, pending_slot
from bot.tickets.wording import customer_said, slot_label, title_from, type_label, with_article

if TYPE_CHECKING:
    from bot.actions.escalation import EscalationActions
    from bot.actions.orders import OrderAnswers
    from bot.conversation.machine import ConversationMachine
    from bot.tickets.service import TicketService

def _localized(variants: dict[str, str], language: str) -> str:
    return variants.get(language) or variants.get("en") or next(iter(variants.values()))


class FlowActions:
    def __init__(
        self, catalog: IntentCatalog, machine: ConversationMachine, tickets: TicketService,
        escalation: EscalationActions, slot_attempts: int, orders: OrderAnswers,
    ) -> None:
        self._catalog = catalog
        self._machine = machine
        self._tickets = tickets
        self._escalation = escalation
        self._attempts = slot_attempts
        self._orders = orders

    async def start_flow(self, ctx: ActionContext) -> ActionOutcome:
        return await self._start(ctx, ctx.analysis.text)

    async def _start(self, ctx: ActionContext, said: str) -> ActionOutcome:
        spec = self._catalog.get(ctx.decision.intent or "")
        assert spec is not None, "router started an unknown flow"
        slots: dict[str, Any] = {}
        for slot in spec.slots:  # values the opening message already gives
            value = slot.find(said)
            if value is not None:
                slots[slot.name] = value
        slots[SAID] = said.strip()[:200]  # the customer's words: the ticket's title
        conv = self._machine.fire(ctx.conversation, "start_collect", flow=spec.name, slots=slots, fallback_count=0)
        return await self._advance(replace(ctx, conversation=conv), spec, ())

    async def answer_and_offer(self, ctx: ActionContext) -> ActionOutcome:
        """The knowledge base answers how it works, then the bot offers to do it ("需要我现在帮您
        发起退款吗？"); the offer waits one turn for a yes (router: accept_offer)."""
        match = ctx.analysis.faq_match
        spec = self._catalog.get(ctx.decision.intent or "")
        assert match is not None and spec is not None, "router offered without an answer or a flow"
        lang = ctx.analysis.reply_language
        answer = Reply("text", match.entry.answer_for(lang))
        offer = Reply("buttons", _localized(spec.offer, lang), buttons=(
            Button(text("offer_yes", lang), text("offer_yes", lang)),
            Button(text("offer_no", lang), text("offer_no", lang)),
        ))
        slots = {**ctx.conversation.slots, OFFER_FLOW: {"flow": spec.name, "said": ctx.analysis.text.strip()[:200]}}
        return ActionOutcome((answer, offer), replace(ctx.conversation, slots=slots, fallback_count=0))

    async def accept_offer(self, ctx: ActionContext) -> ActionOutcome:
        """"好的" to the offer: the flow starts from the message that prompted it (its order number
        counts, and it titles the ticket)."""
        offered = ctx.conversation.slots.get(OFFER_FLOW) or {}
        # the flow's slots replace the conversation's, the offer with them
        return await self._start(ctx, str(offered.get("said") or ctx.analysis.text))

    async def decline_offer(self, ctx: ActionContext) -> ActionOutcome:
        # the dialogue manager drops the answered offer
        return ActionOutcome((Reply("text", text("offer_declined", ctx.analysis.reply_language)),), ctx.conversation)

    async def fill_slot(self, ctx: ActionContext) -> ActionOutcome:
        conv = ctx.conversation
        spec = self._catalog.get(conv.flow or "")
        if spec is None:  # the intents changed under a running flow: end it politely
            return await self.cancel_flow(ctx)
        slot = pending_slot(spec, conv.slots)
        if slot is None:
            return await self._finish(ctx, spec)
        slots = dict(conv.slots)
        answer = ctx.analysis.text.strip()
        lang = ctx.analysis.reply_language
        if not slot.required and is_skip(answer):
            slots.pop(PENDING, None)
            return await self._advance(replace(ctx, conversation=replace(conv, slots=slots)), spec, ())
        value = slot.find(answer) or (answer if slot.validate_value(answer) else None)
        if value is None:
            tries = int(slots.get("_invalid", 0)) + 1
            if tries >= self._attempts:  # offer a human; the customer decides (router: accept/decline)
                slots.pop("_invalid", None)
                slots[OFFER_HUMAN] = True
                return ActionOutcome((self.offer_human(lang),), replace(conv, slots=slots))
            slots["_invalid"] = tries
            error = _localized(slot.error, lang) if slot.error else text("slot_invalid", lang)
            return ActionOutcome((Reply("text", error),), replace(conv, slots=slots))
        slots[slot.name] = value[:200]
        slots.pop("_invalid", None)
        slots.pop(OFFER_HUMAN, None)
        slots.pop(PENDING, None)
        return await self._advance(replace(ctx, conversation=replace(conv, slots=slots)), spec, ())

    async def faq_in_flow(self, ctx: ActionContext) -> ActionOutcome:
        """Answer a side question, then ask for the pending slot again."""
        match = ctx.analysis.faq_match
        assert match is not None
        lang = ctx.analysis.reply_language
        answer = Reply("text", match.entry.answer_for(lang))
        spec = self._catalog.get(ctx.conversation.flow or "")
        slot = pending_slot(spec, ctx.conversation.slots) if spec else None
        replies = (answer, self._prompt(slot, lang)) if slot else (answer,)
        return ActionOutcome(replies, ctx.conversation)

    @staticmethod
    def offer_human(lang: str) -> Reply:
        return Reply("text", text("offer_human", lang), buttons=(
            Button(text("offer_human_yes", lang), text("offer_human_yes", lang)),
            Button(text("offer_human_no", lang), text("offer_human_no", lang)),
        ))

    async def reprompt_slot(self, ctx: ActionContext) -> ActionOutcome:
        """"谢谢" / "好的" / "你好" while a slot is pending: ask again, kindly (no attempt counted)."""
        return self._ask_again(ctx, "slot_reprompt_greeting" if is_greeting(ctx.analysis.text) else "slot_reprompt")

    async def question_in_flow(self, ctx: ActionContext) -> ActionOutcome:
        """A side question the knowledge base cannot answer: say so, then ask for the slot again."""
        return self._ask_again(ctx, "slot_question_unknown")

    def _ask_again(self, ctx: ActionContext, key: str) -> ActionOutcome:
        lang = ctx.analysis.reply_language
        spec = self._catalog.get(ctx.conversation.flow or "")
        slot = pending_slot(spec, ctx.conversation.slots) if spec else None
        if ctx.conversation.slots.get(OFFER_HUMAN):  # the open question is the offer, not the slot
            return ActionOutcome((Reply("text", text(key, lang, prompt="").strip()), self.offer_human(lang)),
                                 ctx.conversation)
        prompt = self._prompt(slot, lang).text if slot else ""
        return ActionOutcome((Reply("text", text(key, lang, prompt=prompt)),), ctx.conversation)

    async def accept_human(self, ctx: ActionContext) -> ActionOutcome:
        """Yes to the offered human after the slot attempts ran out: hand off (with the form's type)."""
        conv = ctx.conversation
        spec = self._catalog.get(conv.flow or "")
        slot = pending_slot(spec, conv.slots) if spec else None
        done = self._machine.fire(conv, "cancel_collect")
        what = f"{slot.name} for {spec.name}" if spec and slot else "a form"
        return await self._escalation.handoff(replace(ctx, conversation=done), reason=f"could not collect {what}",
                                              ticket_type=spec.ticket_type if spec else None,
                                              title=str(conv.slots.get(SAID) or ""))

    async def decline_human(self, ctx: ActionContext) -> ActionOutcome:
        """No to the offered human: the form ends and the bot carries on."""
        conv = self._machine.fire(ctx.conversation, "cancel_collect")
        return ActionOutcome((Reply("text", text("human_declined", ctx.analysis.reply_language)),), conv)

    async def cancel_flow(self, ctx: ActionContext) -> ActionOutcome:
        conv = self._machine.fire(ctx.conversation, "cancel_collect")
        return ActionOutcome((Reply("text", text("flow_cancelled", ctx.analysis.reply_language)),), conv)

    async def _advance(self, ctx: ActionContext, spec: IntentSpec, before: tuple[Reply, ...]) -> ActionOutcome:
        slot = next_slot(spec, ctx.conversation.slots)
        if slot is None:
            return await self._finish(ctx, spec)
        slots = {**ctx.conversation.slots, PENDING: slot.name}
        if not slot.required and slot.name not in slots.get("_asked_optional", ()):
            slots["_asked_optional"] = [*slots.get("_asked_optional", ()), slot.name]  # a copy: never mutate state
        prompt = self._prompt(slot, ctx.analysis.reply_language)
        return ActionOutcome((*before, prompt), replace(ctx.conversation, slots=slots))

    @staticmethod
    def _prompt(slot: SlotSpec, lang: str) -> Reply:
        prompt = _localized(slot.prompt, lang)
        if not slot.required:
            prompt = f"{prompt}{text('slot_skip_hint', lang)}"
        return Reply("text", prompt)

    async def _finish(self, ctx: ActionContext, spec: IntentSpec) -> ActionOutcome:
        if spec.lookup == "order":  # an order question gets an answer, never a ticket
            return await self._orders.answer(ctx)
        conv = ctx.conversation
        values = {k: v for k, v in conv.slots.items() if not k.startswith("_")}
        said = str(conv.slots.get(SAID) or "")
        done = self._machine.fire(conv, "finish_collect")
        ticket_type = spec.ticket_type or spec.name
        priority = ctx.decision.priority or spec.priority
        lang = ctx.analysis.reply_language
        # The stored type stays as configured (reports group by it); people read it in the
        # customer's language ("a refund ticket", "订单查询", never "order_status").
        label = type_label(ticket_type, lang, spec.ticket_type_label)
        details = "\n".join(f"{slot_label(k, lang)}: {v}" for k, v in values.items())
        if not self._tickets.should_auto_create():  # tickets.auto_create off: a human takes it from here
            return await self._escalation.handoff(replace(ctx, conversation=done),
                                                  reason=f"{ticket_type}: {details}"[:200], title=said)
        said_line = f"{customer_said(lang)}: {said}" if said else ""
        try:
            ticket = await self._tickets.create(
                customer_id=conv.customer_id, title=title_from(said, label),
                description="\n".join(x for x in (label, said_line, details) if x), type=ticket_type,
                priority=priority, conversation_id=conv.id, channel=conv.channel, actor="bot",
            )
        except Exception:
            return await self._escalation.handoff(replace(ctx, conversation=done), reason="ticket creation failed",
                                                  ticket_type=ticket_type, title=said)
        reply = Reply("text", text("ticket_created", lang, type=with_article(label, lang), ticket_id=ticket.id))
        return ActionOutcome((reply,), done, ticket_id=ticket.id, extra_scores={"slots": values})
