"""Ticket and audit-event records as the store reads and writes them. Frozen: a change is a new record."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    customer_id: str | None
    title: str
    conversation_id: str | None = None
    type: str = "general"
    priority: str = "normal"
    status: str = "open"
    description: str = ""
    assignee: str | None = None
    tags: tuple[str, ...] = ()
    channel: str | None = None
    sla_response_due: str | None = None
    sla_resolution_due: str | None = None
    first_response_at: str | None = None
    resolved_at: str | None = None
    closed_at: str | None = None
    # When the clocks stopped (waiting_customer or resolved); the stretch is added to the due
    # times when the ticket moves on, and summed in paused_seconds.
    paused_at: str | None = None
    paused_seconds: int = 0
    response_breached: bool = False
    resolution_breached: bool = False
    created_at: str = ""
    updated_at: str = ""
    # What was done to solve it (close_ticket --resolution); also an audit event of kind resolution.
    resolution: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Ticket:
        data = dict(row)
        data["tags"] = tuple(json.loads(data["tags"]))
        data["response_breached"] = bool(data["response_breached"])
        data["resolution_breached"] = bool(data["resolution_breached"])
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One audit entry. `kind` says what changed: created, status, assigned, priority, edited
    (`to` names the edited fields), comment, resolution (`comment` is the text), first_response,
    sla_breach (`to` is the clock)."""

    ticket_id: str
    actor: str
    kind: str
    from_value: str | None = None
    to_value: str | None = None
    comment: str | None = None
    created_at: str = ""
    id: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> TicketEvent:
        return cls(
            id=row["id"],
            ticket_id=row["ticket_id"],
            actor=row["actor"],
            kind=row["kind"],
            from_value=row["from_status"],
            to_value=row["to_status"],
            comment=row["comment"],
            created_at=row["created_at"],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "actor": self.actor,
            "from": self.from_value,
            "to": self.to_value,
            "comment": self.comment,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class TicketFilter:
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    assignee: str | None = None
    customer_id: str | None = None
    visible_to: str | None = None  # an agent id: only tickets that agent may work (TicketService.visible)


@dataclass(frozen=True, slots=True)
class AgentLoad:
    """An online agent as auto-assignment sees them."""

    id: str
    skills: tuple[str, ...]
    open_tickets: int
