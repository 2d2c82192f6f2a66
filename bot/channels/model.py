"""A channel an operator registered (add_channel): type, settings without secrets, enabled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHANNEL_TYPES = ("web", "app", "api", "wechat", "telegram", "phone")


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
