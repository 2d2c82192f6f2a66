"""Credentials of registered channels (`add_channel --app_secret ...`), kept out of the database.

The channels table ends up in backups and exports, so secrets live in `<data_dir>/channel_secrets.json`,
created with mode 0600 (readable only by the service user) and replaced atomically. They are never
printed back: `list_channels` shows `mask(value)`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

FILE_NAME = "channel_secrets.json"


class ChannelSecretsError(ValueError):
    """The secrets file exists but cannot be used; the message names it."""


def mask(value: str) -> str:
    """`ab****yz`: enough to tell two secrets apart, not enough to use one."""
    return f"{value[:2]}****{value[-2:]}" if len(value) >= 8 else "****"


class ChannelSecrets:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME

    def load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ChannelSecretsError(f"{self.path}: cannot read ({type(exc).__name__})") from None
        if not isinstance(data, dict):
            raise ChannelSecretsError(f"{self.path}: must be a JSON object")
        return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.items() if isinstance(v, dict)}

    def get(self, name: str) -> dict[str, str]:
        return self.load().get(name, {})

    def put(self, name: str, secrets: dict[str, str]) -> None:
        """Replace the channel's secrets (an empty dict removes them)."""
        data = self.load()
        if secrets:
            data[name] = dict(secrets)
        else:
            data.pop(name, None)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
        # Created 0600 from the start: a chmod after writing would leave a readable moment.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=2)
            os.chmod(tmp, 0o600)  # O_CREAT's mode is narrowed by the umask, never widened; be explicit
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
