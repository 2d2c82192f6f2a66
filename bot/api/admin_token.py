"""The admin token: from BOT_API_TOKEN / server.api_token, else generated once into the data dir."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from bot.config import Settings
from bot.core.private import private_dir

TOKEN_FILE = "admin_token"


def admin_token_path(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


def ensure_admin_token(settings: Settings) -> tuple[str, Path | None]:
    """Return (token, path it was generated into or None when configured)."""
    if settings.server.api_token:
        return settings.server.api_token, None
    path = admin_token_path(settings)
    if path.is_file():
        return path.read_text(encoding="utf-8").strip(), None
    private_dir(path.parent)
    token = secrets.token_urlsafe(32)
    # Create with 0600 from the start so the token is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    return token, path


def token_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())
