"""Live WebSocket sessions of the web widget and the app, by (channel, customer).

A visitor may have several tabs open; every one of them is a subscriber. Delivery does not carry
the message: it pokes the customer's subscribers, and each one sends what its client has not
seen yet from the transcript (bot/channels/socket_session.py), so a poke is idempotent and a
reconnect replays exactly what was missed.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from bot.channels.base import Delivered
from bot.channels.webhook import Webhook
from bot.core.events import OutboundMessage


class Subscriber(Protocol):
    def poke(self) -> None: ...

    def typing(self) -> None: ...

    async def close(self, code: int, message: bytes) -> None: ...


class SocketHub:
    def __init__(self) -> None:
        self._live: dict[tuple[str, str], set[Subscriber]] = {}

    def add(self, channel: str, customer_id: str, sub: Subscriber) -> None:
        self._live.setdefault((channel, customer_id), set()).add(sub)

    def discard(self, channel: str, customer_id: str, sub: Subscriber) -> None:
        subs = self._live.get((channel, customer_id))
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._live[(channel, customer_id)]

    def poke(self, channel: str, customer_id: str) -> int:
        """Wake the customer's sockets; returns how many there are."""
        subs = self._live.get((channel, customer_id), ())
        for sub in subs:
            sub.poke()
        return len(subs)

    def typing(self, channel: str, customer_id: str) -> int:
        """The agent is typing: tell the customer's sockets."""
        subs = self._live.get((channel, customer_id), ())
        for sub in subs:
            sub.typing()
        return len(subs)

    def sessions(self) -> int:
        return sum(len(s) for s in self._live.values())

    async def close_all(self, code: int, message: bytes) -> None:
        """Shutdown: every client is told to reconnect (1012), instead of waiting for a timeout."""
        subs = [sub for subs in self._live.values() for sub in subs]
        await asyncio.gather(*(sub.close(code, message) for sub in subs), return_exceptions=True)


class SocketChannel:
    """The web widget's and the app's delivery: the live sockets, else held for the reconnect's
    history (and, for the app with a callback_url, the signed webhook, so its backend can notify
    the device)."""

    def __init__(self, name: str, hub: SocketHub, webhook: Webhook | None = None) -> None:
        self.name = name
        self._hub = hub
        self._webhook = webhook

    async def deliver(self, message: OutboundMessage) -> Delivered:
        if self._hub.poke(message.channel, message.customer_id):
            return "sent"
        if self._webhook is not None:
            return await self._webhook.deliver(message)
        return "held"
