"""Background SLA breach detection: flag each breach once, log it and hand it to the notifier.

Clocks that stop late (a first reply or a resolution after the due time, before the monitor ran)
are flagged by the ticket service in the same transaction and announced the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from bot.notify.notifier import Notification
from bot.tickets.changes import SLA_ACTOR
from bot.tickets.model import Ticket
from bot.tickets.sla_clock import CLOCKS, iso

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.notify.notifier import Notifier
    from bot.store import Store
    from bot.tickets.service import TicketService

log = structlog.get_logger(__name__)

BATCH = 500
MAX_INDIVIDUAL = 50  # breach notifications per check before the rest are summarized


@dataclass(frozen=True, slots=True)
class Breach:
    """One missed deadline. No customer data: the ticket id leads to the rest."""

    ticket_id: str
    clock: str  # response | resolution
    due: str | None
    detected_at: str
    priority: str
    status: str
    assignee: str | None

    @classmethod
    def of(cls, ticket: Ticket, clock: str, detected_at: str) -> Breach:
        due = ticket.sla_response_due if clock == "response" else ticket.sla_resolution_due
        return cls(ticket.id, clock, due, detected_at, ticket.priority, ticket.status, ticket.assignee)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "clock": self.clock,
            "due": self.due,
            "detected_at": self.detected_at,
            "priority": self.priority,
            "status": self.status,
            "assignee": self.assignee,
        }


async def announce(notifier: Notifier, breaches: Sequence[Breach], *, individually: int = MAX_INDIVIDUAL) -> None:
    """Log every breach; notify each of the first `individually`, then one summary for the rest, so
    a backlog (e.g. after downtime) does not flood the on-call channel."""
    for b in breaches:
        log.warning("sla_breach", ticket_id=b.ticket_id, clock=b.clock, priority=b.priority, due=b.due,
                    assignee=b.assignee)
    for b in breaches[:individually]:
        await _send(notifier, Notification("sla_breach", f"SLA {b.clock} breached: {b.ticket_id}", b.as_dict()))
    rest = breaches[individually:]
    if rest:
        await _send(notifier, Notification(
            "sla_breach_summary", f"{len(rest)} more SLA breaches",
            {"count": len(rest), "ticket_ids": sorted({b.ticket_id for b in rest})[:100]},
        ))


async def _send(notifier: Notifier, notification: Notification) -> None:
    try:
        await notifier.notify(notification)
    except Exception:
        # A notification channel being down must not stop the other breaches from going out.
        log.exception("sla_notify_failed", kind=notification.kind)


class SlaMonitor:
    def __init__(self, settings: Settings, store: Store, tickets: TicketService, notifier: Notifier) -> None:
        self._settings = settings
        self._store = store
        self._tickets = tickets
        self._notifier = notifier

    async def run(self, interval: float = 30.0) -> None:
        """Check for breaches every `interval` seconds until cancelled."""
        while True:
            try:
                await self.check_once()
            except Exception:
                log.exception("sla_check_failed")
            await asyncio.sleep(interval)

    async def check_once(self, now: datetime | None = None) -> list[Breach]:
        """Flag every running clock past its due time (each breach once) and announce it."""
        at = iso(now or datetime.now(UTC))
        breaches: list[Breach] = []
        repo = self._store.tickets
        for clock in CLOCKS:
            while True:
                candidates = await repo.overdue(clock, at, BATCH)
                flagged = await repo.mark_breaches([t.id for t in candidates], clock, at, SLA_ACTOR)
                breaches.extend(Breach.of(t, clock, at) for t in flagged)
                if len(candidates) < BATCH:
                    break
        await announce(self._notifier, breaches)
        return breaches
