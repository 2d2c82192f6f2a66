"""The outbox: one row per message meant for a customer, written with the message itself.

A row is `pending` until the delivery service (bot/channels/delivery.py) hands it to the
conversation's channel; then `sent`, `held` (no push route right now: the customer fetches it,
a WebSocket client on reconnect, an API client by `GET .../messages?after=`) or, after the
retries, `failed`: a dead letter that `list_outbox --failed`, `GET /api/outbox?status=failed`
and the agent's view of the conversation show. Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.conversation.model import MessageRecord
from bot.core.events import Button, OutboundMessage, Reply

STATUSES = ("pending", "sent", "held", "failed")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    message: MessageRecord
    conversation_id: str
    channel: str
    customer_id: str
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    created_at: str
    updated_at: str

    def outbound(self) -> OutboundMessage:
        return outbound_of(self.message, self.channel, self.customer_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.message.id,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "customer_id": self.customer_id,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at if self.status == "pending" else None,
            "last_error": self.last_error,
            "sender": self.message.sender,
            "text": self.message.text,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def outbound_of(message: MessageRecord, channel: str, customer_id: str) -> OutboundMessage:
    meta = message.meta
    buttons = tuple(Button(str(b.get("label", "")), str(b.get("value", ""))) for b in meta.get("buttons", ()))
    return OutboundMessage(
        channel=channel,
        customer_id=customer_id,
        conversation_id=message.conversation_id,
        replies=(Reply(str(meta.get("type", "text")), message.text, buttons),),
        seq=message.id,
        sender=message.sender,
        agent_id=message.agent_id,
        agent_name=meta.get("agent_name"),
        kind=str(meta.get("kind", "text")),
        at=message.created_at,
    )


def reply_meta(reply: Reply, **extra: Any) -> dict[str, Any]:
    """What a stored message keeps of a reply beyond its text (empty for a plain text reply)."""
    meta: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if reply.buttons:
        meta["buttons"] = [{"label": b.label, "value": b.value} for b in reply.buttons]
    if reply.type != "text":
        meta["type"] = reply.type
    return meta
