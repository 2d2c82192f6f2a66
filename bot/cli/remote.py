"""Ask the running service of this data directory (see bot.core.service_file).

A command that finds the service answers from it: no model is loaded in the CLI, and what it
writes is live at once. With no service running, the command opens the knowledge base itself.
`BOT_CLI_LOCAL=1` forces the local path (scripts that must not touch a live service).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.core import service_file

_TIMEOUT = 30.0  # seconds: a first search may wait for the service's warm-up


class ServiceUnavailable(Exception):
    """The service file named a service that did not answer; the caller goes local."""


@dataclass(frozen=True)
class ServiceClient:
    base_url: str
    token: str

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             query: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=_TIMEOUT) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:  # 4xx: the service's own error body
            try:
                return exc.code, json.loads(exc.read() or b"{}")
            except ValueError:
                return exc.code, {}
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ServiceUnavailable(str(exc)) from None


def running_service(settings: Settings) -> ServiceClient | None:
    """A client for this data directory's running service, or None."""
    if os.environ.get("BOT_CLI_LOCAL") == "1":
        return None
    address = service_file.read(settings.data_dir)
    if address is None:
        return None
    token = settings.server.api_token
    if not token:
        try:
            token = (settings.data_dir / "admin_token").read_text(encoding="utf-8").strip()
        except OSError:
            return None
    return ServiceClient(address.base_url, token)


def error_message(status: int, body: dict[str, Any]) -> str:
    message = body.get("message")
    return str(message) if message else f"the service answered HTTP {status}"
