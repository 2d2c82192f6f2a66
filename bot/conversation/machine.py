"""The conversation state machine: one `transitions.Machine` shared by every conversation.

Conversations are frozen records, so a transition fires the shared machine's event on a
throw-away model (a static machine: no per-conversation machine, and no add_model/remove_model,
which cost ~250 µs a turn against ~30 µs this way). Guards read only the model's attributes;
callbacks do no I/O — the caller persists the resulting state.

    bot ──start_collect──► collecting ──finish_collect / cancel_collect──► bot
    bot, collecting ──request_handoff──► queued ──assign──► agent
    bot, collecting ──assign──► agent          (an agent was free at once)
    queued, agent ──to_bot──► bot              agent ──transfer──► agent
    agent ──close_by_agent──► rating ──rate / skip_rating──► closed
    bot, closed ──ask_rating──► rating         (a ticket of the conversation was resolved)
    any open state ──close──► closed ──reopen──► bot
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from transitions import Machine, MachineError

from bot.conversation.model import Conversation
from bot.core.clock import now_iso

STATES = ("bot", "collecting", "queued", "agent", "rating", "closed")
OPEN_STATES = ("bot", "collecting", "queued", "agent", "rating")

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "start_collect", "source": ["bot", "collecting"], "dest": "collecting"},
    {"trigger": "finish_collect", "source": "collecting", "dest": "bot"},
    {"trigger": "cancel_collect", "source": "collecting", "dest": "bot"},
    {"trigger": "request_handoff", "source": ["bot", "collecting"], "dest": "queued"},
    {"trigger": "assign", "source": ["bot", "collecting", "queued"], "dest": "agent", "conditions": "has_agent"},
    {"trigger": "transfer", "source": "agent", "dest": "agent", "conditions": "has_agent"},
    {"trigger": "to_bot", "source": ["queued", "agent"], "dest": "bot"},
    {"trigger": "close_by_agent", "source": "agent", "dest": "rating"},
    {"trigger": "ask_rating", "source": ["bot", "closed"], "dest": "rating"},
    {"trigger": "rate", "source": "rating", "dest": "closed"},
    {"trigger": "skip_rating", "source": "rating", "dest": "closed"},
    {"trigger": "close", "source": list(OPEN_STATES), "dest": "closed"},
    {"trigger": "reopen", "source": "closed", "dest": "bot"},
]


class IllegalTransition(ValueError):
    def __init__(self, state: str, trigger: str, allowed: list[str]) -> None:
        super().__init__(f"cannot {trigger} a conversation in state {state}; allowed: {', '.join(allowed) or 'none'}")
        self.state, self.trigger, self.allowed = state, trigger, allowed


@dataclass
class _Model:
    state: str
    agent_id: str | None

    def has_agent(self) -> bool:
        return self.agent_id is not None


class ConversationMachine:
    """Stateless facade over the shared machine: (conversation, trigger) -> new conversation."""

    def __init__(self) -> None:
        self._machine = Machine(
            model=None, states=list(STATES), transitions=TRANSITIONS, initial="bot",
            auto_transitions=False, send_event=False,
        )

    def allowed(self, state: str) -> list[str]:
        return sorted(
            t for t, ev in self._machine.events.items() if state in ev.transitions
        )

    def reopen(self, conv: Conversation) -> Conversation:
        """The one way back to the bot for a new request: a closed conversation gets a new
        message, or a customer moves on from an unanswered survey (left unrated). Fresh start:
        no fallbacks counted, no form, no survey subject."""
        if conv.state == "rating":
            conv = self.fire(conv, "skip_rating")
        return replace(self.fire(conv, "reopen"), fallback_count=0)

    def fire(self, conv: Conversation, trigger: str, **changes: Any) -> Conversation:
        """Apply `trigger` (with the record `changes` it implies) or raise IllegalTransition."""
        candidate = replace(conv, **changes) if changes else conv
        model = _Model(conv.state, candidate.agent_id)
        event = self._machine.events.get(trigger)
        try:
            ok = event is not None and event.trigger(model)
        except MachineError:
            ok = False
        if not ok:
            raise IllegalTransition(conv.state, trigger, self.allowed(conv.state))
        ts = now_iso()
        new = replace(candidate, state=model.state, updated_at=ts)
        if model.state == "closed":
            new = replace(new, closed_at=ts, flow=None, slots={}, queued_at=None)
        elif conv.state == "closed":
            new = replace(new, closed_at=None)
        if model.state == "agent":
            new = replace(new, had_agent=True, queued_at=None)
        if model.state == "queued" and conv.state != "queued":
            new = replace(new, queued_at=ts)
        if model.state == "bot" and conv.state in ("queued", "agent"):
            new = replace(new, agent_id=None, queued_at=None)
        return new
