"""What the handoff queue hands back, and the ways an agent action can be refused.

The errors carry what the API needs (status is implied by the class) without importing it:
NotFound → 404 with the id, Forbidden → 403, Conflict → 409 with the conversation's state,
InvalidAction → 400 naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.conversation.model import Conversation
from bot.core.events import Reply


@dataclass(frozen=True, slots=True)
class HandoffOutcome:
    """The result of `enqueue`: the conversation to persist and what to tell the customer."""

    conversation: Conversation
    replies: tuple[Reply, ...]
    ticket_id: str | None
    agent_id: str | None = None  # set when an agent was free at once
    position: int | None = None  # 1-based place in the queue when waiting


@dataclass(frozen=True, slots=True)
class RelayOutcome:
    conversation: Conversation
    replies: tuple[Reply, ...]


class HandoffError(Exception):
    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message, self.extra = message, extra


class NotFound(HandoffError):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident} not found", id=ident)
        self.kind, self.ident = kind, ident


class Forbidden(HandoffError):
    """The agent may not act on this conversation (it is not assigned to them)."""


class Conflict(HandoffError):
    """The conversation is not in a state that allows the action (e.g. already accepted)."""


class InvalidAction(HandoffError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
