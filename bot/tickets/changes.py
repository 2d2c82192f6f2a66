"""What one ticket change does, as pure functions: validate the input, apply it to a ticket record,
and produce the audit events. The service runs these inside the store's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from bot.config import TicketsConfig
from bot.tickets import sla_clock
from bot.tickets.lifecycle import PRIORITIES, STATUSES, IllegalTransition, TicketLifecycle
from bot.tickets.model import Ticket, TicketEvent
from bot.tickets.sla_clock import SlaTargets, iso

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_COMMENT = 2_000
MAX_TAGS = 20
MAX_TAG = 64
MAX_ID = 128
SLA_ACTOR = "sla"
# A closed or cancelled ticket is a finished record: it takes comments, not edits (an edit would
# also recompute SLA due times that reports already counted).
TERMINAL_STATUSES = ("closed", "cancelled")
FIELDS = ("priority", "assignee", "title", "description", "type", "tags")
_LIFECYCLE = TicketLifecycle()  # only to list the allowed next statuses in a refusal


class InvalidTicketInput(ValueError):
    """A bad field value; `field` names it (API 400, CLI exit 2)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class TicketLocked(IllegalTransition):
    """A field edit on a ticket that is, or this change makes, closed or cancelled (API 409 with
    the same body as an illegal status change, plus the refused `fields`)."""

    def __init__(self, current: str, target: str, fields: Sequence[str], allowed: list[str]) -> None:
        where = f"a {current} ticket" if current == target else f"a ticket moving to {target}"
        ValueError.__init__(
            self,
            f"cannot change {', '.join(fields)} of {where}: closed and cancelled tickets take only comments",
        )
        self.current, self.target, self.allowed = current, target, allowed
        self.fields = tuple(fields)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


def text(field: str, value: str, *, max_len: int, min_len: int = 1) -> str:
    value = value.strip()
    if len(value) < min_len:
        raise InvalidTicketInput(field, "must not be empty")
    if len(value) > max_len:
        raise InvalidTicketInput(field, f"at most {max_len} characters")
    return value


def choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidTicketInput(field, f"must be one of {', '.join(allowed)} (got {value!r})")
    return value


