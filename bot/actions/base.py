"""What an action gets and gives back. Actions do the I/O the router decided on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.conversation.model import Conversation
from bot.core.events import Reply, Route

if TYPE_CHECKING:
    from bot.nlu.analysis import Analysis
    from bot.routing.router import Decision


@dataclass(frozen=True)
class ActionContext:
    """The turn an action serves. Collaborators (stores, services) come through the action's
    constructor, so each action holds only what it uses."""

    conversation: Conversation
    analysis: Analysis
    decision: Decision


@dataclass(frozen=True)
class ActionOutcome:
    replies: tuple[Reply, ...]
    conversation: Conversation
    needs_review: bool = False
    ticket_id: str | None = None
    extra_scores: dict[str, object] = field(default_factory=dict)
    # The route actually served when it differs from the decision's (e.g. the LLM was down and
    # the FAQ answered): the API and the stored decision report what the customer really got.
    route: Route | None = None


class Action(Protocol):
    async def __call__(self, ctx: ActionContext) -> ActionOutcome: ...
