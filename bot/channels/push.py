"""Messages to a customer outside their own turn (agent replies, queue updates, CSAT prompts):
written to the transcript, then handed to the conversation's channel for delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.conversation.model import Conversation, MessageRecord
from bot.core.clock import now_iso
from bot.core.events import OutboundMessage, Reply

if TYPE_CHECKING:
    from bot.channels.outbox import Outbox
    from bot.store.protocols import MessageLog


class CustomerPush:
    def __init__(self, messages: MessageLog, outbox: Outbox) -> None:
        self._messages = messages
        self._outbox = outbox

    async def send(
        self, conv: Conversation, reply: Reply, *, sender: str = "system", agent_id: str | None = None,
        at: str | None = None,
    ) -> MessageRecord:
        """Store the message first (it is in the transcript even when the channel cannot push)."""
        message = MessageRecord(conv.id, "out", sender, reply.text, created_at=at or now_iso(), agent_id=agent_id)
        await self._messages.add_message(message)
        await self._outbox.deliver(OutboundMessage(conv.channel, conv.customer_id, conv.id, (reply,)))
        return message