def clean_tags(values: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for raw in values:
        if not isinstance(raw, str):
            raise InvalidTicketInput("tags", "must be a list of strings")
        tag = text("tags", raw, max_len=MAX_TAG)
        seen.setdefault(tag, None)
    if len(seen) > MAX_TAGS:
        raise InvalidTicketInput("tags", f"at most {MAX_TAGS} tags")
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class TicketChanges:
    """A requested change; None (UNSET for assignee, where None means unassign) leaves a field."""

    status: str | None = None
    priority: str | None = None
    assignee: str | _Unset | None = UNSET
    title: str | None = None
    description: str | None = None
    type: str | None = None
    tags: tuple[str, ...] | None = None
    comment: str | None = None

    def validated(self) -> TicketChanges:
        assignee = self.assignee
        if isinstance(assignee, str):
            assignee = text("assignee", assignee, max_len=MAX_ID)
        return TicketChanges(
            status=choice("status", self.status, STATUSES) if self.status is not None else None,
            priority=choice("priority", self.priority, PRIORITIES) if self.priority is not None else None,
            assignee=assignee,
            title=text("title", self.title, max_len=MAX_TITLE) if self.title is not None else None,
            description=(
                text("description", self.description, max_len=MAX_DESCRIPTION, min_len=0)
                if self.description is not None else None
            ),
            type=text("type", self.type, max_len=MAX_TAG) if self.type is not None else None,
            tags=clean_tags(self.tags) if self.tags is not None else None,
            comment=text("comment", self.comment, max_len=MAX_COMMENT) if self.comment is not None else None,
        )

    def is_empty(self) -> bool:
        return self == TicketChanges()

    def fields(self) -> tuple[str, ...]:
        """The record fields this change sets (status and comment are not fields)."""
        return tuple(
            name for name in FIELDS
            if not isinstance(value := getattr(self, name), _Unset) and (value is not None or name == "assignee")
        )


def new_ticket(
    customer_id: str,
    title: str,
    *,
    description: str,
    type: str,
    priority: str,
    tags: Sequence[str],
    conversation_id: str | None,
    assignee: str | None,
    channel: str | None,
    at: str,
) -> Ticket:
    """A validated draft (no id and no due times yet)."""
    return Ticket(
        id="",
        customer_id=text("customer_id", customer_id, max_len=MAX_ID),
        title=text("title", title, max_len=MAX_TITLE),
        description=text("description", description, max_len=MAX_DESCRIPTION, min_len=0),
        type=text("type", type, max_len=MAX_TAG),
        priority=choice("priority", priority, PRIORITIES),
        tags=clean_tags(tags),
        conversation_id=text("conversation_id", conversation_id, max_len=MAX_ID) if conversation_id else None,
        assignee=text("assignee", assignee, max_len=MAX_ID) if assignee else None,
        channel=channel,
        created_at=at,
        updated_at=at,
    )


def flag_overdue(ticket: Ticket, now: datetime) -> tuple[Ticket, list[TicketEvent]]:
    """A clock already past due is a breach even if this change stops it (the monitor may not have
    run since): flag it now, with its audit event; the service announces it after commit."""
    late = sla_clock.overdue(ticket, now)
    events = [TicketEvent(ticket.id, SLA_ACTOR, "sla_breach", None, c, None, iso(now)) for c in late]
    return sla_clock.flag(ticket, late), events


def apply(
    ticket: Ticket,
    changes: TicketChanges,
    *,
    steps: list[str],
    actor: str,
    now: datetime,
    config: TicketsConfig,
) -> tuple[Ticket, list[TicketEvent]]:
    """Apply validated `changes`, walking the status through `steps` (already checked legal).
    Raises TicketLocked for a field edit on a ticket that is, or this change leaves, closed or
    cancelled."""
    final = steps[-1] if steps else ticket.status
    if {ticket.status, final} & set(TERMINAL_STATUSES) and (fields := changes.fields()):
        raise TicketLocked(ticket.status, final, fields, _LIFECYCLE.allowed(ticket.status))
    at = iso(now)
    t, breaches = flag_overdue(ticket, now)
    events: list[TicketEvent] = []

    def event(kind: str, old: Any, new: Any) -> None:
        events.append(TicketEvent(t.id, actor, kind, old, new, None, at))

    for step in steps:
        before = t.status
        t = sla_clock.move(t, step, now)
        event("status", before, step)
    if changes.priority is not None and changes.priority != t.priority:
        old = t.priority
        t = sla_clock.due_times(replace(t, priority=changes.priority),
                                SlaTargets.for_priority(config, changes.priority))
        event("priority", old, changes.priority)
    if not isinstance(changes.assignee, _Unset) and changes.assignee != t.assignee:
        event("assigned", t.assignee, changes.assignee)
        t = replace(t, assignee=changes.assignee)
    edited = [
        name for name in ("title", "description", "type", "tags")
        if getattr(changes, name) is not None and getattr(changes, name) != getattr(t, name)
    ]
    if edited:
        t = replace(t, **{name: getattr(changes, name) for name in edited})
        event("edited", None, ",".join(edited))
    if changes.comment is not None:
        if events:  # the comment explains the first change of this request
            events[0] = replace(events[0], comment=changes.comment)
        else:
            event("comment", None, None)
            events[0] = replace(events[0], comment=changes.comment)
    if events or breaches:
        t = replace(t, updated_at=at)
    return t, breaches + events


def first_response(
    ticket: Ticket, at: datetime, actor: str, now: datetime
) -> tuple[Ticket, list[TicketEvent]]:
    """Stop the response clock (once, at `at`); a reply after the due time is a breach."""
    if ticket.first_response_at is not None:
        return ticket, []
    t, breaches = flag_overdue(ticket, at)
    t = replace(t, first_response_at=iso(at), updated_at=iso(now))
    return t, [*breaches, TicketEvent(t.id, actor, "first_response", None, None, None, iso(at))]


def plan_steps(lifecycle: TicketLifecycle, current: str, target: str | None) -> list[str]:
    """One legal step to `target` (none when it is already there); raises IllegalTransition."""
    if target is None or target == current:
        return []
    lifecycle.check(current, target)
    return [target]
