"""Typed messages that cross the seams: channel -> runtime -> channel.

Connectors translate platform payloads into `InboundEvent` and render `OutboundMessage`;
nothing else about a platform leaks past them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.core.clock import utcnow

ROUTES = ("faq", "llm", "collect", "ticket", "handoff", "relay", "smalltalk", "fallback")
Route = Literal["faq", "llm", "collect", "ticket", "handoff", "relay", "smalltalk", "fallback"]

MAX_MESSAGE_CHARS = 4000


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One customer message as a connector delivers it."""

    channel: str
    customer_id: str
    text: str
    # Platform message id; retries of the same id must never produce a second answer.
    message_id: str | None = None
    received_at: datetime = field(default_factory=utcnow)
    metadata: dict[str, Any] = field(default_factory=dict)
    # False (HTTP API): the replies travel in the response. True (WebSocket channels): they are
    # written to the outbox in the turn's transaction and the delivery service sends them.
    replies_by_outbox: bool = False


@dataclass(frozen=True, slots=True)
class Button:
    """A quick reply: the label a customer reads, the text sent back when they tap it."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Reply:
    type: str
    text: str
    buttons: tuple[Button, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "text": self.text}
        if self.buttons:
            out["buttons"] = [{"label": b.label, "value": b.value} for b in self.buttons]
        return out


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """What the delivery service hands a channel for one customer: one stored message (its `seq`
    is the transcript row), who sent it, and the conversation's state at the time."""

    channel: str
    customer_id: str
    conversation_id: str
    replies: tuple[Reply, ...]
    seq: int | None = None
    sender: str = "bot"  # bot | agent | system
    agent_id: str | None = None
    agent_name: str | None = None
    kind: str = "text"  # text | rating_prompt
    at: str | None = None


@dataclass(frozen=True, slots=True)
class FaqRef:
    id: str
    score: float


@dataclass(frozen=True, slots=True)
class TurnResult:
    """The outcome of one processed message, as the HTTP API reports it."""

    conversation_id: str
    replies: tuple[Reply, ...]
    route: Route
    state: str
    language: str
    intent: str | None
    sentiment: str | None
    faq: FaqRef | None = None
    ticket_id: str | None = None
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "replies": [r.as_dict() for r in self.replies],
            "route": self.route,
            "state": self.state,
            "language": self.language,
            "intent": self.intent,
            "sentiment": self.sentiment,
            "faq": {"id": self.faq.id, "score": round(self.faq.score, 4)} if self.faq else None,
            "ticket_id": self.ticket_id,
        }
