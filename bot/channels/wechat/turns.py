"""Exactly one answer per WeChat message: the in-flight turns, by (openid, MsgId).

WeChat waits 5 s for an answer and then sends the same MsgId again, up to three times. Every
request for a MsgId waits on the one task that processes it (a retry never starts a second
turn), for at most the reply deadline. The turn writes its replies to the outbox in its own
transaction; when it is done in time, the newest waiting request takes those rows
(`OutboxStore.take_for_reply`: pending, never attempted, not leased -> sent, one conditional
update) and answers with them as the passive reply. Whatever it did not take (it came too late,
a delivery round claimed it first, it did not fit) the delivery service sends by the
customer-service API. A row is taken or claimed, never both, so nothing goes out twice; a
request that takes nothing answers `success`.

The newest request answers because WeChat only listens to its latest attempt. A retry after
the turn (or after a restart) runs the runtime's dedupe, which returns the stored result without
a new turn; its rows are, by then, sent or claimed, or still pending and taken now — still once.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog

from bot.channels.outbox import OutboxItem

log = structlog.get_logger(__name__)

Key = tuple[str, str]  # (openid, message id)
Take = Callable[[list[int]], Awaitable[list[OutboxItem]]]


@dataclass(eq=False, slots=True)
class _Turn:
    task: asyncio.Task[list[int]]
    newest: int = 0  # the request that answers, if the turn is done in time
    waiters: int = 0


class TurnBoard:
    def __init__(self) -> None:
        self._turns: dict[Key, _Turn] = {}
        self._request_ids = itertools.count(1)

    def __len__(self) -> int:
        return len(self._turns)

    async def answer(self, key: Key, start: Callable[[], Coroutine[Any, Any, list[int]]], wait: float,
                     take: Take, kick: Callable[[], None]) -> list[OutboxItem]:
        """The outbox rows this request answers with (none: answer `success`). `start` runs the
        turn and returns the message seqs of its replies; it runs once per key at a time."""
        turn = self._turns.get(key)
        if turn is None:  # no await between the lookup and the insert: concurrent requests share it
            task = asyncio.get_running_loop().create_task(start(), name="wechat-turn")
            turn = self._turns[key] = _Turn(task)
            task.add_done_callback(lambda t, k=key, tr=turn: self._finished(k, tr, kick))
        me = turn.newest = next(self._request_ids)
        turn.waiters += 1
        try:
            if wait > 0:  # seconds left of the reply deadline
                await asyncio.wait([turn.task], timeout=wait)
            if not turn.task.done() or turn.newest != me:
                return []  # late (the delivery service sends), or a newer attempt answers
            return await take(turn.task.result())
        finally:
            turn.waiters -= 1
            if turn.waiters == 0 and turn.task.done():
                kick()  # what was not taken goes by the customer-service API now

    def _finished(self, key: Key, turn: _Turn, kick: Callable[[], None]) -> None:
        if self._turns.get(key) is turn:
            del self._turns[key]  # later retries go through the runtime's dedupe
        if not turn.task.cancelled() and turn.task.exception() is not None:
            exc = turn.task.exception()
            log.error("wechat_turn_failed", error=type(exc).__name__, exc_info=exc)
        if turn.waiters == 0:
            kick()  # every request answered `success` already: the replies go by custom send
