"""What the router needs to know besides the turn: thresholds, precedence, the intent catalog."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.conversation.machine import ConversationMachine
from bot.nlu import repairs
from bot.nlu.intent_spec import IntentCatalog, IntentSpec, SlotSpec

_SKIP = re.compile(r"^\s*(跳过|没有|无|不用了?|不需要|skip|none|no( thanks)?|n/?a)\s*[.!。！]*\s*$", re.I)
PENDING = "_pending"  # slot key: the slot the last prompt asked for
SAID = "_said"  # slot key: the message that opened the form (the ticket is titled by it)
OFFER_HUMAN = "_offer_human"  # slot key: "shall I connect you to an agent?" awaits an answer
# slot key outside a form: {"flow": name, "said": message} while "需要我现在帮您发起退款吗？" awaits
# an answer; it lasts one turn (the dialogue manager drops it after any other action)
OFFER_FLOW = "_offer_flow"


def is_cancel(text: str) -> bool:
    """A message that abandons the open form (not "取消订单", which is an intent of its own)."""
    return repairs.is_cancel(text)


def is_skip(text: str) -> bool:
    """A "no" to an optional question ("不用了" there skips the question, not the whole form)."""
    return _SKIP.match(text) is not None


def pending_slot(spec: IntentSpec, slots: Mapping[str, Any]) -> SlotSpec | None:
    """The slot the customer is answering: the one last asked for (an optional slot counts as
    asked as soon as its prompt went out, so next_slot alone would skip its answer)."""
    name = slots.get(PENDING)
    if name and name not in slots:
        for slot in spec.slots:
            if slot.name == name:
                return slot
    return next_slot(spec, slots)


def next_slot(spec: IntentSpec, slots: Mapping[str, Any]) -> SlotSpec | None:
    """The first slot not yet answered (optional slots count as answered once asked)."""
    asked = set(slots.get("_asked_optional", ()))
    for slot in spec.slots:
        if slot.name in slots:
            continue
        if not slot.required and slot.name in asked:
            continue
        return slot
    return None


@dataclass(frozen=True)
class RoutingPolicy:
    catalog: IntentCatalog
    threshold: float
    precedence: tuple[str, ...]
    transactional_confidence: float
    fallbacks_before_handoff: int
    complaint_handoff: bool
    negative_sentiment_ticket: bool
    llm_enabled: bool
    # integrations.order_lookup.url is set: order flows can answer with the order's own status.
    order_lookup: bool = False
    # Pure: the router asks it how a conversation would look reopened (never to persist anything).
    machine: ConversationMachine = field(default_factory=ConversationMachine)

    @classmethod
    def from_settings(
        cls, settings: Settings, catalog: IntentCatalog, machine: ConversationMachine | None = None
    ) -> RoutingPolicy:
        d = settings.dialogue
        return cls(
            machine=machine or ConversationMachine(),
            catalog=catalog,
            threshold=settings.knowledge_base.similarity_threshold,
            precedence=d.precedence,
            transactional_confidence=d.transactional_confidence,
            fallbacks_before_handoff=d.fallbacks_before_handoff,
            complaint_handoff=d.complaint_handoff,
            negative_sentiment_ticket=d.negative_sentiment_ticket,
            llm_enabled=settings.ai.enabled,
            order_lookup=settings.integrations.order_lookup.url is not None,
        )
