"""Delivery on Telegram: one outbox row as `sendMessage` (buttons as an inline keyboard, the rating
prompt as 1-5), through aiogram's `Bot` with its aiohttp session; also the calls inbound needs
(getUpdates, answerCallbackQuery) and the agent's typing (sendChatAction).

Errors become the delivery service's verdicts: flood control (429), network trouble and the Bot
API's own 5xx are retried with backoff; a blocked bot (403), an unknown chat or a refused message
(400) and a rejected token are dead letters at once, which the agent sees.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import Update
from aiogram.utils.token import TokenValidationError

from bot.channels.base import Delivered, DeliveryFailed
from bot.channels.settings import TelegramChannel as TelegramSettings
from bot.channels.telegram.keyboard import keyboard
from bot.channels.telegram.translate import chat_id
from bot.config import ConfigError
from bot.core.events import OutboundMessage, Reply

log = structlog.get_logger(__name__)

PRODUCTION = "https://api.telegram.org"
REQUEST_TIMEOUT = 20  # seconds for one Bot API call (a long poll adds its own wait)
MAX_TEXT = 4000  # the Bot API takes 4096 characters a message; longer replies go in parts
ALLOWED_UPDATES = ["message", "callback_query"]
TYPING_EVERY = 4.0  # seconds: Telegram shows "typing…" for five, so one call per chat in that span
_PERMANENT = (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound, TelegramMigrateToChat)


class TelegramChannel:
    def __init__(self, name: str, bot: Bot) -> None:
        self.name = name
        self.bot = bot
        self._typing_at: dict[str, float] = {}
        self._tasks: set[asyncio.Task[bool]] = set()

    @classmethod
    def open(cls, conf: TelegramSettings, name: str = "telegram") -> TelegramChannel:
        server = TelegramAPIServer.from_base(conf.api_base_url or PRODUCTION)
        try:
            bot = Bot(str(conf.token), session=AiohttpSession(api=server, timeout=REQUEST_TIMEOUT))
        except TokenValidationError:
            raise ConfigError("channels.telegram.token: not a bot token (<bot id>:<secret>, from @BotFather)") from None
        return cls(name, bot)

    @property
    def bot_id(self) -> int:
        return self.bot.id

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.bot.session.close()

    # --- outbound -------------------------------------------------------------------------
    async def deliver(self, message: OutboundMessage) -> Delivered:
        chat = chat_id(message.customer_id)
        if chat is None:
            raise DeliveryFailed(f"customer {message.customer_id!r} is no Telegram chat", retry=False)
        try:
            for reply in message.replies:
                await self._send(chat, message, reply)
        except TelegramRetryAfter as exc:
            raise DeliveryFailed(f"telegram 429: flood control, retry after {exc.retry_after} s") from None
        except TelegramUnauthorizedError:
            raise DeliveryFailed("telegram 401: the bot token was refused (channels.telegram.token)",
                                 retry=False) from None
        except _PERMANENT as exc:
            raise DeliveryFailed(f"telegram: {exc.message}", retry=False) from None
        except TelegramAPIError as exc:  # network errors, the Bot API's 5xx, an undecodable answer
            raise DeliveryFailed(f"telegram: {exc.message}", retry=True) from None
        return "sent"

    async def _send(self, chat: int, message: OutboundMessage, reply: Reply) -> None:
        text = reply.text.strip()
        if message.sender == "agent" and message.agent_name and text:
            text = f"{message.agent_name}: {text}"
        markup = keyboard(message, reply)
        if not text and markup is None:
            return
        parts = [text[i:i + MAX_TEXT] for i in range(0, len(text), MAX_TEXT)] or ["…"]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await self.bot.send_message(chat_id=chat, text=part, reply_markup=markup if last else None)

    def typing_soon(self, customer_id: str) -> None:
        """The agent is typing (the console's notice): sendChatAction in the background, at most
        once per chat every few seconds, so the console's request never waits on Telegram."""
        now = time.monotonic()
        if now - self._typing_at.get(customer_id, -TYPING_EVERY) < TYPING_EVERY:
            return
        self._typing_at[customer_id] = now
        if len(self._typing_at) > 10_000:  # forget the oldest chats
            for key in list(self._typing_at)[:5_000]:
                del self._typing_at[key]
        task = asyncio.get_running_loop().create_task(self.typing(customer_id), name="telegram-typing")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def typing(self, customer_id: str) -> bool:
        """The agent is typing: Telegram shows it for five seconds or until the next message."""
        chat = chat_id(customer_id)
        if chat is None:
            return False
        try:
            return await self.bot.send_chat_action(chat_id=chat, action="typing")
        except TelegramAPIError as exc:
            log.info("telegram_typing_failed", reason=exc.message)
            return False

    # --- what inbound needs ------------------------------------------------------------------
    async def answer_callback(self, query_id: str) -> None:
        """Stops the spinner on the tapped button (a retried update's query is too old: ignored)."""
        try:
            await self.bot.answer_callback_query(callback_query_id=query_id)
        except TelegramAPIError as exc:
            log.info("telegram_callback_answer_failed", reason=exc.message)

    async def get_updates(self, offset: int | None, wait: int) -> list[Update]:
        return await self.bot.get_updates(offset=offset, timeout=wait, allowed_updates=ALLOWED_UPDATES,
                                          request_timeout=wait + REQUEST_TIMEOUT)

    def parse(self, data: dict[str, object]) -> Update:
        """A webhook body as an Update (pydantic's ValidationError when it is none)."""
        return Update.model_validate(data, context={"bot": self.bot})
