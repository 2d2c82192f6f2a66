"""The signed callback (`channels.app.callback_url`): messages for API and app customers that
arrive later (agent replies, queue updates, rating prompts) are POSTed to the integrator's server.

Body: JSON {type: "message", id, seq, conversation_id, channel, customer_id, role, text,
buttons?, agent?, at}. Headers: `X-Bot-Timestamp` (unix seconds) and `X-Bot-Signature:
sha256=<hex HMAC-SHA256(callback_secret, timestamp + "." + body)>`, so the receiver can check
origin and freshness. Timeouts, connection errors, 408, 429 and 5xx are retried by the delivery
service; another 4xx is the receiver refusing the message and becomes a dead letter at once.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import aiohttp

from bot.channels.base import Delivered, DeliveryFailed
from bot.core.clock import dumps
from bot.core.events import OutboundMessage

TIMEOUT = aiohttp.ClientTimeout(total=5)
RETRYABLE = {408, 425, 429}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def payload(message: OutboundMessage) -> dict[str, Any]:
    reply = message.replies[0] if message.replies else None
    out: dict[str, Any] = {
        "type": "message",
        "id": f"m{message.seq}",
        "seq": message.seq,
        "conversation_id": message.conversation_id,
        "channel": message.channel,
        "customer_id": message.customer_id,
        "role": message.sender,
        "kind": message.kind,
        "text": reply.text if reply else "",
        "at": message.at,
    }
    if reply is not None and reply.buttons:
        out["buttons"] = [{"label": b.label, "value": b.value} for b in reply.buttons]
    if message.agent_name:
        out["agent"] = {"id": message.agent_id, "name": message.agent_name}
    return out


class Webhook:
    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self._secret = secret
        self._session: aiohttp.ClientSession | None = None

    async def deliver(self, message: OutboundMessage) -> Delivered:
        body = dumps(payload(message)).encode()
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Bot-Timestamp": ts,
                   "X-Bot-Signature": signature(self._secret, ts, body)}
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._session.post(self.url, data=body, headers=headers, allow_redirects=False) as resp:
                status = resp.status
        except TimeoutError:
            raise DeliveryFailed(f"callback_url timed out after {TIMEOUT.total:g} s") from None
        except aiohttp.ClientError as exc:
            raise DeliveryFailed(f"callback_url unreachable ({type(exc).__name__})") from None
        if 200 <= status < 300:
            return "sent"
        retry = status >= 500 or status in RETRYABLE
        raise DeliveryFailed(f"callback_url answered HTTP {status}", retry=retry)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
