"""list_outbox and retry_outbox: messages on their way to customers, and the dead letters.

Both read and write the store directly (no service needed): a retried row is pending again,
and the running service's delivery round sends it within a second.
"""

from __future__ import annotations

import argparse

from rich.markup import escape
from rich.table import Table

from bot.channels.outbox import STATUSES
from bot.cli.common import CliError, print_json, stdout
from bot.config import Settings
from bot.store.factory import open_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("list_outbox", help="messages to customers and their delivery (--failed: dead letters)")
    p.add_argument("--failed", action="store_true", help="only dead letters (same as --status failed)")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--conversation_id", "--conversation-id", dest="conversation_id")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=list_outbox)

    p = sub.add_parser("retry_outbox", help="send a dead letter (or a held message) again")
    p.add_argument("--id", required=True, type=int, dest="outbox_id")
    p.set_defaults(handler=retry_outbox)


async def list_outbox(settings: Settings, args: argparse.Namespace) -> int:
    if args.failed and args.status not in (None, "failed"):
        raise CliError("--failed: conflicts with --status " + args.status)
    if not 1 <= args.limit <= 500:
        raise CliError("--limit: must be between 1 and 500")
    status = "failed" if args.failed else args.status
    store = await open_store(settings)
    try:
        items, total = await store.outbox.list(status=status, conversation_id=args.conversation_id, limit=args.limit)
        counts = await store.outbox.counts()
    finally:
        await store.close()
    if args.json:
        print_json({"items": [i.as_dict() for i in items], "total": total, "counts": counts})
        return 0
    summary = ", ".join(f"{k} {counts.get(k, 0)}" for k in STATUSES)
    if not items:
        stdout().print(f"no {status or ''} outbox rows ({summary})".replace("  ", " "), markup=False)
        return 0
    table = Table(title=f"outbox: {len(items)} of {total} ({summary})")
    for col in ("id", "status", "channel", "conversation", "sender", "attempts", "last error", "text"):
        table.add_column(col, overflow="fold")
    for i in items:
        table.add_row(str(i.id), i.status, escape(i.channel), i.conversation_id[:12], i.message.sender,
                      str(i.attempts), escape(i.last_error or "-"), escape(i.message.text[:50]))
    stdout().print(table)
    return 0


async def retry_outbox(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings)
    try:
        item = await store.outbox.get(args.outbox_id)
        if item is None:
            raise CliError(f"--id: no outbox row {args.outbox_id}")
        if not await store.outbox.retry(args.outbox_id):
            raise CliError(f"--id: outbox row {args.outbox_id} is {item.status}; only failed or held rows are retried")
    finally:
        await store.close()
    stdout().print(f"outbox row {args.outbox_id} queued again; the running service sends it within a second",
                   markup=False)
    return 0
