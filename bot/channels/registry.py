"""Which connector delivers for which channel name: built from config, plus the channels
operators registered (`add_channel`), resolved by their type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.channels.base import Channel, Delivered
from bot.core.events import OutboundMessage
from bot.store.protocols import ChannelStore

Sender = Callable[[OutboundMessage], Awaitable[None]]


class SenderChannel:
    """A plain coroutine as a channel (tests and scenario runs catch what customers get)."""

    def __init__(self, name: str, sender: Sender) -> None:
        self.name = name
        self._sender = sender

    async def deliver(self, message: OutboundMessage) -> Delivered:
        await self._sender(message)
        return "sent"


class ChannelRegistry:
    def __init__(self, records: ChannelStore | None = None) -> None:
        self._by_name: dict[str, Channel] = {}
        self._by_type: dict[str, Channel] = {}
        self._records = records

    def add(self, channel: Channel, *, type_: str | None = None) -> None:
        self._by_name[channel.name] = channel
        self._by_type[type_ or channel.name] = channel

    def register(self, name: str, sender: Sender) -> None:
        """Deliver `name`'s messages with a coroutine (replaces the connector)."""
        self._by_name[name] = SenderChannel(name, sender)

    async def aclose(self) -> None:
        """Close the connectors that hold a client session (an `aclose` coroutine)."""
        for channel in {id(c): c for c in self._by_name.values()}.values():
            close = getattr(channel, "aclose", None)
            if close is not None:
                await close()

    async def get(self, name: str) -> Channel | None:
        channel = self._by_name.get(name)
        if channel is None and self._records is not None:
            record = await self._records.get(name)  # `add_channel --type web --name shop_web`
            if record is not None and record.enabled:
                channel = self._by_type.get(record.type)
        return channel
