"""SLA arithmetic, pure: due times per priority, the pause while a ticket waits, breach checks.

Two clocks start when a ticket is created: first response (stops at the first agent reply)
and resolution (stops at resolved). Both run only while the ticket is `open` or `in_progress`.
In `waiting_customer` and `resolved` they stand still (`paused_at` records since when); when the
ticket moves on, that stretch is added to the due times and to `paused_seconds`, so time spent
waiting for the customer, or resolved before a reopen, never counts against the team.
Stored due times therefore exclude only the *current* pause; `effective_due` adds it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import TicketsConfig
from bot.tickets.model import Ticket

RUNNING = ("open", "in_progress")
STOPPED = ("waiting_customer", "resolved")  # clocks stand still, and restart when the ticket moves on
TERMINAL = ("closed", "cancelled")
CLOCKS = ("response", "resolution")


def iso(dt: datetime) -> str:
    """The store's time format (sortable text); naive datetimes are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class SlaTargets:
    response: int  # seconds to first response
    resolution: int  # seconds to resolution

    @classmethod
    def for_priority(cls, config: TicketsConfig, priority: str) -> SlaTargets:
        override = config.sla_overrides.get(priority)  # type: ignore[call-overload]
        response = override.sla_response_time if override else None
        resolution = override.sla_resolution_time if override else None
        return cls(
            response=response or config.sla_response_time,
            resolution=resolution or config.sla_resolution_time,
        )


@dataclass(frozen=True, slots=True)
class SlaStatus:
    response_due: str | None
    resolution_due: str | None
    response_breached: bool
    resolution_breached: bool
    paused: bool
    response_met_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "response_due": self.response_due,
            "resolution_due": self.resolution_due,
            "response_breached": self.response_breached,
            "resolution_breached": self.resolution_breached,
            "paused": self.paused,
            "response_met_at": self.response_met_at,
        }


def due_times(ticket: Ticket, targets: SlaTargets) -> Ticket:
    """Due times from creation + targets + every completed pause (used at creation and on a
    priority change, which moves both deadlines)."""
    start = parse(ticket.created_at) + timedelta(seconds=ticket.paused_seconds)
    return replace(
        ticket,
        sla_response_due=iso(start + timedelta(seconds=targets.response)),
        sla_resolution_due=iso(start + timedelta(seconds=targets.resolution)),
    )


def running(ticket: Ticket, clock: str) -> bool:
    if ticket.status not in RUNNING:
        return False
    return ticket.first_response_at is None if clock == "response" else True


def _due(ticket: Ticket, clock: str) -> str | None:
    return ticket.sla_response_due if clock == "response" else ticket.sla_resolution_due


def _breached(ticket: Ticket, clock: str) -> bool:
    return ticket.response_breached if clock == "response" else ticket.resolution_breached


def overdue(ticket: Ticket, now: datetime) -> list[str]:
    """Running clocks past due and not yet flagged. A stopped clock is never overdue: a paused
    ticket is not in breach while it waits."""
    at = iso(now)
    return [
        c for c in CLOCKS
        if running(ticket, c) and not _breached(ticket, c) and (_due(ticket, c) or at) < at
    ]


def flag(ticket: Ticket, clocks: list[str]) -> Ticket:
    return replace(
        ticket,
        response_breached=ticket.response_breached or "response" in clocks,
        resolution_breached=ticket.resolution_breached or "resolution" in clocks,
    )


def _shift(value: str | None, seconds: float) -> str | None:
    return iso(parse(value) + timedelta(seconds=seconds)) if value else None


def move(ticket: Ticket, new_status: str, now: datetime) -> Ticket:
    """The clock side of a status change: end a pause (extending the due times), start one, stamp
    resolved/closed times."""
    at = iso(now)
    t = ticket
    if t.paused_at is not None and new_status not in STOPPED:
        stretch = max(0.0, (now - parse(t.paused_at)).total_seconds())
        due_response = t.sla_response_due if t.first_response_at else _shift(t.sla_response_due, stretch)
        t = replace(t, paused_at=None, paused_seconds=t.paused_seconds + round(stretch),
                    sla_response_due=due_response, sla_resolution_due=_shift(t.sla_resolution_due, stretch))
    if new_status in STOPPED and t.paused_at is None:
        t = replace(t, paused_at=at)
    if new_status == "resolved":
        t = replace(t, resolved_at=at)
    elif new_status == "in_progress":
        t = replace(t, resolved_at=None)  # reopened
    if new_status in TERMINAL:
        t = replace(t, closed_at=at)
    return replace(t, status=new_status, updated_at=at)


def effective_due(ticket: Ticket, clock: str, now: datetime) -> str | None:
    """The due time as it stands now: while the customer is awaited it moves with the clock. (A
    resolved ticket shows the stored time: its clocks stopped, and only a reopen restarts them.)"""
    due = _due(ticket, clock)
    if due is None or ticket.paused_at is None or ticket.status != "waiting_customer":
        return due
    if clock == "response" and ticket.first_response_at is not None:
        return due
    return _shift(due, max(0.0, (now - parse(ticket.paused_at)).total_seconds()))


def status(ticket: Ticket, now: datetime) -> SlaStatus:
    return SlaStatus(
        response_due=effective_due(ticket, "response", now),
        resolution_due=effective_due(ticket, "resolution", now),
        response_breached=ticket.response_breached,
        resolution_breached=ticket.resolution_breached,
        paused=ticket.status == "waiting_customer",
        response_met_at=ticket.first_response_at,
    )
