"""A missed SLA deadline and how it is announced: logged always, notified without flooding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from bot.notify.notifier import Notification
from bot.tickets.model import Ticket

if TYPE_CHECKING:
    from bot.notify.notifier import Notifier

log = structlog.get_logger(__name__)

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
