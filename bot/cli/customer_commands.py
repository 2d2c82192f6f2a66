"""export_customer, delete_customer, purge_expired, set_consent and privacy_audit: customer data
rights from the command line.

set_consent records a customer's opt-in or opt-out of proactive messages on one channel, with
its source (audited; exported; erased with the customer).

privacy_audit lists who did what with a customer's data (exports, the erasure, agents revealing
a masked phone or e-mail, consent changes), newest first; an erased customer's trail stays.

purge_expired runs the retention purge once (`privacy.retention_days`, or --days) in the
database itself, with a progress bar on stderr for a long run; --dry-run only counts.

delete_customer asks the running service of this data directory when there is one (it holds the
customer's conversation locks and caches, which a second process could not clear), else erases in
the database itself. An unknown customer is one line and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import urllib.parse
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from bot.cli.common import CliError, print_json, progress_bar, stdout
from bot.cli.remote import ServiceUnavailable, error_message, running_service
from bot.config import Settings
from bot.core.patterns import ID_RULE
from bot.core.private import FILE_MODE, restrict
from bot.customers.consent import CHANNEL_RULE, MAX_SOURCE, Consents, check
from bot.customers.model import CONSENT_STATUSES
from bot.customers.privacy import CustomerData
from bot.customers.retention import RetentionPurge
from bot.customers.service import valid_customer_id
from bot.store.factory import open_store

ACTOR = "cli"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export_customer", help="everything held about a customer, as one JSON document")
    p.add_argument("--customer_id", "--customer-id", dest="customer_id", required=True)
    p.add_argument("--out", type=Path, help="write the document here (mode 0600) instead of stdout")
    p.set_defaults(handler=export_customer)

    p = sub.add_parser("delete_customer", help="erase a customer's profile and the text of their messages "
                       "and tickets (counts for reports stay)")
    p.add_argument("--customer_id", "--customer-id", dest="customer_id", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=delete_customer)

    p = sub.add_parser("set_consent", help="record a customer's opt-in or opt-out of proactive messages on a channel")
    p.add_argument("--customer_id", "--customer-id", dest="customer_id", required=True)
    p.add_argument("--channel", required=True, help=f"the channel: {CHANNEL_RULE}")
    p.add_argument("--status", required=True, choices=CONSENT_STATUSES)
    p.add_argument("--source", help=f"where it came from, e.g. signup_form (1-{MAX_SOURCE} characters; default cli)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=set_consent)

    p = sub.add_parser("privacy_audit", help="who exported, erased, revealed or changed consent of a customer, when")
    p.add_argument("--customer_id", "--customer-id", dest="customer_id", required=True)
    p.add_argument("--limit", type=int, default=100, help="events, newest first (default 100, at most 1000)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=privacy_audit)

    p = sub.add_parser("purge_expired", help="blank the text of closed conversations older than "
                       "privacy.retention_days (counts for reports stay)")
    p.add_argument("--days", type=int, help="override privacy.retention_days for this run (>= 1)")
    p.add_argument("--dry-run", "--dry_run", dest="dry_run", action="store_true", help="only count what is due")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=purge_expired)


def _customer_id(args: argparse.Namespace) -> str:
    if not valid_customer_id(args.customer_id):
        raise CliError(f"--customer_id: must be {ID_RULE}")
    return str(args.customer_id)


def _not_found(customer_id: str) -> CliError:
    return CliError(f"--customer_id: customer {customer_id} not found")


def write_private(path: Path, text: str) -> None:
    """Create or replace `path` with mode 0600 (never readable by others, even for a moment)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    except OSError as exc:
        raise CliError(f"--out: cannot write {path}: {exc.strerror}") from None
    restrict(path)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


async def export_customer(settings: Settings, args: argparse.Namespace) -> int:
    customer_id = _customer_id(args)
    if args.out is not None and args.out.is_dir():
        raise CliError(f"--out: {args.out} is a directory")
    store = await open_store(settings)
    try:
        doc = await CustomerData(store).export(customer_id, ACTOR)
    finally:
        await store.close()
    if doc is None:
        raise _not_found(customer_id)
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        print(text, end="")
    else:
        write_private(args.out, text)
        stdout().print(f"exported customer {customer_id} to {args.out}: {len(doc['conversations'])} conversations, "
                       f"{len(doc['tickets'])} tickets, {len(doc['ratings'])} ratings", markup=False)
    return 0


