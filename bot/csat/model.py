"""A CSAT rating: one answered survey, linked to the agent and ticket it rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.clock import now_iso


@dataclass(frozen=True, slots=True)
class Rating:
    score: int
    conversation_id: str | None = None
    ticket_id: str | None = None
    agent_id: str | None = None
    customer_id: str | None = None
    comment: str | None = None
    created_at: str = field(default_factory=now_iso)
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "score": self.score, "conversation_id": self.conversation_id,
            "ticket_id": self.ticket_id, "agent_id": self.agent_id, "customer_id": self.customer_id,
            "comment": self.comment, "created_at": self.created_at,
        }
