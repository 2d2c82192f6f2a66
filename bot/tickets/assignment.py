"""Auto-assignment policy (tickets.auto_assign), pure: which online agent gets a new ticket."""

from __future__ import annotations

from collections.abc import Sequence

from bot.store.protocols import Chooser
from bot.tickets.model import AgentLoad


def skill_chooser(ticket_type: str, ticket_tags: Sequence[str]) -> Chooser:
    """An online agent whose skills match the ticket type or a tag (case-insensitive) first, then
    the fewest active tickets (open, in_progress, waiting_customer), then the smallest id, so the
    choice is deterministic. No online agent: None (the ticket stays unassigned)."""
    wanted = {ticket_type.lower(), *(t.lower() for t in ticket_tags)}

    def choose(agents: list[AgentLoad]) -> tuple[str, str] | None:
        if not agents:
            return None

        def key(a: AgentLoad) -> tuple[bool, int, str]:
            return (not wanted & {s.lower() for s in a.skills}, a.open_tickets, a.id)

        best = min(agents, key=key)
        matched = sorted(wanted & {s.lower() for s in best.skills})
        why = f"skill {', '.join(matched)}; " if matched else "no skill match; "
        return best.id, f"{why}{best.open_tickets} active tickets"

    return choose
