"""The WeChat customer-service connector: the callback crypto (for the routes), the sync that a
callback sets off (bot/channels/wechat_kf/sync.py), and delivery by `kf/send_msg` from the kf
account the customer wrote to. 95000-95018 (the session is not valid, outside the 48-hour window
or over the 5 messages a customer's message allows, ...) are refused for good: a dead letter.

Handoff: `channels.wechat_kf.handoff: system` (the default) keeps the customer in this system's
queue and its agents answer through kf/send_msg like the bot; `platform` also moves the WeChat
session with kf/service_state/trans (to `servicer` when set: state 3, else the pool: state 2)
once, when a customer's turn leaves the conversation queued or with an agent. The conversation
stays in this system's queue as well (an agent here may still answer)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import structlog

from bot.channels.base import Delivered, DeliveryFailed
from bot.channels.settings import WechatKfChannel as KfSettings
from bot.channels.settings import is_placeholder
from bot.channels.wechat.translate import message_text
from bot.channels.wechat_kf.sync import CHANNEL, PAGE, account_key, cursor_key, translate
from bot.channels.wecom.api import WechatApiError, WecomApi
from bot.channels.wecom.callback import CallbackCrypto
from bot.channels.wecom.channel import TaskGroup
from bot.core.events import OutboundMessage
from bot.store.protocols import ChannelStore

if TYPE_CHECKING:
    from bot.channels.context import ConnectorServices as Services

log = structlog.get_logger(__name__)

MAX_TEXT = 2000  # kf/send_msg takes at most 2048 bytes of text
REFUSED_RANGE = range(95000, 95019)
HANDED = ("queued", "agent")  # the conversation is with (or waiting for) a human
REFUSED = {40096: "invalid external_userid", 40001: "channels.wechat_kf.secret is not valid",
           60020: "this server's IP is not on the trusted IP list"}


class WechatKfChannel:
    def __init__(self, settings: KfSettings, state: ChannelStore, name: str = CHANNEL) -> None:
        self.name = name
        self.settings = settings
        self.state = state  # channel_state: the cursors and each customer's kf account
        self.api = WecomApi(settings.corp_id or "", settings.secret or "", settings.api_base_url)
        self.tasks = TaskGroup(f"{name}-sync")
        self._locks: dict[str, asyncio.Lock] = {}
        self.crypto: CallbackCrypto | None = None
        key, token = settings.encoding_aes_key, settings.token
        if key and token and not is_placeholder(key) and not is_placeholder(token):
            try:
                self.crypto = CallbackCrypto(token, key, settings.corp_id or "")
            except ValueError:
                log.warning("wechat_kf_aes_key_invalid",
                            hint="channels.wechat_kf.encoding_aes_key is not 43 characters")

    # --- inbound: the pull ------------------------------------------------------------------
    async def sync(self, services: Services, open_kfid: str, token: str) -> int:
        """Pull and feed everything new for `open_kfid`; returns how many messages were fed."""
        lock = self._locks.setdefault(open_kfid, asyncio.Lock())
        state, fed = self.state, 0
        async with lock:
            cursor = await state.get_state(self.name, cursor_key(open_kfid)) or ""
            while True:
                payload: dict[str, Any] = {"cursor": cursor, "token": token, "limit": PAGE, "open_kfid": open_kfid}
                page = await self.api.post("/cgi-bin/kf/sync_msg", payload)
                for msg in page.get("msg_list") or ():
                    pulled = translate(msg) if isinstance(msg, dict) else None
                    if pulled is None:
                        continue
                    await state.set_state(self.name, account_key(pulled.external_userid), pulled.open_kfid)
                    body = await services.runtime.feed(pulled.event(self.name))
                    fed += 1
                    if self.settings.handoff == "platform" and body.get("state") in HANDED:
                        await self._hand_to_platform(pulled.open_kfid, pulled.external_userid,
                                                     str(body.get("conversation_id") or ""))
                    services.delivery.kick()
                next_cursor = str(page.get("next_cursor") or "")
                if next_cursor and next_cursor != cursor:
                    cursor = next_cursor
                    await state.set_state(self.name, cursor_key(open_kfid), cursor)
                if not page.get("has_more") or not next_cursor:
                    break
        return fed

    # --- outbound ---------------------------------------------------------------------------
    async def deliver(self, message: OutboundMessage) -> Delivered:
        text = message_text(message)
        if not text:
            return "sent"
        open_kfid = await self._account(message.customer_id)
        if open_kfid is None:
            raise DeliveryFailed("no kf account known for this customer (open_kfid)", retry=False)
        data = text.encode()[:MAX_TEXT].decode(errors="ignore")
        try:
            await self.api.post("/cgi-bin/kf/send_msg", {"touser": message.customer_id, "open_kfid": open_kfid,
                                                         "msgtype": "text", "text": {"content": data}})
        except WechatApiError as exc:
            if exc.errcode in REFUSED_RANGE:
                raise DeliveryFailed(f"WeChat KF {exc.errcode}: the session is not valid or outside the window "
                                     f"({exc.errmsg})", retry=False) from None
            if exc.errcode in REFUSED:
                raise DeliveryFailed(f"WeChat KF {exc.errcode}: {REFUSED[exc.errcode]}", retry=False) from None
            raise DeliveryFailed(f"WeChat KF {exc.errcode}: {exc.errmsg}") from None
        except ConnectionError as exc:
            raise DeliveryFailed(str(exc)) from None
        return "sent"

    async def transfer(self, open_kfid: str, external_userid: str, servicer: str | None = None) -> None:
        """handoff: platform — the session to WeChat's servicers: the pool (2), or `servicer` (3)."""
        payload: dict[str, Any] = {"open_kfid": open_kfid, "external_userid": external_userid,
                                   "service_state": 3 if servicer else 2}
        if servicer:
            payload["servicer_userid"] = servicer
        await self.api.post("/cgi-bin/kf/service_state/trans", payload)

    async def _hand_to_platform(self, open_kfid: str, external_userid: str, conversation_id: str) -> None:
        """handoff: platform — once per conversation (a marker in channel_state, so a retried or
        replayed message does not transfer again), the session goes to WeChat's servicers."""
        key = f"handoff:{external_userid}"
        if not conversation_id or await self.state.get_state(self.name, key) == conversation_id:
            return
        try:
            await self.transfer(open_kfid, external_userid, self.settings.servicer)
        except (WechatApiError, ConnectionError) as exc:
            log.warning("wechat_kf_transfer_failed", error=str(exc)[:200])
            return
        await self.state.set_state(self.name, key, conversation_id)
        log.info("wechat_kf_transferred", conversation_id=conversation_id, to=self.settings.servicer or "pool")

    async def _account(self, customer_id: str) -> str | None:
        value = await self.state.get_state(self.name, account_key(customer_id))
        return str(value) if value else None

    async def aclose(self) -> None:
        await self.tasks.aclose()
        await self.api.aclose()
