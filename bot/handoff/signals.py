"""Change notices for agents' long polls (`GET /api/handoffs?wait=25&since=N`).

A sequence number grows with every change; each key ("queue" or an agent id) remembers the
number of its last change. An agent's view changed since `since` when the queue or their own key
moved past it. In-memory and per process: a restart resets the counter, and a client holding a
larger `since` than the current counter is answered at once.
"""

from __future__ import annotations

import asyncio

QUEUE = "queue"


class ChangeFeed:
    def __init__(self) -> None:
        self._seq = 0
        self._last: dict[str, int] = {}
        self._event = asyncio.Event()

    @property
    def seq(self) -> int:
        return self._seq

    def notify(self, *keys: str) -> None:
        self._seq += 1
        for key in keys:
            self._last[key] = self._seq
        # Wake every waiter, then give later waiters a fresh event.
        event, self._event = self._event, asyncio.Event()
        event.set()

    def version(self, agent_id: str | None) -> int:
        """The last change an agent (or, for None, the admin: everything) can see."""
        if agent_id is None:
            return self._seq
        return max(self._last.get(QUEUE, 0), self._last.get(agent_id, 0))

    async def wait(self, agent_id: str | None, since: int, seconds: float) -> int:
        """Return the agent's version once it passes `since`, or after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            current = self.version(agent_id)
            if current > since or since > self._seq:
                return current
            remaining = deadline - loop.time()
            if remaining <= 0:
                return current
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                return self.version(agent_id)
