"""Result records of `agent_performance` and `satisfaction_report` (building blocks in
bot/reports/models.py; meanings in bot/reports/service.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.reports.models import Csat, DurationStats, Sla, pct


@dataclass(frozen=True, slots=True)
class AgentPerformance:
    agent_id: str
    name: str
    days: int
    start: str
    end: str
    tickets_assigned: int
    tickets_resolved: int
    resolution_time: DurationStats
    handoffs: int
    conversations_handled: int
    first_response: DurationStats
    handle_time: DurationStats
    csat: Csat
    sla: Sla

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "days": self.days,
            "start": self.start,
            "end": self.end,
            "tickets_assigned": self.tickets_assigned,
            "tickets_resolved": self.tickets_resolved,
            "resolution_time": self.resolution_time.as_dict(),
            "handoffs": self.handoffs,
            "conversations_handled": self.conversations_handled,
            "first_response": self.first_response.as_dict(),
            "handle_time": self.handle_time.as_dict(),
            "csat": self.csat.as_dict(),
            "sla": self.sla.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class GroupCsat:
    key: str | None  # agent id or channel; None = no agent (the bot alone) / unknown channel
    name: str | None
    count: int
    average: float | None
    satisfied: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "count": self.count,
            "average": self.average,
            "satisfied_pct": pct(self.satisfied, self.count),
        }


@dataclass(frozen=True, slots=True)
class LowRating:
    id: int
    score: int
    ticket_id: str | None
    conversation_id: str | None
    agent_id: str | None
    channel: str | None
    comment: str | None
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": self.score,
            "ticket_id": self.ticket_id,
            "conversation_id": self.conversation_id,
            "agent_id": self.agent_id,
            "channel": self.channel,
            "comment": self.comment,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class SatisfactionReport:
    days: int
    start: str
    end: str
    csat: Csat
    by_agent: tuple[GroupCsat, ...]
    by_channel: tuple[GroupCsat, ...]
    low_ratings: tuple[LowRating, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "start": self.start,
            "end": self.end,
            "csat": self.csat.as_dict(),
            "by_agent": [g.as_dict() for g in self.by_agent],
            "by_channel": [g.as_dict() for g in self.by_channel],
            "low_ratings": [r.as_dict() for r in self.low_ratings],
        }
