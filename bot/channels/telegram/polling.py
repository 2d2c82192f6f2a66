"""Long polling (channels.telegram.mode: polling): getUpdates from the persisted offset, each batch
processed, then the offset moved past it and saved (store.channels state `offset:<bot id>`).

A restart resumes at the saved offset, so no update is lost; a crash after processing but before
the save fetches that batch once more, and the runtime's dedupe (the turn and its message id are
stored together) answers none of it twice. Within a batch, each chat's updates run in order and
chats run side by side, so one slow answer (an LLM) does not hold up everyone else's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aiogram.exceptions import TelegramConflictError, TelegramRetryAfter, TelegramUnauthorizedError
from aiogram.types import Update

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.inbound import TelegramInbound, Wiring
from bot.runtime import ShuttingDown
from bot.store.protocols import ChannelStore

log = structlog.get_logger(__name__)

POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open when there is nothing new
MAX_BACKOFF = 60.0


class TelegramPolling:
    def __init__(self, channel: TelegramChannel, state: ChannelStore, handle: Callable[[Update], Awaitable[object]],
                 *, wait: int = POLL_TIMEOUT) -> None:
        self._channel = channel
        self._state = state
        self._handle = handle
        self.wait = wait
        self._key = f"offset:{channel.bot_id}"  # update ids count per bot: a new token starts afresh

    async def offset(self) -> int | None:
        saved = await self._state.get_state(self._channel.name, self._key)
        return int(saved) if saved else None

    async def run(self) -> None:
        offset = await self.offset()
        failures = 0
        log.info("telegram_polling", offset=offset)
        while True:
            try:
                updates = await self._channel.get_updates(offset, self.wait)
                if updates:
                    await self.process(updates)
                    offset = max(u.update_id for u in updates) + 1
                    await self._state.set_state(self._channel.name, self._key, str(offset))
                failures = 0
            except ShuttingDown:
                return  # not saved: the next start fetches these again, dedupe answers each once
            except Exception as exc:  # every failure waits, then polls again
                failures += 1
                await asyncio.sleep(self._pause(exc, failures))

    async def process(self, updates: list[Update]) -> None:
        by_chat: dict[object, list[Update]] = {}
        for update in sorted(updates, key=lambda u: u.update_id):
            by_chat.setdefault(_chat_of(update), []).append(update)
        results = await asyncio.gather(*(self._in_order(batch) for batch in by_chat.values()),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):  # ShuttingDown (the rest is logged per update)
                raise result

    async def _in_order(self, updates: list[Update]) -> None:
        for update in updates:
            try:
                await self._handle(update)
            except ShuttingDown:
                raise
            except Exception:  # one update that fails must not stop the chat or the bot for good
                log.exception("telegram_update_failed", update_id=update.update_id)

    def _pause(self, exc: Exception, failures: int) -> float:
        if isinstance(exc, TelegramRetryAfter):
            return float(exc.retry_after)
        if isinstance(exc, TelegramConflictError):
            log.error("telegram_polling_conflict", reason=str(exc)[:300],
                      hint="a webhook is set for this bot or another process polls it; delete the webhook "
                           "(deleteWebhook) or set channels.telegram.mode: webhook")
        elif isinstance(exc, TelegramUnauthorizedError):
            log.error("telegram_token_refused", hint="check channels.telegram.token")
            return MAX_BACKOFF
        else:
            log.warning("telegram_polling_failed", error=type(exc).__name__, reason=str(exc)[:300],
                        attempt=failures)
        return min(2.0 ** min(failures, 6), MAX_BACKOFF)


def _chat_of(update: Update) -> object:
    if update.message is not None:
        return update.message.chat.id
    query = update.callback_query
    if query is not None:
        return query.message.chat.id if query.message is not None else query.from_user.id
    return ("update", update.update_id)


async def run_polling(services: Wiring, *, wait: int = POLL_TIMEOUT) -> None:
    """The background job `start` runs when channels.telegram.mode is polling."""
    channel = services.telegram
    if channel is None:
        return
    inbound = TelegramInbound(services, channel)
    await TelegramPolling(channel, services.store.channels, inbound.handle, wait=wait).run()
