"""Tickets and their audit events (filled in by the tickets work)."""

from __future__ import annotations

from bot.store.database import Database


class TicketRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
