"""Tokens that customers hold: the API customer token and the widget's visitor session.

Both are signed with one random key kept owner-only in the data directory (created on first
use, so every worker sharing the data directory agrees). The customer token is an HMAC of
(channel, customer id): it reads that customer's conversations and nothing else. The visitor
session is an itsdangerous timed token carrying the customer id and the widget id; a forged or
expired one reads as None and the visitor starts anonymous.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.core.private import private_dir, replace_privately

KEY_FILE = "channel_signing.key"


def load_key(data_dir: Path) -> bytes:
    path = private_dir(data_dir) / KEY_FILE
    if not path.exists():
        with replace_privately(path, "w") as fh:
            fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


class CustomerTokens:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self._sessions = URLSafeTimedSerializer(key.hex(), salt="widget-session")

    def customer_token(self, channel: str, customer_id: str) -> str:
        mac = hmac.new(self._key, f"customer\n{channel}\n{customer_id}".encode(), hashlib.sha256).digest()
        return "ct_" + base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def customer_token_ok(self, token: str, channel: str, customer_id: str) -> bool:
        return hmac.compare_digest(token.encode(), self.customer_token(channel, customer_id).encode())

    def visitor_token(self, customer_id: str, widget_id: str) -> str:
        return str(self._sessions.dumps({"c": customer_id, "w": widget_id}))

    def read_visitor(self, token: str, max_age_seconds: int) -> dict[str, Any] | None:
        """{"c": customer id, "w": widget id}, or None for a forged, expired or malformed token."""
        try:
            data = self._sessions.loads(token, max_age=max_age_seconds)
        except (BadSignature, UnicodeError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str) or not isinstance(data.get("w"), str):
            return None
        return data


def identity_ok(secret: str | None, user_id: str, user_hash: str) -> bool:
    """The site's proof that `user_id` is its logged-in user: hex HMAC-SHA256(secret, user_id)."""
    if not secret:
        return False
    expected = hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), user_hash.strip().lower().encode())
