"""The seam every connector implements (cf. Rasa's InputChannel/OutputChannel).

Inbound, a connector verifies the platform's request and translates it into an `InboundEvent`
(its routes live in its own package and feed `runtime.feed`). Outbound, the delivery service
hands it one `OutboundMessage` at a time: `deliver` returns "sent", "held" (no push route at the
moment; the customer fetches it) or raises `DeliveryFailed` (retried with backoff unless
`retry=False`, then a dead letter).
"""

from __future__ import annotations

from typing import Literal, Protocol

from bot.core.events import OutboundMessage

Delivered = Literal["sent", "held"]


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.retry = retry


class Channel(Protocol):
    name: str

    async def deliver(self, message: OutboundMessage) -> Delivered: ...
