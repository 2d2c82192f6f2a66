"""Persistence: one store, domain repositories over a shared database."""

from __future__ import annotations

from bot.store.sqlite.store import Store, open_store

__all__ = ["Store", "open_store"]
