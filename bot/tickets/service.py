"""Tickets: create, read, list and change them through the lifecycle, with an audit trail and SLA.

The pieces: `ticket_lifecycle` (the shared state machine), `ticket_changes` (what a change does,
pure), `sla_clock` (due-time arithmetic, pure), `store.tickets` (SQL, one transaction per change)
and `sla` (the breach monitor). This module wires them and does the I/O around them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from bot.logs import mask
from bot.notify.notifier import Notification
from bot.store.protocols import UnknownRecord
from bot.tickets import sla_clock
from bot.tickets.assignment import skill_chooser
from bot.tickets.breach import Breach, announce
from bot.tickets.changes import (
    MAX_COMMENT,
    MAX_ID,
    UNSET,
    InvalidTicketInput,
    TicketChanges,
    TicketLocked,
    apply,
    choice,
    first_response,
    new_ticket,
    plan_steps,
    text,
)
from bot.tickets.lifecycle import PRIORITIES, STATUSES, IllegalTransition, TicketLifecycle
from bot.tickets.model import Ticket, TicketEvent, TicketFilter
from bot.tickets.sla_clock import SlaStatus, SlaTargets, iso

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.notify.notifier import Notifier
    from bot.store import Store

__all__ = [
    "UNSET", "IllegalTransition", "InvalidTicketInput", "TicketChanges", "TicketLocked", "TicketPage",
    "TicketService", "TicketView", "UnknownRecord",
]

log = structlog.get_logger(__name__)

MAX_PAGE_SIZE = 200
# (page - 1) * page_size must stay far inside SQLite's 64-bit OFFSET; nobody pages this deep.
MAX_PAGE = 1_000_000
ResolvedCallback = Callable[[Ticket], Awaitable[object]]


def _actor(actor: str) -> str:
    """Every audit event names who made it: an empty actor would leave an anonymous change."""
    return text("actor", actor, max_len=MAX_ID)


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket with its SLA status and (when read one at a time) its audit trail."""

    ticket: Ticket
    sla: SlaStatus
    events: tuple[TicketEvent, ...] | None = None

    @property
    def id(self) -> str:  # callers that only need the id (e.g. the dialogue's ticket reply)
        return self.ticket.id

    def as_dict(self) -> dict[str, Any]:
        data = {**self.ticket.as_dict(), "sla": self.sla.as_dict()}
        if self.events is not None:
            data["events"] = [e.as_dict() for e in self.events]
        return data


@dataclass(frozen=True, slots=True)
class TicketPage:
    tickets: tuple[TicketView, ...]
    page: int
    page_size: int
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {"tickets": [t.as_dict() for t in self.tickets], "page": self.page,
                "page_size": self.page_size, "total": self.total}


