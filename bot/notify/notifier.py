"""Notifications about things people must act on (SLA breaches, reviews, new and urgent tickets).

The notification issue adds Feishu and e-mail delivery behind this protocol; until then they are
logged. `notifications.new_ticket / urgent_ticket / new_message` switch those events on (off by
default; the emitter checks its flag); `notifications.channels` lists where they go, and a
channel without its webhook or SMTP settings is reported at start as not configured, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import structlog

if TYPE_CHECKING:
    from bot.config import NotificationsConfig

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Notification:
    kind: str  # e.g. sla_breach, needs_review
    title: str
    details: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    async def notify(self, notification: Notification) -> None: ...


class LogNotifier:
    """Records notifications in the log (and in memory, so tests and `stats` can see them)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def notify(self, notification: Notification) -> None:
        self.sent.append(notification)
        if len(self.sent) > 1000:
            del self.sent[:500]
        log.warning("notification", kind=notification.kind, title=notification.title, **notification.details)


def delivery_status(config: NotificationsConfig) -> list[str]:
    """One line per listed notification channel: configured, or what is missing (not an error)."""
    lines = []
    for channel in config.channels:
        if channel == "feishu":
            ok = bool(config.feishu_webhook)
            missing = "notifications.feishu_webhook"
        else:
            email = config.email
            ok = email.enabled and bool(email.recipients)
            missing = "notifications.email.enabled and recipients"
        lines.append(f"notifications: {channel} configured" if ok
                     else f"notifications: {channel} not configured (set {missing}); notifications are logged")
    return lines
