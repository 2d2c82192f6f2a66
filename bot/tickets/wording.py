"""What people read on a bot-made ticket: a title in the customer's own words and ticket types
named in the customer's language — never an intent name or a router reason ("order_status",
"strongly negative sentiment"). Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_BOT_TITLE = 60

# Stored ticket types (reports group by them) → how a customer or agent reads them.
TYPE_LABELS: dict[str, dict[str, str]] = {
    "order_status": {"zh": "订单查询", "en": "order enquiry"},
    "handoff": {"zh": "人工服务", "en": "agent request"},
    "投诉": {"zh": "投诉", "en": "complaint"},
    "complaint": {"zh": "投诉", "en": "complaint"},
    "退款": {"zh": "退款", "en": "refund"},
    "refund_request": {"zh": "退款", "en": "refund"},
    "取消订单": {"zh": "取消订单", "en": "order cancellation"},
    "cancel_order": {"zh": "取消订单", "en": "order cancellation"},
    "发票": {"zh": "发票", "en": "invoice"},
    "invoice": {"zh": "发票", "en": "invoice"},
}
_GENERIC = {"zh": "服务", "en": "support"}
_IDENTIFIER = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")  # order_status, refund_request
SLOT_LABELS: dict[str, dict[str, str]] = {
    "order_id": {"zh": "订单号", "en": "Order number"},
    "reason": {"zh": "原因", "en": "Reason"},
}


def _pick(variants: Mapping[str, str], language: str) -> str | None:
    return variants.get(language) or variants.get(language.split("-")[0]) or variants.get("en")


def type_label(ticket_type: str, language: str, configured: Mapping[str, str] | None = None) -> str:
    """"order_status" → 订单查询 / order enquiry; a configured label (intents YAML) wins."""
    label = _pick(configured, language) if configured else None
    if label:
        return label
    known = TYPE_LABELS.get(ticket_type) or TYPE_LABELS.get(ticket_type.lower())
    if known:
        return _pick(known, language) or ticket_type
    if _IDENTIFIER.match(ticket_type):  # an internal name nobody should read
        return _pick(_GENERIC, language) or _GENERIC["en"]
    return ticket_type


def slot_label(name: str, language: str) -> str:
    known = SLOT_LABELS.get(name)
    return (_pick(known, language) if known else None) or name.replace("_", " ")


def title_from(words: str | None, fallback: str) -> str:
    """The customer's own words, on one line and at most MAX_BOT_TITLE characters; else `fallback`."""
    one_line = " ".join((words or "").split())
    if not one_line:
        return fallback[:MAX_BOT_TITLE]
    return one_line if len(one_line) <= MAX_BOT_TITLE else one_line[: MAX_BOT_TITLE - 1].rstrip() + "…"


def customer_said(language: str) -> str:
    """The label before the customer's words in a ticket description."""
    return "客户" if language.split("-")[0] == "zh" else "Customer"


def with_article(label: str, language: str) -> str:
    """"an order enquiry", "a refund" in English (the ticket_created text reads "opened {type} ticket")."""
    if language.split("-")[0] == "zh" or not label.isascii():  # others read the English template
        return label
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"
