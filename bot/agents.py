"""Agents: directory, API tokens, presence (filled in by the agents work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import Store


class AgentDirectory:
    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store

    async def by_token(self, token: str) -> object | None:
        """The agent a bearer token belongs to, or None (plugged into the API's auth)."""
        return None
