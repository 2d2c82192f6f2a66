"""A channel an operator registered (add_channel): type, settings without secrets, enabled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHANNEL_TYPES = ("web", "app", "api", "wechat", "wecom", "wechat_kf", "telegram", "phone")

# add_channel flags per type: (required, optional). Which of them are secrets is the channel
# settings model's SECRETS (bot/channels/settings.py).
CHANNEL_FLAGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "web": (("domain", "widget_id"), ()),
    "app": ((), ("callback_url",)),
    "api": ((), ()),
    "wechat": (("app_id", "app_secret"), ("token", "encoding_aes_key", "api_base_url")),
    "wecom": (("corp_id", "agent_id", "secret"), ("token", "encoding_aes_key", "api_base_url")),
    "wechat_kf": (("corp_id", "secret"), ("token", "encoding_aes_key", "api_base_url")),
    "telegram": (("token",), ("mode", "secret_token", "api_base_url")),
    "phone": (("provider",), ("auth_token", "secret_token", "public_base_url", "human_number", "language",
                              "voice", "api_base_url")),
}


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    name: str
    type: str
    enabled: bool
    settings: dict[str, Any]
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "enabled": self.enabled,
            "settings": self.settings,
            "created_at": self.created_at,
        }
