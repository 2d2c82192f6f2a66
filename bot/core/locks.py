"""Per-conversation locks: a customer's turn, an agent's action and a timer never interleave."""

from __future__ import annotations

import asyncio


class ConversationLocks:
    """One asyncio.Lock per (channel, customer_id), dropped when nobody holds or waits for it.

    Not re-entrant: code running inside a turn (actions) must not take the lock again.
    """

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    def hold(self, channel: str, customer_id: str) -> Held:
        key = (channel, customer_id)
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        return Held(self, key, lock)

    def _release(self, key: tuple[str, str]) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Held:
    def __init__(self, owner: ConversationLocks, key: tuple[str, str], lock: asyncio.Lock) -> None:
        self._owner, self._key, self._lock = owner, key, lock

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()
        self._owner._release(self._key)
