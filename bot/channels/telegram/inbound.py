"""One Telegram update, fed to the runtime: the same path for the webhook and for long polling.

The replies travel through the outbox (`replies_by_outbox`), so the delivery service sends them
with its retries. A tapped button is answered (the spinner stops) before the turn runs. The
user's first and last name fill the customer profile's empty name, once: one read per update, a
write only when the profile has no name yet (an operator's edit is never overwritten).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import structlog

from bot.channels.telegram.translate import Incoming, translate
from bot.core.events import InboundEvent
from bot.customers.service import CustomerUpdate

if TYPE_CHECKING:
    from aiogram.types import Update

    from bot.channels.delivery import Delivery
    from bot.channels.telegram.channel import TelegramChannel
    from bot.customers.service import CustomerService
    from bot.runtime import Runtime
    from bot.store import Store

log = structlog.get_logger(__name__)
MAX_NAME = 100


class Wiring(Protocol):
    """What an update needs of the services (bot.app.Services has it all)."""

    @property
    def runtime(self) -> Runtime: ...

    @property
    def delivery(self) -> Delivery: ...

    @property
    def store(self) -> Store: ...

    @property
    def customers(self) -> CustomerService: ...

    @property
    def telegram(self) -> TelegramChannel | None: ...


class TelegramInbound:
    def __init__(self, services: Wiring, channel: TelegramChannel) -> None:
        self._services = services
        self._channel = channel

    async def handle(self, update: Update) -> bool:
        """Process one update; True when it was fed to the runtime (a retry gets the stored
        answer back there, never a second one)."""
        if update.callback_query is not None:
            await self._channel.answer_callback(update.callback_query.id)
        incoming = translate(update)
        if incoming is None:
            log.debug("telegram_update_ignored", update_id=update.update_id)
            return False
        text, label = incoming.text, incoming.label
        if text is None:
            found = await self._stored_button(incoming)
            if found is None:
                log.info("telegram_button_unknown", update_id=update.update_id)
                return False
            text, label = found
        metadata: dict[str, Any] = {"update_id": update.update_id}
        if label and label != text:
            metadata["label"] = label[:200]
        if incoming.media:
            metadata["media"] = incoming.media
        event = InboundEvent(self._channel.name, incoming.customer_id, text, message_id=incoming.message_id,
                             metadata=metadata, replies_by_outbox=True)
        await self._services.runtime.feed(event)
        self._services.delivery.kick()
        await self._fill_profile(incoming)
        return True

    async def _stored_button(self, incoming: Incoming) -> tuple[str, str | None] | None:
        """A long button value, read back from the customer's own message that offered it."""
        tapped = incoming.tapped
        if tapped is None or tapped.seq is None or tapped.index is None:
            return None
        rows = await self._services.store.messages.customer_messages(
            self._channel.name, incoming.customer_id, tapped.seq - 1, 1)
        if not rows or rows[0].id != tapped.seq:
            return None
        buttons = rows[0].meta.get("buttons") or []
        if tapped.index >= len(buttons):
            return None
        button = buttons[tapped.index]
        value = str(button.get("value") or "")
        return (value, str(button.get("label") or "") or None) if value else None

    async def _fill_profile(self, incoming: Incoming) -> None:
        profile = incoming.profile
        if profile is None or not profile.name:
            return
        customers = self._services.customers
        try:
            customer = await customers.get(incoming.customer_id)
            if customer is None or customer.name:
                return
            await customers.upsert(incoming.customer_id, CustomerUpdate(name=profile.name[:MAX_NAME]))
        except ValueError as exc:  # a name the profile's rules refuse: the chat goes on without it
            log.info("telegram_profile_skipped", reason=str(exc)[:200])
