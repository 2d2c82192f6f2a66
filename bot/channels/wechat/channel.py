"""The WeChat Official Account connector: verifies and decrypts what WeChat pushes (for the
routes), and delivers outbox rows by the customer-service message API (`message/custom/send`).

Everything the delivery service hands it goes out that way: a bot reply that missed the passive
reply, an agent's reply during a handoff, queue updates, the rating prompt. 45015 (the customer
has not written for 48 hours) and 45047 (over the quota for this customer) are refused for good:
the row becomes a dead letter the agent sees, and is not retried.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable

import structlog
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from bot.channels.base import Delivered, DeliveryFailed
from bot.channels.settings import WechatChannel as WechatSettings
from bot.channels.settings import is_placeholder
from bot.channels.wechat.api import WechatApi, WechatApiError
from bot.channels.wechat.translate import CHANNEL, BadMessage, SignatureRefused, message_text
from bot.channels.wechat.turns import TurnBoard
from bot.core.events import OutboundMessage

log = structlog.get_logger(__name__)

_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")
_PARAM = re.compile(r"[0-9A-Za-z_\-]{1,128}")  # signature, timestamp, nonce as WeChat sends them
# Errors the customer's side refuses for good (no retry will do better): outside the 48-hour
# window, over the per-customer quota, not a follower / unknown openid, the API not granted.
REFUSED = {
    45015: "the customer has not written for 48 hours; WeChat refuses customer-service messages",
    45047: "over WeChat's quota of customer-service messages to this customer",
    40003: "WeChat does not know this openid (for this official account)",
    43004: "the customer no longer follows the official account",
    48001: "this official account may not use the customer-service message API",
    40013: "channels.wechat.app_id is not valid",
    40125: "channels.wechat.app_secret is not valid",
}


class ReplayGuard:
    """Refuses a stale `timestamp` (further than `window` seconds from now, either way) and a
    (timestamp, nonce) pair seen within the window: a captured request sent again. Per process,
    in memory: a pair is remembered until its timestamp leaves the window, so a replay is
    refused for as long as its timestamp would be accepted. WeChat signs every attempt with a
    fresh timestamp and nonce, its retries of a MsgId included: they pass, and the turn board
    (turns.py) and the runtime's dedupe keep them to one answer."""

    MAX_PAIRS = 200_000  # ~100 pushes a second for the whole window; past it the oldest go

    def __init__(self, window: float, clock: Callable[[], float] = time.time) -> None:
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()  # pair -> when it expires

    def fresh(self, timestamp: str) -> bool:
        return timestamp.isdigit() and abs(self._clock() - int(timestamp)) <= self.window

    def claim(self, timestamp: str, nonce: str) -> bool:
        """False for a stale timestamp or a pair seen before; else remembers the pair."""
        if not self.fresh(timestamp):
            return False
        now = self._clock()
        while self._seen:  # expiry follows insertion closely enough: the clock only moves on
            pair, expires = next(iter(self._seen.items()))
            if expires > now and len(self._seen) < self.MAX_PAIRS:
                break
            del self._seen[pair]
        key = (timestamp, nonce)
        if key in self._seen:
            return False
        self._seen[key] = int(timestamp) + self.window
        return True

    def __len__(self) -> int:
        return len(self._seen)


class WechatChannel:
    def __init__(self, settings: WechatSettings, name: str = CHANNEL) -> None:
        self.name = name
        self.settings = settings
        self.api = WechatApi(settings.app_id or "", settings.app_secret or "", settings.api_base_url)
        self.turns = TurnBoard()
        self.replay = ReplayGuard(settings.replay_window)
        self.crypto: WeChatCrypto | None = None
        key = settings.encoding_aes_key
        if key and not is_placeholder(key):
            if _AES_KEY.fullmatch(key):
                self.crypto = WeChatCrypto(settings.token, key, settings.app_id)
            else:
                log.warning("wechat_aes_key_invalid", hint="channels.wechat.encoding_aes_key is not 43 characters; "
                            "encrypted (safe mode) messages are refused")

    # --- inbound: verification --------------------------------------------------------------
    def verify(self, signature: str, timestamp: str, nonce: str) -> None:
        """The `signature` of every GET and POST: sha1 of the sorted token, timestamp, nonce."""
        if not all(_PARAM.fullmatch(p) for p in (signature, timestamp, nonce)):
            raise SignatureRefused
        try:
            check_signature(self.settings.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            raise SignatureRefused from None

    def decrypt(self, body: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The plaintext XML of a compatible- or safe-mode message (`encrypt_type=aes`)."""
        if self.crypto is None:
            raise BadMessage("encrypted message, but channels.wechat.encoding_aes_key is not configured")
        if not _PARAM.fullmatch(msg_signature):
            raise SignatureRefused
        try:
            return str(self.crypto.decrypt_message(body, msg_signature, timestamp, nonce))
        except InvalidSignatureException:
            raise SignatureRefused from None
        except Exception as exc:  # XML, base64, padding, app id: whatever it is, it is not readable
            raise BadMessage(f"encrypted message not readable ({type(exc).__name__})") from None

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        assert self.crypto is not None
        return str(self.crypto.encrypt_message(xml, nonce, timestamp))

    # --- outbound ---------------------------------------------------------------------------
    async def deliver(self, message: OutboundMessage) -> Delivered:
        text = message_text(message)
        if not text:
            return "sent"  # nothing a customer could read (an empty rating prompt): nothing to send
        try:
            await self.api.send_text(message.customer_id, text)
        except WechatApiError as exc:
            if exc.errcode in REFUSED:
                raise DeliveryFailed(f"WeChat {exc.errcode}: {REFUSED[exc.errcode]}", retry=False) from None
            raise DeliveryFailed(f"WeChat {exc.errcode}: {exc.errmsg}") from None
        except ConnectionError as exc:
            raise DeliveryFailed(str(exc)) from None
        return "sent"

    async def aclose(self) -> None:
        await self.api.aclose()
