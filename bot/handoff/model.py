"""A handoff episode: one stretch a conversation spends with (or waiting for) a human."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRIORITIES = ("urgent", "high", "normal", "low")


@dataclass(frozen=True, slots=True)
class Handoff:
    id: int
    conversation_id: str
    customer_id: str
    channel: str
    reason: str
    priority: str
    skill: str | None
    language: str | None
    ticket_id: str | None
    agent_id: str | None
    queued_at: str
    assigned_at: str | None = None
    first_agent_reply_at: str | None = None
    ended_at: str | None = None
    outcome: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Handoff:
        return cls(**dict(row))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "conversation_id": self.conversation_id, "customer_id": self.customer_id,
            "channel": self.channel, "reason": self.reason, "priority": self.priority, "skill": self.skill,
            "language": self.language, "ticket_id": self.ticket_id, "agent_id": self.agent_id,
            "queued_at": self.queued_at, "assigned_at": self.assigned_at,
            "first_agent_reply_at": self.first_agent_reply_at, "ended_at": self.ended_at,
            "outcome": self.outcome,
        }