class TicketService:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        notifier: Notifier,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._store = store
        self._notifier = notifier
        self._clock = clock
        self._lifecycle = TicketLifecycle()  # one machine for every ticket
        self._on_resolved: list[ResolvedCallback] = []

    @property
    def lifecycle(self) -> TicketLifecycle:
        return self._lifecycle

    def should_auto_create(self) -> bool:
        """Whether the dialogue may open tickets on its own (tickets.auto_create)."""
        return self._settings.tickets.auto_create

    def on_resolved(self, callback: ResolvedCallback) -> None:
        """Call `callback(ticket)` after a change that resolved a ticket was committed (e.g. to ask
        for CSAT). A failing callback is logged; the change stands."""
        self._on_resolved.append(callback)

    def sla(self, ticket: Ticket, now: datetime | None = None) -> SlaStatus:
        return sla_clock.status(ticket, now or self._clock())

    async def create(
        self,
        customer_id: str,
        title: str,
        *,
        description: str = "",
        type: str = "general",
        priority: str = "normal",
        tags: Sequence[str] = (),
        conversation_id: str | None = None,
        assignee: str | None = None,
        channel: str | None = None,
        actor: str = "system",
    ) -> TicketView:
        actor = _actor(actor)
        if actor == "bot":  # made from customer text: no raw phone numbers or e-mail addresses in it
            title, description = mask(title), mask(description)
        now = self._clock()
        at = iso(now)
        draft = new_ticket(
            customer_id, title, description=description, type=type, priority=priority, tags=tags,
            conversation_id=conversation_id, assignee=assignee, channel=channel, at=at,
        )
        draft = sla_clock.due_times(draft, SlaTargets.for_priority(self._settings.tickets, draft.priority))
        events = [TicketEvent("", actor, "created", None, "open", None, at)]
        if draft.assignee:
            events.append(TicketEvent("", actor, "assigned", None, draft.assignee, None, at))
        chooser = skill_chooser(draft.type, draft.tags) if self._settings.tickets.auto_assign else None
        ticket = await self._store.tickets.create(draft, events, chooser)
        log.info("ticket_created", ticket_id=ticket.id, priority=ticket.priority, assignee=ticket.assignee)
        await self._announce_new(ticket)
        return await self.get(ticket.id)

    async def _announce_new(self, ticket: Ticket) -> None:
        """notifications.urgent_ticket / new_ticket (an urgent ticket is announced once, as urgent)."""
        flags = self._settings.notifications
        kind = ("urgent_ticket" if flags.urgent_ticket and ticket.priority == "urgent"
                else "new_ticket" if flags.new_ticket else None)
        if kind is None:
            return
        # Ids and labels only: the title and description may carry customer text.
        details = {"ticket_id": ticket.id, "priority": ticket.priority, "type": ticket.type,
                   "assignee": ticket.assignee}
        title = f"{'Urgent' if kind == 'urgent_ticket' else 'New'} ticket {ticket.id}"
        try:
            await self._notifier.notify(Notification(kind, title, details))
        except Exception:  # a notifier outage must not fail the ticket
            log.exception("ticket_notification_failed", ticket_id=ticket.id)

    async def get(self, ticket_id: str) -> TicketView:
        ticket = await self._store.tickets.get(ticket_id)
        if ticket is None:
            raise UnknownRecord("ticket", ticket_id)
        events = await self._store.tickets.events(ticket_id)
        return TicketView(ticket, self.sla(ticket), tuple(events))

    async def list(
        self,
        *,
        status: Sequence[str] = (),
        priority: Sequence[str] = (),
        assignee: str | None = None,
        customer_id: str | None = None,
        page: int = 1,
        page_size: int = 50,
        visible_to: str | None = None,
    ) -> TicketPage:
        """`visible_to` (an agent id) keeps the tickets that agent may work: see `visible`."""
        if not 1 <= page <= MAX_PAGE:
            raise InvalidTicketInput("page", f"must be between 1 and {MAX_PAGE}")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidTicketInput("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
        f = TicketFilter(
            statuses=tuple(choice("status", s, STATUSES) for s in status),
            priorities=tuple(choice("priority", p, PRIORITIES) for p in priority),
            assignee=assignee,
            customer_id=customer_id,
            visible_to=visible_to,
        )
        tickets, total = await self._store.tickets.list(f, limit=page_size, offset=(page - 1) * page_size)
        now = self._clock()
        views = tuple(TicketView(t, self.sla(t, now)) for t in tickets)
        return TicketPage(views, page, page_size, total)

    async def visible(self, ticket_id: str, agent_id: str) -> bool:
        """Whether the agent may see and work the ticket: it is assigned to them, or its conversation
        is one they handle or one waiting in the queue for an agent."""
        return await self._store.tickets.visible_to(ticket_id, agent_id)

    async def update(self, ticket_id: str, changes: TicketChanges, *, actor: str) -> TicketView:
        """Apply a change in one transaction (row + audit events). Raises UnknownRecord (ticket or
        agent), IllegalTransition (with the allowed next statuses) or InvalidTicketInput."""
        changes = changes.validated()
        if changes.is_empty():
            raise InvalidTicketInput("changes", "nothing to change")
        actor = _actor(actor)
        now = self._clock()
        config = self._settings.tickets

        def change(t: Ticket) -> tuple[Ticket, list[TicketEvent]]:
            steps = plan_steps(self._lifecycle, t.status, changes.status)
            return apply(t, changes, steps=steps, actor=actor, now=now, config=config)

        return await self._mutate(ticket_id, change, now)

    async def assign(self, ticket_id: str, agent_id: str, *, actor: str, comment: str | None = None) -> TicketView:
        return await self.update(ticket_id, TicketChanges(assignee=agent_id, comment=comment), actor=actor)

    async def close(
        self, ticket_id: str, *, actor: str, comment: str | None = None, resolution: str | None = None
    ) -> TicketView:
        """Close a resolved ticket. An open, in-progress or waiting ticket is first walked through the
        lifecycle to resolved (open goes via in_progress), each step an audit event, all in one
        transaction. `resolution` (what was done) is stored on the ticket and as a `resolution` audit
        event. Closing a closed ticket changes nothing; a cancelled one cannot be closed."""
        note = TicketChanges(comment=comment).validated().comment
        solved = text("resolution", resolution, max_len=MAX_COMMENT) if resolution is not None else None
        actor = _actor(actor)
        now = self._clock()
        config = self._settings.tickets

        def change(t: Ticket) -> tuple[Ticket, list[TicketEvent]]:
            if t.status == "closed":
                if solved is not None and solved != t.resolution:
                    raise InvalidTicketInput("resolution", f"ticket {t.id} is already closed; add a comment instead")
                return t, []
            steps = self._lifecycle.path(t.status, "closed")
            after, events = apply(t, TicketChanges(comment=note), steps=steps, actor=actor, now=now, config=config)
            if solved is not None:
                after = replace(after, resolution=solved)
                events.append(TicketEvent(t.id, actor, "resolution", None, None, solved, iso(now)))
            return after, events

        return await self._mutate(ticket_id, change, now)

    async def resolve(self, ticket_id: str, *, actor: str, comment: str | None = None) -> TicketView:
        """Walk an open, in-progress or waiting ticket to resolved (each step an audit event, one
        transaction); a resolved, closed or cancelled one is left as it is."""
        note = TicketChanges(comment=comment).validated().comment
        actor = _actor(actor)
        now = self._clock()
        config = self._settings.tickets

        def change(t: Ticket) -> tuple[Ticket, list[TicketEvent]]:
            if t.status in ("resolved", "closed", "cancelled"):
                return t, []
            steps = self._lifecycle.path(t.status, "resolved")
            return apply(t, TicketChanges(comment=note), steps=steps, actor=actor, now=now, config=config)

        return await self._mutate(ticket_id, change, now)

    async def reopen(self, ticket_id: str, *, actor: str, comment: str | None = None) -> TicketView:
        """resolved → in_progress (the resolution clock restarts where it stood)."""
        changes = TicketChanges(status="in_progress", comment=comment).validated()
        actor = _actor(actor)
        now = self._clock()
        config = self._settings.tickets

        def change(t: Ticket) -> tuple[Ticket, list[TicketEvent]]:
            # Checked on the row read inside the transaction: "reopen" must not resume a waiting ticket.
            if t.status != "resolved":
                raise IllegalTransition(t.status, "in_progress", self._lifecycle.allowed(t.status))
            return apply(t, changes, steps=["in_progress"], actor=actor, now=now, config=config)

        return await self._mutate(ticket_id, change, now)

    async def mark_first_response(
        self, ticket_id: str, at: datetime | None = None, *, actor: str = "agent"
    ) -> TicketView:
        """An agent replied for the first time: stop the response clock (later calls change nothing)."""
        actor = _actor(actor)
        now = self._clock()
        when = at or now
        return await self._mutate(ticket_id, lambda t: first_response(t, when, actor, now), now)

    async def _mutate(
        self, ticket_id: str, change: Callable[[Ticket], tuple[Ticket, list[TicketEvent]]], now: datetime
    ) -> TicketView:
        _before, after, events = await self._store.tickets.mutate(ticket_id, change)
        if events:
            log.info("ticket_changed", ticket_id=ticket_id, status=after.status,
                     changes=",".join(e.kind for e in events))
        breaches = [Breach.of(after, e.to_value or "", e.created_at) for e in events if e.kind == "sla_breach"]
        await announce(self._notifier, breaches)
        if any(e.kind == "status" and e.to_value == "resolved" for e in events):
            for callback in self._on_resolved:
                try:
                    await callback(after)
                except Exception:
                    log.exception("ticket_resolved_callback_failed", ticket_id=ticket_id)
        return TicketView(after, self.sla(after, now), tuple(await self._store.tickets.events(ticket_id)))

