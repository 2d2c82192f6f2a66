"""Reports: support KPIs computed in SQL (filled in by the reports work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import Store


class Reports:
    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store
