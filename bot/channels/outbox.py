"""Messages to customers that are not the answer to their request: agent replies, CSAT prompts,
queue updates, proactive messages. Connectors that can push register a sender per channel; for
the others the message is in the transcript (GET /api/conversations/{id}/messages) only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from bot.core.events import OutboundMessage

log = structlog.get_logger(__name__)
Sender = Callable[[OutboundMessage], Awaitable[None]]


class Outbox:
    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}

    def register(self, channel: str, sender: Sender) -> None:
        self._senders[channel] = sender

    async def deliver(self, message: OutboundMessage) -> bool:
        """Push to the customer's channel; False when the channel cannot push (not an error)."""
        sender = self._senders.get(message.channel)
        if sender is None:
            return False
        try:
            await sender(message)
        except Exception:  # a platform outage must not fail the agent's action; it is logged
            log.exception("outbound_delivery_failed", conversation_id=message.conversation_id)
            return False
        return True
