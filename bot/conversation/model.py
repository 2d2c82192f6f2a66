"""The conversation and what one turn writes: messages, the decision, the dedupe row. Frozen records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.core.clock import now_iso


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    customer_id: str
    channel: str
    state: str
    language: str
    slots: dict[str, Any] = field(default_factory=dict)
    flow: str | None = None
    fallback_count: int = 0
    agent_id: str | None = None
    priority: str = "normal"
    handoff_reason: str | None = None
    queued_at: str | None = None
    had_agent: bool = False
    created_at: str = ""
    updated_at: str = ""
    last_message_at: str = ""
    closed_at: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Conversation:
        return cls(
            id=row["id"],
            customer_id=row["customer_id"],
            channel=row["channel"],
            state=row["state"],
            language=row["language"],
            slots=json.loads(row["slots"]),
            flow=row["flow"],
            fallback_count=row["fallback_count"],
            agent_id=row["agent_id"],
            priority=row["priority"],
            handoff_reason=row["handoff_reason"],
            queued_at=row["queued_at"],
            had_agent=bool(row["had_agent"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            last_message_at=row["last_message_at"],
            closed_at=row["closed_at"],
        )


@dataclass(frozen=True, slots=True)
class MessageRecord:
    conversation_id: str
    direction: str  # "in" (customer) or "out" (bot, agent, system)
    sender: str  # customer | bot | agent | system
    text: str
    created_at: str = field(default_factory=now_iso)
    agent_id: str | None = None
    id: int | None = None  # the row id: also the message's `seq` on the WebSocket channels
    # What channels render beyond the text: buttons, kind (rating_prompt), the client's message
    # id, the agent's display name.
    meta: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "seq": self.id,
            "direction": self.direction,
            "sender": self.sender,
            "agent_id": self.agent_id,
            "text": self.text,
            "created_at": self.created_at,
        }
        if self.meta.get("buttons"):
            out["buttons"] = self.meta["buttons"]
        return out

    @classmethod
    def from_row(cls, r: Any) -> MessageRecord:
        return cls(
            id=r["id"], conversation_id=r["conversation_id"], direction=r["direction"], sender=r["sender"],
            agent_id=r["agent_id"], text=r["text"], created_at=r["created_at"],
            meta=json.loads(r["meta"]) if r["meta"] else {},
        )


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """Why the bot answered as it did: the router's choice with its reason and scores."""

    conversation_id: str
    route: str
    reason: str
    scores: dict[str, Any]
    language: str | None = None
    intent: str | None = None
    sentiment: str | None = None
    faq_id: str | None = None
    ticket_id: str | None = None
    needs_review: bool = False
    created_at: str = field(default_factory=now_iso)


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """Everything one processed message writes, committed together."""

    conversation: Conversation
    messages: tuple[MessageRecord, ...]
    decision: DecisionRecord | None
    processed: tuple[str, str, str] | None = None  # (channel, message_id, result json) for dedupe
    outbox: bool = False  # the outgoing messages also get outbox rows (WebSocket channels)
