"""What a connector may use of the live services (a structural type, so that the connectors
bot/app.py builds do not import bot/app.py back)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.channels.delivery import Delivery
    from bot.channels.registry import ChannelRegistry
    from bot.config import Settings
    from bot.core.locks import ConversationLocks
    from bot.runtime import Runtime
    from bot.store import Store


class ConnectorServices(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def runtime(self) -> Runtime: ...

    @property
    def delivery(self) -> Delivery: ...

    @property
    def locks(self) -> ConversationLocks: ...

    @property
    def channels(self) -> ChannelRegistry: ...
