"""The phone connector the delivery service calls, and the call's dialogue for the routes.

What a caller hears is the answer to the provider's webhook (TwiML / JSON): nothing can be
pushed into a live call from outside it. So whatever reaches the outbox for a phone
conversation (an agent's typed reply, a queue update, a rating prompt) is refused for good:
`DeliveryFailed(retry=False)` makes it a dead letter the agent sees on the console, with the
reason. (Holding it for the next Gather would only be right while the call is up, which this
service cannot know for a provider that sends no status callback; a dead letter always is.)
Calls handed to a human are transferred on the phone (channels.phone.human_number), not queued
for chat (bot/channels/phone/dialog.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import Delivered, DeliveryFailed
from bot.channels.phone.alicloud import CallBoard
from bot.channels.phone.turn import CHANNEL
from bot.channels.settings import PhoneChannel as PhoneSettings
from bot.core.events import OutboundMessage

if TYPE_CHECKING:
    from bot.channels.context import ConnectorServices as Services
    from bot.channels.phone.dialog import PhoneDialog

UNDELIVERABLE = ("a phone call cannot receive written messages: the caller only hears the bot's answers "
                 "during the call (call the customer back at their number)")


class PhoneChannel:
    def __init__(self, settings: PhoneSettings, name: str = CHANNEL) -> None:
        self.name = name
        self.settings = settings
        self.calls = CallBoard()  # alicloud: each live call's state

    def dialog(self, services: Services) -> PhoneDialog:
        from bot.channels.phone.dialog import PhoneDialog

        return PhoneDialog(services, self.settings)

    async def deliver(self, message: OutboundMessage) -> Delivered:
        raise DeliveryFailed(UNDELIVERABLE, retry=False)
