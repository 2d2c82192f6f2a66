"""Background SLA breach detection: flag each breach once, log it and hand it to the notifier.

Clocks that stop late (a first reply or a resolution after the due time, before the monitor ran)
are flagged by the ticket service in the same transaction and announced the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from bot.core.periodic import every
from bot.tickets.breach import Breach, announce
from bot.tickets.changes import SLA_ACTOR
from bot.tickets.sla_clock import CLOCKS, iso

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.notify.notifier import Notifier
    from bot.store import Store
    from bot.tickets.service import TicketService

log = structlog.get_logger(__name__)

BATCH = 500


class SlaMonitor:
    def __init__(self, settings: Settings, store: Store, tickets: TicketService, notifier: Notifier) -> None:
        self._settings = settings
        self._store = store
        self._tickets = tickets
        self._notifier = notifier

    async def run(self, interval: float = 30.0) -> None:
        """Check for breaches every `interval` seconds until cancelled."""
        await every(interval, self.check_once, failed="sla_check_failed")

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
