"""Customer profiles (filled in by the customers work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store import Store


class CustomerService:
    def __init__(self, store: Store) -> None:
        self._store = store
