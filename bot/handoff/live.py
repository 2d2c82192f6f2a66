"""Live notices for agents' consoles beyond the change feed's versions: a visitor is typing, a
message reached the chat, a message could not be delivered. In-memory and per process; a
console that reconnects re-reads its views, so nothing here needs to survive a restart.

Events are small dicts with a `type` (typing | message | undelivered) and a `conversation_id`,
addressed to an agent id or to QUEUE (every console, the admin's included).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.handoff.signals import QUEUE

MAX_PENDING = 200  # a console that stops reading loses old notices, never blocks the service


class ConsoleEvents:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}

    def publish(self, key: str | None, event: dict[str, Any]) -> None:
        """To the agent `key` (None or QUEUE: every console)."""
        targets: set[asyncio.Queue[dict[str, Any]]] = set()
        if key is None or key == QUEUE:
            for queues in self._subscribers.values():
                targets |= queues
        else:
            targets |= self._subscribers.get(key, set())
            targets |= self._subscribers.get("*", set())  # the admin sees every chat
        for queue in targets:
            if queue.qsize() >= MAX_PENDING:
                queue.get_nowait()
            queue.put_nowait(event)

    @contextmanager
    def subscribe(self, agent_id: str | None) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of the events meant for this agent (None: the admin, everything)."""
        key = agent_id or "*"
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscribers.setdefault(key, set()).add(queue)
        try:
            yield queue
        finally:
            self._subscribers[key].discard(queue)
            if not self._subscribers[key]:
                del self._subscribers[key]
