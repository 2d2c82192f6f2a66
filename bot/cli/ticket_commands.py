"""create_ticket, assign_ticket, update_ticket, close_ticket, list_tickets, show_ticket.

Flags use underscores (the documented form) and accept dashed aliases. Unknown ids and illegal
status changes print one line and exit 2; nothing is written.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from rich.markup import escape
from rich.table import Table

from bot.cli.common import CliError, print_json, split_list, stdout
from bot.config import Settings
from bot.notify.notifier import LogNotifier
from bot.store.factory import open_store
from bot.tickets.lifecycle import PRIORITIES, STATUSES
from bot.tickets.service import (
    IllegalTransition,
    InvalidTicketInput,
    TicketChanges,
    TicketLocked,
    TicketService,
    TicketView,
    UnknownRecord,
)

T = TypeVar("T")
DEFAULT_ACTOR = "cli"
_FIELD_FLAGS = {"assignee": "--agent_id"}  # assign_ticket takes the assignee as --agent_id


def _flag(p: argparse.ArgumentParser, name: str, **kw: object) -> None:
    p.add_argument(f"--{name}", *([f"--{name.replace('_', '-')}"] if "_" in name else []), dest=name, **kw)  # type: ignore[arg-type]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("create_ticket", help="open a ticket (prints its id and SLA due times)")
    _flag(p, "customer_id", required=True)
    _flag(p, "title", required=True)
    _flag(p, "description", default="")
    _flag(p, "type", default="general")
    _flag(p, "priority", default="normal", choices=PRIORITIES)
    _flag(p, "tags", default="", help="comma-separated")
    _flag(p, "conversation_id")
    _flag(p, "actor", default=DEFAULT_ACTOR)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=create_ticket)

    p = sub.add_parser("assign_ticket", help="assign a ticket to an agent")
    _flag(p, "ticket_id", required=True)
    _flag(p, "agent_id", required=True)
    _flag(p, "comment")
    _flag(p, "actor", default=DEFAULT_ACTOR)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=assign_ticket)

    p = sub.add_parser("update_ticket", help="change status (lifecycle-checked), priority or fields")
    _flag(p, "ticket_id", required=True)
    _flag(p, "status", choices=STATUSES)
    _flag(p, "priority", choices=PRIORITIES)
    for name in ("title", "description", "type", "comment"):
        _flag(p, name)
    _flag(p, "tags", help="comma-separated; replaces the ticket's tags")
    _flag(p, "actor", default=DEFAULT_ACTOR)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=update_ticket)

    p = sub.add_parser("close_ticket", help="close a ticket (an unresolved one is resolved first)")
    _flag(p, "ticket_id", required=True)
    _flag(p, "resolution", help="what was done (kept on the ticket and in its history)")
    _flag(p, "comment")
    _flag(p, "actor", default=DEFAULT_ACTOR)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=close_ticket)

    p = sub.add_parser("list_tickets", help="list tickets, newest first")
    _flag(p, "status", help=f"comma-separated: {', '.join(STATUSES)}")
    _flag(p, "priority", help=f"comma-separated: {', '.join(PRIORITIES)}")
    _flag(p, "assignee")
    _flag(p, "customer_id")
    _flag(p, "page", type=int, default=1)
    _flag(p, "page_size", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=list_tickets)

    p = sub.add_parser("show_ticket", help="a ticket with its audit trail and SLA status")
    _flag(p, "ticket_id", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=show_ticket)


@asynccontextmanager
async def _tickets(settings: Settings) -> AsyncIterator[TicketService]:
    # Only the store: tickets need neither the knowledge base nor the dialogue.
    store = await open_store(settings)
    try:
        yield TicketService(settings, store, LogNotifier())
    finally:
        await store.close()


async def _run(
    settings: Settings, call: Callable[[TicketService], Awaitable[T]], *, status_flag: str = "--status"
) -> T:
    """Run one service call; its refusals become one-line errors (exit 2)."""
    async with _tickets(settings) as service:
        try:
            return await call(service)
        except UnknownRecord as exc:
            flag = {"ticket": "--ticket_id", "agent": "--agent_id", "conversation": "--conversation_id"}[exc.kind]
            raise CliError(f"{flag}: {exc.kind} {exc.ident} not found") from None
        except TicketLocked as exc:  # name the refused edit's flag, not --status
            flag = _FIELD_FLAGS.get(exc.fields[0], f"--{exc.fields[0]}")
            raise CliError(f"{flag}: {exc}") from None
        except IllegalTransition as exc:
            raise CliError(f"{status_flag}: {exc}") from None
        except InvalidTicketInput as exc:
            raise CliError(f"--{exc.field}: {exc.message}") from None


def _due_line(view: TicketView) -> str:
    sla = view.sla
    return f"response due {sla.response_due}, resolution due {sla.resolution_due}"


def _report(view: TicketView, verb: str, as_json: bool) -> int:
    if as_json:
        print_json(view.as_dict())
        return 0
    t = view.ticket
    stdout().print(f"{verb} {t.id} ({t.status}, {t.priority}, assignee {t.assignee or '-'}): {_due_line(view)}",
                   markup=False)
    return 0


async def create_ticket(settings: Settings, args: argparse.Namespace) -> int:
    view = await _run(settings, lambda s: s.create(
        args.customer_id, args.title, description=args.description, type=args.type, priority=args.priority,
        tags=split_list(args.tags), conversation_id=args.conversation_id, actor=args.actor,
    ))
    return _report(view, "created", args.json)


async def assign_ticket(settings: Settings, args: argparse.Namespace) -> int:
    view = await _run(settings, lambda s: s.assign(args.ticket_id, args.agent_id, actor=args.actor,
                                                   comment=args.comment))
    return _report(view, "assigned", args.json)


async def update_ticket(settings: Settings, args: argparse.Namespace) -> int:
    changes = TicketChanges(
        status=args.status, priority=args.priority, title=args.title, description=args.description,
        type=args.type, tags=split_list(args.tags) if args.tags is not None else None, comment=args.comment,
    )
    if changes.is_empty():
        raise CliError("update_ticket: give at least one of --status, --priority, --title, --description, "
                       "--type, --tags, --comment")
    view = await _run(settings, lambda s: s.update(args.ticket_id, changes, actor=args.actor))
    return _report(view, "updated", args.json)


async def close_ticket(settings: Settings, args: argparse.Namespace) -> int:
    view = await _run(settings, lambda s: s.close(args.ticket_id, actor=args.actor, comment=args.comment,
                                                          resolution=args.resolution),
                      status_flag="--ticket_id")
    return _report(view, "closed", args.json)


async def list_tickets(settings: Settings, args: argparse.Namespace) -> int:
    page = await _run(settings, lambda s: s.list(
        status=split_list(args.status), priority=split_list(args.priority), assignee=args.assignee,
        customer_id=args.customer_id, page=args.page, page_size=args.page_size,
    ))
    if args.json:
        print_json(page.as_dict())
        return 0
    pages = max(1, -(-page.total // page.page_size))
    table = Table(title=f"tickets: page {page.page} of {pages} ({page.total} total)")
    for col in ("id", "status", "priority", "assignee", "customer", "title", "resolution due", "breached"):
        table.add_column(col, overflow="fold")
    for v in page.tickets:
        t = v.ticket
        breached = ",".join(c for c, b in (("response", t.response_breached), ("resolution", t.resolution_breached))
                            if b)
        table.add_row(t.id, t.status, t.priority, escape(t.assignee or "-"), escape(t.customer_id or "-"),
                      escape(t.title[:60]),
                      _short(v.sla.resolution_due), breached or "-")
    stdout().print(table if page.tickets else "no tickets")
    return 0


async def show_ticket(settings: Settings, args: argparse.Namespace) -> int:
    view = await _run(settings, lambda s: s.get(args.ticket_id))
    if args.json:
        print_json(view.as_dict())
        return 0
    t, sla, out = view.ticket, view.sla, stdout()
    out.print(f"[bold]{t.id}[/bold] {escape(t.title)}")
    out.print(f"status {t.status} · priority {t.priority} · type {t.type} · assignee {t.assignee or '-'} · "
              f"customer {t.customer_id or '-'} · tags {', '.join(t.tags) or '-'}", markup=False)
    if t.description:
        out.print(t.description, markup=False)
    if t.resolution:
        out.print(f"resolution: {t.resolution}", markup=False)
    clock = "paused (waiting for the customer)" if sla.paused else "running" if t.status in ("open", "in_progress") \
        else "stopped"
    out.print(f"SLA {clock}: response due {sla.response_due} ({_state(sla.response_breached, t.first_response_at)}), "
              f"resolution due {sla.resolution_due} ({_state(sla.resolution_breached, t.resolved_at)})", markup=False)
    table = Table(title="audit trail")
    for col in ("time", "actor", "change", "from", "to", "comment"):
        table.add_column(col, overflow="fold")
    for e in view.events or ():
        table.add_row(_short(e.created_at), escape(e.actor), e.kind, escape(e.from_value or ""),
                      escape(e.to_value or ""), escape(e.comment or ""))
    out.print(table)
    return 0


def _short(ts: str | None) -> str:
    return ts[:16].replace("T", " ") + " UTC" if ts else "-"


def _state(breached: bool, met_at: str | None) -> str:
    if breached:
        return "BREACHED"
    return f"met {met_at[:19]}" if met_at else "ok"
