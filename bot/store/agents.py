"""Agents: profile, presence, hashed API token (filled in by the agents work)."""

from __future__ import annotations

from bot.store.database import Database


class AgentRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
