"""What `start` says about each enabled channel: served, or not connected and why (never an error).

A channel the service cannot connect yet — placeholder credentials from the sample config, or a
platform whose connector is not in this release — is reported in one line and skipped, so the
seed's sample config starts as written.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.settings import ChannelsConfig

# Channels served today, and where they arrive.
SERVED = {
    "api": "POST /api/message",
    "web": "GET /widget.js, GET /chat, WebSocket /ws/chat",
    "app": "WebSocket /ws/app with an app key (add_channel --type app), POST /api/message",
    "telegram": "Bot API long polling, or POST /channels/telegram (mode: webhook)",
    "wechat": "GET|POST /channels/wechat (passive reply, else message/custom/send)",
    "phone": "POST /channels/phone/twilio (TwiML) or POST /channels/phone/alicloud (JSON), by channels.phone.provider",
    "wecom": "GET|POST /channels/wecom (AES callback; replies by message/send)",
    "wechat_kf": "GET|POST /channels/wechat-kf (callback -> kf/sync_msg; replies by kf/send_msg)",
}


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    name: str
    connected: bool
    detail: str

    def line(self) -> str:
        state = "connected" if self.connected else "not connected"
        return f"channel {self.name}: {state} ({self.detail})"


def channel_statuses(channels: ChannelsConfig) -> list[ChannelStatus]:
    """One status per enabled channel, in config order."""
    out = []
    for name in channels.names():
        ch = channels.get(name)
        if ch is None or not ch.enabled:
            continue
        missing = ch.missing()
        if missing:
            out.append(ChannelStatus(name, False, f"channels.{name}: {', '.join(missing)} unset or placeholder"))
        elif name in SERVED:
            out.append(ChannelStatus(name, True, SERVED[name]))
        else:
            out.append(ChannelStatus(name, False, f"no {name} connector in this release"))
    return out
