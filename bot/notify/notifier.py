"""Notifications about things people must act on (SLA breaches, reviews). The notification issue
adds Feishu and e-mail delivery behind this protocol; until then they are logged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

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
