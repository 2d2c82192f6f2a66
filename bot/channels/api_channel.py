"""The HTTP API channel: replies travel in `POST /api/message`'s response; what comes later is
held for `GET /api/conversations/{id}/messages?after=` (the customer token) or, with a
callback_url, POSTed to the integrator's server."""

from __future__ import annotations

from bot.channels.base import Delivered
from bot.channels.webhook import Webhook
from bot.core.events import OutboundMessage


class ApiChannel:
    def __init__(self, name: str = "api", webhook: Webhook | None = None) -> None:
        self.name = name
        self._webhook = webhook

    async def deliver(self, message: OutboundMessage) -> Delivered:
        if self._webhook is not None:
            return await self._webhook.deliver(message)
        return "held"
