"""The Telegram connector: Bot API updates in (webhook `POST /channels/telegram` or long polling),
`sendMessage` out, through aiogram's client.

One module per responsibility: translate (Update -> what to feed), keyboard (buttons <->
callback_data), channel (delivery, the Bot API client), inbound (one update, fed to the runtime),
webhook (the route), polling (getUpdates with a persisted offset). aiogram takes seconds to import,
so nothing here imports it until channels.telegram is enabled with a real token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.channels.telegram.channel import TelegramChannel
    from bot.config import Settings


def open_telegram(settings: Settings) -> TelegramChannel | None:
    """The connector when channels.telegram is enabled with a token that is no placeholder."""
    conf = settings.channels.telegram
    if not conf.enabled or conf.missing():
        return None
    from bot.channels.telegram.channel import TelegramChannel

    return TelegramChannel.open(conf)
