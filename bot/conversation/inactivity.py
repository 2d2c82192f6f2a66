"""Closes conversations nobody has written in for `dialogue.inactivity_close_after` seconds.

Only conversations the bot owns (bot, collecting) or that wait for a rating are closed; a
conversation queued for or handled by a human stays open until the human closes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from bot.core.periodic import every

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.conversation.machine import ConversationMachine
    from bot.core.locks import ConversationLocks
    from bot.store import Store

log = structlog.get_logger(__name__)
CLOSABLE = ("bot", "collecting", "rating")


class InactivityCloser:
    def __init__(self, settings: Settings, store: Store, machine: ConversationMachine, locks: ConversationLocks):
        self._after = timedelta(seconds=settings.dialogue.inactivity_close_after)
        self._store = store
        self._machine = machine
        self._locks = locks

    async def close_idle(self, now: datetime | None = None) -> int:
        cutoff = ((now or datetime.now(UTC)) - self._after).isoformat(timespec="microseconds")
        closed = 0
        for candidate in await self._store.conversations.idle(cutoff, CLOSABLE):
            async with self._locks.hold(candidate.channel, candidate.customer_id):
                conv = await self._store.conversations.get(candidate.id)
                # Re-checked under the lock: the customer may have written meanwhile.
                if conv is None or conv.state not in CLOSABLE or conv.last_message_at >= cutoff:
                    continue
                trigger = "skip_rating" if conv.state == "rating" else "close"
                await self._store.conversations.save(self._machine.fire(conv, trigger))
                closed += 1
                log.info("conversation_closed_inactive", conversation_id=conv.id, state=conv.state)
        return closed

    async def run(self, interval: float = 60.0) -> None:
        await every(interval, self.close_idle, failed="inactivity_job_failed")
