"""Channels registered by operators (`add_channel`); secrets stay in the config, not here. Plus
connectors' small durable state (channel_state: a polling offset)."""

from __future__ import annotations

import json
from typing import Any

from bot.channels.model import ChannelRecord
from bot.core.clock import dumps, now_iso
from bot.store.sqlite.database import Database


class ChannelRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, name: str, type_: str, settings: dict[str, Any], enabled: bool = True) -> bool:
        """Register or update a channel; returns True when it was new."""
        existed = await self.get(name) is not None
        await self._db.execute(
            """INSERT INTO channels (name, type, enabled, settings, created_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(name) DO UPDATE SET type = excluded.type, enabled = excluded.enabled,
                   settings = excluded.settings""",
            (name, type_, int(enabled), dumps(settings), now_iso()),
        )
        return not existed

    async def get(self, name: str) -> ChannelRecord | None:
        row = await self._db.fetchone("SELECT * FROM channels WHERE name = ?", (name,))
        return _record(row) if row else None

    async def list(self) -> list[ChannelRecord]:
        return [_record(r) for r in await self._db.fetchall("SELECT * FROM channels ORDER BY name")]

    async def get_state(self, channel: str, key: str) -> str | None:
        row = await self._db.fetchone("SELECT value FROM channel_state WHERE channel = ? AND key = ?", (channel, key))
        return row["value"] if row else None

    async def set_state(self, channel: str, key: str, value: str) -> None:
        await self._db.execute(
            """INSERT INTO channel_state (channel, key, value, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT(channel, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at""",
            (channel, key, value, now_iso()),
        )


def _record(row: Any) -> ChannelRecord:
    return ChannelRecord(
        name=row["name"],
        type=row["type"],
        enabled=bool(row["enabled"]),
        settings=json.loads(row["settings"]),
        created_at=row["created_at"],
    )
