"""Messages to a customer outside their own turn (agent replies, queue updates, CSAT prompts):
stored with their outbox row in one transaction, then handed to the delivery service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.outbox import reply_meta
from bot.conversation.model import Conversation, MessageRecord
from bot.core.clock import now_iso
from bot.core.events import Reply

if TYPE_CHECKING:
    from bot.channels.delivery import Delivery
    from bot.store.protocols import MessageLog


class CustomerPush:
    def __init__(self, messages: MessageLog, delivery: Delivery) -> None:
        self._messages = messages
        self._delivery = delivery

    async def send(
        self, conv: Conversation, reply: Reply, *, sender: str = "system", agent_id: str | None = None,
        at: str | None = None, kind: str | None = None, agent_name: str | None = None,
    ) -> MessageRecord:
        """The message is in the transcript (and the outbox) before anything is sent."""
        message = MessageRecord(conv.id, "out", sender, reply.text, created_at=at or now_iso(), agent_id=agent_id,
                                meta=reply_meta(reply, kind=kind, agent_name=agent_name))
        stored = await self._messages.add_outbound(message, conv)
        await self._delivery.written()
        return stored
