"""Order questions: look the collected order number up and answer — never a ticket.

Found: the status in the customer's language (plus carrier, tracking number and ETA when the hook
gives them); the form ends. Not found: say so and keep the form open for a corrected number, with
one tap to an agent. No lookup possible (no hook configured, or it timed out, refused, answered
5xx or something unreadable): where the customer can see the tracking themselves, and the offer
of an agent; the form ends.

The customer profile holds no orders (only counts and the last purchase date), so the operator's
hook (`integrations.order_lookup`, bot/integrations/order_lookup.py) is the one source.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.actions.answers import human_offer
from bot.actions.base import ActionContext, ActionOutcome
from bot.conversation.texts import TEXTS, join_sentences, text
from bot.core.events import Reply
from bot.integrations.order_lookup import LookupFailed, LookupResult, OrderStatus
from bot.routing.policy import OFFER_HUMAN, PENDING

if TYPE_CHECKING:
    from bot.conversation.machine import ConversationMachine
    from bot.integrations.order_lookup import OrderLookupClient

ORDER_SLOT = "order_id"


def status_words(status: OrderStatus, lang: str) -> str:
    """A known status code in the customer's language, else the hook's own wording."""
    key = f"order_status_{status.status.lower()}"
    if key in TEXTS:
        return text(key, lang)
    return status.status_text or status.status.replace("_", " ")


def status_answer(status: OrderStatus, lang: str) -> str:
    parts = [text("order_status", lang, order_id=status.order_id, status=status_words(status, lang))]
    if status.carrier:
        parts.append(text("order_carrier", lang, carrier=status.carrier))
    if status.tracking_no:
        parts.append(text("order_tracking", lang, tracking_no=status.tracking_no))
    if status.eta:
        parts.append(text("order_eta", lang, eta=status.eta))
    return join_sentences(lang, *parts)


class OrderAnswers:
    """Finishes a `lookup: order` flow (bot/actions/flows.py hands it the filled form)."""

    def __init__(self, machine: ConversationMachine, lookup: OrderLookupClient | None) -> None:
        self._machine = machine
        self._lookup = lookup

    async def _look_up(self, order_id: str, customer_id: str) -> LookupResult:
        if self._lookup is None:
            return LookupFailed("not_configured")
        return await self._lookup.lookup(order_id, customer_id=customer_id)

    async def answer(self, ctx: ActionContext) -> ActionOutcome:
        conv = ctx.conversation
        order_id = str(conv.slots.get(ORDER_SLOT) or "")
        lang = ctx.analysis.reply_language
        result = await self._look_up(order_id, conv.customer_id)
        outcome = "found" if isinstance(result, OrderStatus) else result.reason
        scores: dict[str, object] = {"order_lookup": outcome}  # stored with the decision; no order data
        if isinstance(result, OrderStatus):
            done = replace(self._machine.fire(conv, "finish_collect"), fallback_count=0)
            return ActionOutcome((Reply("text", status_answer(result, lang)),), done, extra_scores=scores)
        if result.reason == "not_found":
            # The form stays open for a corrected number; "转人工" (the button) hands off, "不用了"
            # declines the agent and ends the form (router: collecting rule, OFFER_HUMAN).
            slots = {k: v for k, v in conv.slots.items() if k not in (ORDER_SLOT, "_invalid")}
            slots.update({PENDING: ORDER_SLOT, OFFER_HUMAN: True})
            replies = (Reply("text", text("order_not_found", lang, order_id=order_id)),
                       human_offer("order_not_found_offer", lang))
            return ActionOutcome(replies, replace(conv, slots=slots), extra_scores=scores)
        # Counted as one miss so that "不用了" is read as declining the agent (router: fallback rule).
        done = self._machine.fire(conv, "finish_collect")
        done = replace(done, fallback_count=max(1, done.fallback_count))
        replies = (Reply("text", text("order_lookup_unavailable", lang, order_id=order_id)),
                   human_offer("order_offer_human", lang))
        return ActionOutcome(replies, done, extra_scores=scores)