async def delete_customer(settings: Settings, args: argparse.Namespace) -> int:
    customer_id = _customer_id(args)
    result = await _remote_delete(settings, customer_id)
    if result is None:
        store = await open_store(settings)
        try:
            result = (await CustomerData(store).erase(customer_id, ACTOR)).as_dict()
        finally:
            await store.close()
        if result["status"] == "unknown":
            raise _not_found(customer_id)
    if args.json:
        print_json(result)
    elif result["status"] == "erased":
        counts = result["counts"]
        stdout().print(f"erased customer {customer_id}: {counts['conversations']} conversations, "
                       f"{counts['messages']} messages, {counts['tickets']} tickets, "
                       f"{counts['ratings']} ratings", markup=False)
    else:
        stdout().print(f"customer {customer_id} was already erased; nothing to do", markup=False)
    return 0


async def _remote_delete(settings: Settings, customer_id: str) -> dict[str, Any] | None:
    service = running_service(settings)
    if service is None:
        return None
    try:
        path = f"/api/customers/{urllib.parse.quote(customer_id, safe='')}"
        status, body = await asyncio.to_thread(service.call, "DELETE", path)
    except ServiceUnavailable:
        return None
    if status == 404:
        raise _not_found(customer_id)
    if status >= 400:
        raise CliError(error_message(status, body))
    return body


async def purge_expired(settings: Settings, args: argparse.Namespace) -> int:
    days = args.days if args.days is not None else settings.privacy.retention_days
    if args.days is not None and args.days < 1:
        raise CliError("--days: must be at least 1")
    if days is None:
        raise CliError("privacy.retention_days: not set (retention is off); set it or pass --days")
    store = await open_store(settings)
    try:
        purge = RetentionPurge(store, days)
        if args.json or args.dry_run:
            report = await purge.purge(dry_run=args.dry_run)
        else:
            with progress_bar("purging conversations") as progress:
                report = await purge.purge(progress=progress)
    finally:
        await store.close()
    if args.json:
        print_json({"retention_days": days, **report.as_dict()})
        return 0
    due, purged = report.due, report.purged
    if args.dry_run:
        stdout().print(f"due (closed before {report.cutoff}): {due.get('conversations', 0)} conversations, "
                       f"{due.get('messages', 0)} messages; nothing written (--dry-run)", markup=False)
    else:
        stdout().print(f"purged {purged.get('conversations', 0)} conversations closed before {report.cutoff}: "
                       f"{purged.get('messages', 0)} messages, {purged.get('tickets', 0)} tickets, "
                       f"{purged.get('ratings', 0)} ratings ({report.batches} batches)", markup=False)
    return 0


async def privacy_audit(settings: Settings, args: argparse.Namespace) -> int:
    customer_id = _customer_id(args)
    if not 1 <= args.limit <= 1000:
        raise CliError("--limit: must be between 1 and 1000")
    store = await open_store(settings)
    try:
        trail = await CustomerData(store).audit(customer_id, limit=args.limit)
    finally:
        await store.close()
    if trail is None:
        raise _not_found(customer_id)
    if args.json:
        print_json(trail)
        return 0
    table = Table(title=f"privacy audit of customer {customer_id} ({trail['total']} events)", title_justify="left")
    for col in ("when", "kind", "actor", "detail"):
        table.add_column(col)
    for e in trail["events"]:
        detail = ", ".join(f"{k}={v}" for k, v in e["detail"].items())
        table.add_row(e["created_at"][:19].replace("T", " "), e["kind"], e["actor"], escape(detail))
    stdout().print(table)
    return 0


async def set_consent(settings: Settings, args: argparse.Namespace) -> int:
    customer_id = _customer_id(args)
    source = ACTOR if args.source is None else args.source.strip()
    problem = check(args.channel, args.status, source)
    if problem:
        raise CliError(f"--{problem}")
    store = await open_store(settings)
    try:
        consents = Consents(store)
        record = await consents.set(customer_id, args.channel, args.status, source, ACTOR)
        current = await consents.state(customer_id) if record is not None else {}
    finally:
        await store.close()
    if record is None:
        raise _not_found(customer_id)
    if args.json:
        print_json({"customer_id": customer_id, "recorded": record.as_dict(), "consent": current})
    else:
        stdout().print(f"customer {customer_id}: {record.status} on {record.channel} (source {record.source}, "
                       f"at {record.created_at})", markup=False)
    return 0
