"""Per-app keys of the app channel (`add_channel --type app` prints one once).

Only the key's SHA-256 is kept, beside the channel's other secrets (channel_secrets.json, 0600);
a key names its app channel, whose conversations it may open (`/ws/app`, `POST /api/message`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from bot.channels.secrets import ChannelSecrets
from bot.store.protocols import ChannelStore

KEY_FIELD = "app_key_sha256"


def new_app_key() -> str:
    return "ak_" + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class AppKeys:
    def __init__(self, vault: ChannelSecrets, records: ChannelStore) -> None:
        self._vault = vault
        self._records = records

    async def channel_for(self, key: str) -> str | None:
        """The enabled app channel this key belongs to, or None."""
        digest = key_hash(key).encode()
        for name, values in self._vault.load().items():
            stored = values.get(KEY_FIELD)
            if stored and hmac.compare_digest(stored.encode(), digest):
                record = await self._records.get(name)
                if record is not None and record.enabled and record.type == "app":
                    return name
        return None
