"""add_agent, list_agents, update_customer."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from pydantic import ValidationError
from rich.table import Table

from bot.agents.directory import AgentDirectory, AgentInputError
from bot.agents.model import DuplicateAgent
from bot.cli.common import CliError, print_json, split_list, stderr, stdout
from bot.config import Settings
from bot.core.patterns import ID_RULE
from bot.customers.service import DERIVED, CustomerService, CustomerUpdate, valid_customer_id
from bot.store.factory import open_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("add_agent", help="add a human agent and print their API token (shown once)")
    p.add_argument("--agent_id", "--agent-id", dest="agent_id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--skills", default="", help="comma-separated, e.g. refund,billing")
    p.add_argument("--languages", default="", help="comma-separated language codes, e.g. zh,en")
    p.add_argument("--max_concurrent_chats", "--max-concurrent-chats", dest="max_concurrent_chats", type=int,
                   help="default: agents.max_concurrent_chats")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=add_agent)

    p = sub.add_parser("rotate_agent_token", help="issue a new API token for an agent (the old one stops working)")
    p.add_argument("--agent_id", "--agent-id", dest="agent_id", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=rotate_agent_token)

    p = sub.add_parser("list_agents", help="list agents with presence and current chats")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=list_agents)

    p = sub.add_parser("update_customer", help="create or update a customer profile")
    p.add_argument("--customer_id", "--customer-id", dest="customer_id",
                   help="required unless --file gives customer_id")
    p.add_argument("--file", help="a profile as JSON (the seed's format; - reads stdin); flags override it")
    p.add_argument("--name")
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--tags", help="comma-separated; replaces the current tags")
    p.add_argument("--total_orders", "--total-orders", dest="total_orders")
    p.add_argument("--total_spent", "--total-spent", dest="total_spent")
    p.add_argument("--last_purchase", "--last-purchase", dest="last_purchase", help="YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=update_customer)


async def add_agent(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings)
    try:
        directory = AgentDirectory(settings, store)
        try:
            agent, token = await directory.add(
                args.agent_id, args.name, skills=split_list(args.skills), languages=split_list(args.languages),
                max_concurrent_chats=args.max_concurrent_chats,
            )
        except AgentInputError as exc:
            raise CliError(f"--{exc}") from None
        except DuplicateAgent:
            raise CliError(f"--agent_id: agent {args.agent_id.strip()} already exists") from None
    finally:
        await store.close()
    if args.json:
        print_json({"agent": agent.as_dict(), "token": token})
        return 0
    out = stdout()
    out.print(f"added agent {agent.id} ({agent.name}); skills: {', '.join(agent.skills) or '-'}; "
              f"languages: {', '.join(agent.languages) or '-'}; max chats: {agent.max_concurrent_chats}")
    out.print(f"API token (shown only now; store it safely): {token}")
    stderr().print("The agent signs in with: Authorization: Bearer <token>  (console: /console)")
    return 0


async def rotate_agent_token(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings)
    try:
        try:
            token = await AgentDirectory(settings, store).rotate_token(args.agent_id.strip())
        except AgentInputError as exc:
            raise CliError(f"--{exc}") from None
    finally:
        await store.close()
    if args.json:
        print_json({"agent_id": args.agent_id.strip(), "token": token})
    else:
        stdout().print(f"new API token for {args.agent_id.strip()} (shown only now; the old one no longer works): "
                       f"{token}")
    return 0


async def list_agents(settings: Settings, args: argparse.Namespace) -> int:
    store = await open_store(settings)
    try:
        agents = await store.agents.list()
        counts = await store.handoffs.active_counts()
    finally:
        await store.close()
    rows = [{**a.as_dict(), "active_chats": counts.get(a.id, 0)} for a in agents]
    if args.json:
        print_json({"agents": rows})
        return 0
    if not rows:
        stdout().print("no agents yet (add one with add_agent)")
        return 0
    table = Table(title=f"{len(rows)} agents")
    for col in ("id", "name", "status", "chats", "skills", "languages", "last seen"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["id"], r["name"], r["status"], f"{r['active_chats']}/{r['max_concurrent_chats']}",
                      ", ".join(r["skills"]) or "-", ", ".join(r["languages"]) or "-", r["last_seen_at"] or "-")
    stdout().print(table)
    return 0


def _number(flag: str, raw: str | None, *, integer: bool) -> int | float | None:
    if raw is None:
        return None
    try:
        value: int | float = int(raw) if integer else float(raw)
    except ValueError:
        raise CliError(f"--{flag}: must be a {'whole number' if integer else 'number'}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise CliError(f"--{flag}: must be a finite number")
    if value < 0:
        raise CliError(f"--{flag}: must be 0 or more")
    return value


def _profile_file(path: str) -> dict[str, object]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"--file: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"--file: malformed JSON at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise CliError("--file: must hold one JSON object (a customer profile)")
    return data


async def update_customer(settings: Settings, args: argparse.Namespace) -> int:
    raw: dict[str, object] = _profile_file(args.file) if args.file else {}
    from_file = set(raw)
    customer_id = args.customer_id or raw.get("customer_id")
    if not isinstance(customer_id, str) or not valid_customer_id(customer_id):
        raise CliError(f"--customer_id: must be {ID_RULE}" if customer_id is not None
                       else "--customer_id: required (or give customer_id in --file)")
    flags: dict[str, object] = {
        "name": args.name, "email": args.email, "phone": args.phone, "last_purchase": args.last_purchase,
        "total_orders": _number("total_orders", args.total_orders, integer=True),
        "total_spent": _number("total_spent", args.total_spent, integer=False),
    }
    if args.tags is not None:
        flags["tags"] = list(split_list(args.tags))
    raw.update({k: v for k, v in flags.items() if v is not None})
    try:
        update = CustomerUpdate.model_validate(raw)
        update.check_customer_id(customer_id)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).split(".")[0]
        msg = "unknown field" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
        where = f"--file: {field}" if field in from_file and flags.get(field) is None else f"--{field}"
        raise CliError(f"{where}: {msg}") from None
    except ValueError as exc:
        raise CliError(f"--file: {exc}") from None
    if not update.model_fields_set - set(DERIVED):
        raise CliError("update_customer: give at least one field to set (e.g. --name, --email, --tags)")
    store = await open_store(settings)
    try:
        customer, created = await CustomerService(store).upsert(customer_id, update)
    finally:
        await store.close()
    if args.json:
        print_json({"customer": customer.as_dict(), "created": created})
    else:
        stdout().print(f"{'created' if created else 'updated'} customer {customer.id}: "
                       f"{', '.join(sorted(update.model_fields_set))}")
    return 0
