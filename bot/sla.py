"""Background SLA breach detection (filled in by the tickets work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.notify import Notifier
    from bot.store import Store
    from bot.tickets import TicketService


class SlaMonitor:
    def __init__(self, settings: Settings, store: Store, tickets: TicketService, notifier: Notifier) -> None:
        self._settings = settings
        self._store = store
        self._tickets = tickets
        self._notifier = notifier

    async def run(self, interval: float = 30.0) -> None:
        """Check for breaches every `interval` seconds until cancelled."""
