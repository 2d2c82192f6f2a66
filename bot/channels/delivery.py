"""The delivery service: every outbox row goes out through its conversation's channel.

`kick()` after a write sends at once; a periodic round (every second) picks up retries whose
backoff expired and rows left over by a restart. A row is leased while it is being sent, so two
rounds (or, later, two workers) never send it twice; a crash mid-send retries after the lease.
Retries back off exponentially with jitter; after `attempts` the row is a dead letter. The backoff
is persisted in the row, not in memory, which is why this is not a retry library's decorator.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from bot.channels.base import DeliveryFailed
from bot.channels.limits import OutboundLimits
from bot.channels.outbox import OutboxItem
from bot.channels.registry import ChannelRegistry
from bot.core import periodic
from bot.core.clock import utcnow
from bot.store.protocols import OutboxStore

log = structlog.get_logger(__name__)
DeadLetterHook = Callable[[OutboxItem, str], Awaitable[None]]  # (row, why)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    first_delay: float = 2.0  # seconds; then 4, 8, 16, 32 (capped at max_delay)
    max_delay: float = 300.0
    lease: float = 30.0

    def delay(self, attempt: int) -> float:
        base = min(self.first_delay * 2 ** max(attempt - 1, 0), self.max_delay)
        return base * random.uniform(0.8, 1.2)  # jitter: retries of one outage do not arrive in step


class Delivery:
    def __init__(self, outbox: OutboxStore, channels: ChannelRegistry, policy: RetryPolicy | None = None,
                 on_dead_letter: DeadLetterHook | None = None, limits: OutboundLimits | None = None) -> None:
        self._outbox = outbox
        self._limits = limits or OutboundLimits({})
        self._channels = channels
        self.policy = policy or RetryPolicy()
        self._on_dead_letter = on_dead_letter
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._timers: set[asyncio.TimerHandle] = set()
        self._closed = False
        # One drain at a time: the kicked drain and the periodic round each claim a batch in id
        # order, and two of them sending side by side would reorder one customer's messages.
        self._draining = asyncio.Lock()
        self._drainer: asyncio.Task[object] | None = None

    def kick(self) -> None:
        """Send what is due now, in the background (coalesced: one drain at a time)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._drain_loop(), name="outbox-drain")

    async def written(self) -> None:
        """A message was written to the outbox: send it in the background. (Tests that read what
        a customer got right after an action substitute an inline drain here.)"""
        self.kick()

    async def settle(self, *, deferred: float = 0.0) -> None:
        """Wait until what is due now has been handed to the channels; with `deferred` seconds,
        also what a rate limit put off for up to that long."""
        while self._task is not None and not self._task.done():
            await asyncio.wait([self._task])
        await self.drain()
        loop = asyncio.get_running_loop()
        until = loop.time() + deferred
        for _ in range(int(deferred * 20)):
            _, pending = await self._outbox.list(status="pending", limit=1)
            if not pending or loop.time() > until:
                return
            await asyncio.sleep(0.05)
            await self.drain()

    async def _drain_loop(self) -> None:
        while True:
            self._again = False
            try:
                await self.drain()
            except Exception:
                log.exception("outbox_drain_failed")
            if not self._again:
                return

    async def drain(self) -> int:
        """Deliver every due row, in id order and one drain at a time; returns how many were
        handled. (A drain from inside a drain, a dead-letter hook writing a message, runs inline.)"""
        me = asyncio.current_task()
        if me is not None and me is self._drainer:
            return await self._drain()
        async with self._draining:
            self._drainer = me
            try:
                return await self._drain()
            finally:
                self._drainer = None

    async def _drain(self) -> int:
        handled = 0
        while True:
            now = utcnow()
            items = await self._outbox.claim_due(
                now.isoformat(timespec="microseconds"),
                (now + timedelta(seconds=self.policy.lease)).isoformat(timespec="microseconds"),
            )
            if not items:
                return handled
            for item in items:
                await self._deliver(item)
            handled += len(items)

    async def _deliver(self, item: OutboxItem) -> None:
        if self._limits.applies_to(item.channel) and await self._held_back(item):
            return
        attempts = item.attempts + 1
        now = utcnow()
        channel = await self._channels.get(item.channel)
        try:
            if channel is None:
                raise DeliveryFailed(f"no connector delivers on channel {item.channel!r}", retry=False)
            status = await channel.deliver(item.outbound())
        except DeliveryFailed as exc:
            await self._failed(item, attempts, exc.reason, retry=exc.retry)
            return
        except Exception as exc:  # a connector bug or an outage it did not classify: retried
            log.exception("outbound_delivery_error", conversation_id=item.conversation_id, channel=item.channel)
            await self._failed(item, attempts, f"{type(exc).__name__}", retry=True)
            return
        await self._outbox.mark(item.id, status, attempts, now.isoformat(timespec="microseconds"), None)

    async def _held_back(self, item: OutboxItem) -> bool:
        """Over the channel's or the recipient's rate, or behind an earlier message to the same
        customer that is still waiting: deferred (not an attempt), in order."""
        now = utcnow()
        earlier = await self._outbox.waiting_before(item.channel, item.customer_id, item.id)
        if earlier is not None:  # even one due now: it was claimed after this batch and goes first
            due = max(_parse(earlier) or now, now) + timedelta(seconds=self._limits.spacing(item.channel))
        else:
            wait = await self._limits.wait_for(item.channel, item.customer_id)
            if wait <= 0:
                return False
            due = now + timedelta(seconds=wait)
        await self._outbox.mark(item.id, "pending", item.attempts, due.isoformat(timespec="microseconds"),
                                item.last_error)
        self._later(max((due - now).total_seconds(), 0.0) + 0.01)
        return True

    def _later(self, seconds: float) -> None:
        """A kick when a deferred row comes due (cancelled by close())."""
        if self._closed:
            return
        handle = asyncio.get_running_loop().call_later(seconds, self._timed_kick)
        self._timers.add(handle)

    def _timed_kick(self) -> None:
        self._timers = {h for h in self._timers if not h.cancelled() and h.when() > asyncio.get_running_loop().time()}
        if not self._closed:
            self.kick()

    async def _failed(self, item: OutboxItem, attempts: int, reason: str, *, retry: bool) -> None:
        if retry and attempts < self.policy.attempts:
            due = utcnow() + timedelta(seconds=self.policy.delay(attempts))
            await self._outbox.mark(item.id, "pending", attempts, due.isoformat(timespec="microseconds"), reason)
            log.warning("outbound_delivery_retry", conversation_id=item.conversation_id, channel=item.channel,
                        attempt=attempts, reason=reason)
            return
        await self._outbox.mark(item.id, "failed", attempts, utcnow().isoformat(timespec="microseconds"), reason)
        log.error("outbound_dead_letter", conversation_id=item.conversation_id, channel=item.channel,
                  attempts=attempts, reason=reason)
        if self._on_dead_letter is not None:
            try:
                await self._on_dead_letter(item, reason)
            except Exception:
                log.exception("dead_letter_hook_failed", conversation_id=item.conversation_id)

    async def run(self, every: float = 1.0) -> None:
        """The periodic round: retries whose backoff expired, rows a restart left pending."""
        await periodic.every(every, self.drain, failed="outbox_round_failed")

    async def close(self) -> None:
        self._closed = True
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        if self._task is not None and not self._task.done():
            await asyncio.wait([self._task], timeout=5)


def _parse(iso: str) -> datetime | None:
    try:
        return datetime.fromisoformat(iso)
    except ValueError:  # an operator's (or a test's) "due now" edit of the row
        return None
