"""Open the store of the configured backend (`storage.backend`); backends are imported lazily."""

from __future__ import annotations

from bot.config import ConfigError, Settings
from bot.store import Store


async def open_store(settings: Settings) -> Store:
    if settings.storage.backend == "sqlite":
        from bot.store.sqlite.store import open_sqlite_store

        return await open_sqlite_store(settings.data_dir)
    raise ConfigError(f"storage.backend: {settings.storage.backend!r} is not implemented in this release")
