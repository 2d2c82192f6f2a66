"""Customer profiles (filled in by the customers work)."""

from __future__ import annotations

from bot.store.database import Database


class CustomerRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
