"""CSAT ratings (filled in by the CSAT work)."""

from __future__ import annotations

from bot.store.database import Database


class RatingRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
