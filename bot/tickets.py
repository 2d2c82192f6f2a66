"""Tickets: lifecycle state machine, SLA clock and audit trail (filled in by the tickets work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.notify import Notifier
    from bot.store import Store


class TicketService:
    def __init__(self, settings: Settings, store: Store, notifier: Notifier) -> None:
        self._settings = settings
        self._store = store
        self._notifier = notifier
