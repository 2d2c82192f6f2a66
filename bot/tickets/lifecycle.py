"""The ticket lifecycle: one `transitions.Machine` shared by every ticket.

    open ──► in_progress ⇄ waiting_customer
    in_progress, waiting_customer ──► resolved ──► closed
    resolved ──► in_progress            (reopen)
    open, in_progress ──► cancelled

Tickets are frozen records, so a change fires the shared machine's event on a throw-away model
(no machine per ticket, no add_model/remove_model). One event per destination status, named
`to_<status>`, so "set status to X" maps onto exactly one event. Callbacks do no I/O.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from transitions import Machine, MachineError

STATUSES = ("open", "in_progress", "waiting_customer", "resolved", "closed", "cancelled")
PRIORITIES = ("low", "normal", "high", "urgent")

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "to_in_progress", "source": ["open", "waiting_customer", "resolved"], "dest": "in_progress"},
    {"trigger": "to_waiting_customer", "source": "in_progress", "dest": "waiting_customer"},
    {"trigger": "to_resolved", "source": ["in_progress", "waiting_customer"], "dest": "resolved"},
    {"trigger": "to_closed", "source": "resolved", "dest": "closed"},
    {"trigger": "to_cancelled", "source": ["open", "in_progress"], "dest": "cancelled"},
]


class IllegalTransition(ValueError):
    def __init__(self, current: str, target: str, allowed: list[str]) -> None:
        super().__init__(
            f"cannot change a ticket from {current} to {target}; allowed next: {', '.join(allowed) or 'none'}"
        )
        self.current, self.target, self.allowed = current, target, allowed


@dataclass
class _Model:
    state: str


class TicketLifecycle:
    """Stateless facade over the shared machine."""

    def __init__(self) -> None:
        self._machine = Machine(
            model=None, states=list(STATUSES), transitions=TRANSITIONS, initial="open",
            auto_transitions=False, send_event=False,
        )

    def allowed(self, status: str) -> list[str]:
        """The statuses a ticket in `status` may move to next, in lifecycle order."""
        nexts = {
            t.dest for ev in self._machine.events.values() for t in ev.transitions.get(status, ())
        }
        return [s for s in STATUSES if s in nexts]

    def check(self, current: str, target: str) -> str:
        """Fire `current -> target` on a throw-away model; returns the new status or raises."""
        model = _Model(current)
        event = self._machine.events.get(f"to_{target}")
        try:
            ok = event is not None and event.trigger(model)
        except MachineError:
            ok = False
        if not ok:
            raise IllegalTransition(current, target, self.allowed(current))
        return model.state

    def path(self, current: str, target: str) -> list[str]:
        """The shortest chain of legal steps from `current` to `target` (excluding `current`)."""
        previous: dict[str, str] = {}
        queue = deque([current])
        while queue:
            status = queue.popleft()
            if status == target:
                steps = []
                while status != current:
                    steps.append(status)
                    status = previous[status]
                return steps[::-1]
            for nxt in self.allowed(status):
                if nxt not in previous and nxt != current:
                    previous[nxt] = status
                    queue.append(nxt)
        raise IllegalTransition(current, target, self.allowed(current))
