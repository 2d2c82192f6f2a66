"""The WeCom connector: the callback crypto (for the routes), the turns it runs in the background
(WeCom is answered at once with an empty 200, never a passive reply), and delivery of outbox rows
by `message/send` with the AgentID: bot replies, an agent's replies during a handoff, queue
updates, the rating prompt. A member WeCom does not know (81013), a server IP not on the app's
allowlist (60020) and the like are refused for good: a dead letter, not retried."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import structlog

from bot.channels.base import Delivered, DeliveryFailed
from bot.channels.settings import WecomChannel as WecomSettings
from bot.channels.settings import is_placeholder
from bot.channels.wechat.translate import message_text
from bot.channels.wecom.api import WechatApiError, WecomApi
from bot.channels.wecom.callback import CallbackCrypto
from bot.channels.wecom.translate import CHANNEL, Pushed
from bot.conversation.model import MessageRecord
from bot.core.events import OutboundMessage
from bot.runtime import ShuttingDown

if TYPE_CHECKING:
    from bot.channels.context import ConnectorServices as Services

log = structlog.get_logger(__name__)

REFUSED = {
    81013: "WeCom does not know this member (or the app may not message them)",
    60020: "this server's IP is not on the WeCom app's trusted IP list",
    60011: "the app may not message this member (outside its visible range)",
    40003: "invalid userid",
    40013: "channels.wecom.corp_id is not valid",
    40056: "channels.wecom.agent_id is not valid",
    40001: "channels.wecom.secret is not valid",
    301002: "the app may not message this member",
}
RECENT = 100


class TaskGroup:
    """Background turns the routes start; closed (awaited) when the service stops."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._guard(coro), name=self._name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except ShuttingDown:
            log.info("channel_turn_dropped_shutting_down", channel=self._name)
        except Exception as exc:
            log.error("channel_turn_failed", channel=self._name, error=type(exc).__name__, exc_info=exc)

    async def wait(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class WecomChannel:
    def __init__(self, settings: WecomSettings, name: str = CHANNEL) -> None:
        self.name = name
        self.settings = settings
        self.api = WecomApi(settings.corp_id or "", settings.secret or "", settings.api_base_url)
        self.tasks = TaskGroup(f"{name}-turn")
        self.crypto: CallbackCrypto | None = None
        key, token = settings.encoding_aes_key, settings.token
        if key and token and not is_placeholder(key) and not is_placeholder(token):
            try:
                self.crypto = CallbackCrypto(token, key, settings.corp_id or "")
            except ValueError:
                log.warning("wecom_aes_key_invalid", hint="channels.wecom.encoding_aes_key is not 43 characters")

    # --- inbound ----------------------------------------------------------------------------
    async def handle(self, services: Services, pushed: Pushed) -> None:
        if pushed.kind == "turn":
            await services.runtime.feed(pushed.event(self.name))
        elif pushed.kind == "welcome":
            await self._welcome(services, pushed)
        services.delivery.kick()

    async def _welcome(self, services: Services, pushed: Pushed) -> None:
        """subscribe: the welcome, once per event; enter_agent: only to a member new to the app."""
        store = services.store
        async with services.locks.hold(self.name, pushed.userid):
            conv = await store.conversations.latest_for(pushed.userid, self.name)
            if conv is None:
                conv = await store.conversations.create(pushed.userid, self.name, "zh")
            elif pushed.event_name == "enter_agent":
                return  # they have talked to the app before: no greeting every time it is opened
            else:
                for m in reversed(await store.messages.messages(conv.id, limit=RECENT)):
                    if m.meta.get("reply_to") == pushed.message_id:
                        return  # WeCom sent this event again
            meta = {"reply_to": pushed.message_id}
            await store.messages.add_outbound(MessageRecord(conv.id, "out", "bot", self.settings.welcome, meta=meta),
                                              conv)

    # --- outbound ---------------------------------------------------------------------------
    async def deliver(self, message: OutboundMessage) -> Delivered:
        text = message_text(message)
        if not text:
            return "sent"
        try:
            await self.api.send_text(message.customer_id, text, self.settings.agent_id or 0)
        except WechatApiError as exc:
            if exc.errcode in REFUSED:
                raise DeliveryFailed(f"WeCom {exc.errcode}: {REFUSED[exc.errcode]}", retry=False) from None
            raise DeliveryFailed(f"WeCom {exc.errcode}: {exc.errmsg}") from None
        except ConnectionError as exc:
            raise DeliveryFailed(str(exc)) from None
        return "sent"

    async def aclose(self) -> None:
        await self.tasks.aclose()
        await self.api.aclose()
