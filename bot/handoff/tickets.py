"""The ticket behind a handoff: opened so the request is not lost, owned by the agent who has the
chat, stamped at the first agent reply, noted when the customer leaves the queue.

Every step is best effort: a ticket failure is logged and never blocks the customer's handoff.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from bot.tickets.changes import TicketChanges
from bot.tickets.wording import customer_said, title_from, type_label

if TYPE_CHECKING:
    from bot.conversation.model import Conversation
    from bot.handoff.model import Handoff
    from bot.tickets.service import TicketService

log = structlog.get_logger(__name__)
# Ticket type of a plain handoff. Not the intent ("human_agent"): that is how the customer asked,
# and it stays the handoff's routing skill; reports group tickets by what they are about.
HANDOFF_TICKET_TYPE = "handoff"


class HandoffTickets:
    def __init__(self, tickets: TicketService) -> None:
        self._tickets = tickets

    async def open(self, conv: Conversation, *, reason: str, priority: str, ticket_type: str | None,
                   message: str | None, agent_id: str | None, title: str | None = None) -> str | None:
        """The ticket id, or None when bot-made tickets are off or creating it failed.

        Titled in the customer's words (`title`, else `message`; "" for none: a bare "转人工" says
        nothing about the case) or the type in their language; the router's `reason` stays in the
        decision log and the handoff row, not on the ticket people read."""
        if not self._tickets.should_auto_create():
            return None
        kind = ticket_type or HANDOFF_TICKET_TYPE
        label = type_label(kind, conv.language)
        words = message if title is None else title
        said = (words or message or "").strip()
        description = f"{customer_said(conv.language)}: {said[:2000]}" if said else label
        try:
            view = await self._tickets.create(
                customer_id=conv.customer_id, title=title_from(words, label), description=description,
                type=kind, priority=priority, conversation_id=conv.id,
                channel=conv.channel, assignee=agent_id, actor="bot",
            )
        except Exception:
            log.exception("handoff_ticket_failed", reason=reason)
            return None
        return view.id

    async def resolve(self, ticket_id: str | None, agent_id: str) -> None:
        """The agent closed the chat: its ticket is resolved (each lifecycle step an audit event)."""
        if not ticket_id:
            return
        try:
            await self._tickets.resolve(ticket_id, actor=agent_id, comment="chat closed by the agent")
        except Exception:
            log.warning("handoff_ticket_resolve_failed", ticket_id=ticket_id, exc_info=True)

    async def assign(self, ticket_id: str | None, agent_id: str) -> None:
        """The agent who has the chat owns its ticket."""
        if not ticket_id:
            return
        try:
            view = await self._tickets.get(ticket_id)
            if view.ticket.assignee != agent_id and view.ticket.status not in ("resolved", "closed", "cancelled"):
                await self._tickets.assign(ticket_id, agent_id, actor=agent_id)
        except Exception:
            log.warning("handoff_ticket_assign_failed", ticket_id=ticket_id, exc_info=True)

    async def first_response(self, handoff: Handoff) -> None:
        if not handoff.ticket_id:
            return
        try:
            await self._tickets.mark_first_response(handoff.ticket_id, datetime.now(UTC),
                                                    actor=handoff.agent_id or "agent")
        except Exception:
            log.warning("ticket_first_response_failed", ticket_id=handoff.ticket_id, exc_info=True)

    async def note(self, ticket_id: str, note: str) -> None:
        try:
            await self._tickets.update(ticket_id, TicketChanges(comment=note), actor="bot")
        except Exception:
            log.exception("handoff_ticket_note_failed", ticket_id=ticket_id)
