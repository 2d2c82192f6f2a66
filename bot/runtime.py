"""runtime.feed(): dedupe by (channel, customer, message_id), one turn at a time per conversation, in order.

Platform retries of a message already answered get the stored answer back, never a second one.
The customer is part of the key: message ids are only unique per sender on some channels (and on
a shared API channel any client picks them), so another customer's id must not hit this answer.
Shutdown waits for in-flight turns to finish.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

import structlog

from bot.conversation.manager import DialogueManager
from bot.core.events import InboundEvent, TurnResult
from bot.core.locks import ConversationLocks
from bot.store import Store

log = structlog.get_logger(__name__)


class ShuttingDown(RuntimeError):
    """The runtime no longer accepts messages."""


class Runtime:
    RECENT_IDS = 50_000

    def __init__(self, store: Store, dialogue: DialogueManager, locks: ConversationLocks) -> None:
        self._store = store
        self._dialogue = dialogue
        self._locks = locks
        self._recent: OrderedDict[tuple[str, str, str], dict[str, Any]] = OrderedDict()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._closing = False

    async def feed(self, event: InboundEvent) -> dict[str, Any]:
        """Process one customer message; returns the API response body."""
        if self._closing:
            raise ShuttingDown("the service is shutting down")
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            with structlog.contextvars.bound_contextvars(channel=event.channel):
                async with self._locks.hold(event.channel, event.customer_id):
                    seen = await self._already_answered(event)
                    if seen is not None:
                        log.info("duplicate_message", conversation_id=seen["conversation_id"])
                        return seen
                    result: TurnResult = await self._dialogue.handle(event)
                    body = result.as_dict()
                    if event.message_id:
                        self._remember((event.channel, event.customer_id, event.message_id), body)
                    return body
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _already_answered(self, event: InboundEvent) -> dict[str, Any] | None:
        if not event.message_id:
            return None
        key = (event.channel, event.customer_id, event.message_id)
        if key in self._recent:
            return self._recent[key]
        return await self._store.processed.processed_result(*key)

    def forget_customer(self, customer_id: str) -> None:
        """Drop the answers kept for the customer's retried messages (after an erasure)."""
        for key in [k for k in self._recent if k[1] == customer_id]:
            del self._recent[key]

    def _remember(self, key: tuple[str, str, str], body: dict[str, Any]) -> None:
        self._recent[key] = body
        if len(self._recent) > self.RECENT_IDS:
            self._recent.popitem(last=False)

    async def shutdown(self, grace: float) -> None:
        """Stop accepting messages and let in-flight turns finish (up to `grace` seconds)."""
        self._closing = True
        pending = [t for t in self._in_flight if t is not asyncio.current_task()]
        if pending:
            log.info("shutdown_waiting", in_flight=len(pending))
            _, still = await asyncio.wait(pending, timeout=grace)
            if still:
                log.warning("shutdown_timeout", abandoned=len(still))
        await self._store.conversations.drain()
