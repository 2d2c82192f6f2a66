"""Report queries computed in SQL (filled in by the reports work)."""

from __future__ import annotations

from bot.store.database import Database


class ReportRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
