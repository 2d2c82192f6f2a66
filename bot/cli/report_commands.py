"""stats, agent_performance, satisfaction_report (see bot/reports/service.py for what each figure means)
and insight_report, the customer insight report (bot/reports/insight.py) as JSON or one offline HTML page."""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.cli.common import CliError, print_json, stderr, stdout
from bot.config import Settings
from bot.reports.period import PERIOD_HELP, ReportInputError, UnknownAgent, check_days, utc_now, window
from bot.reports.service import Reports
from bot.store import Store
from bot.store.factory import open_store
from bot.store.sqlite.database import Database
from bot.store.sqlite.store import SQLITE_FILE, sqlite_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("stats", help="support KPIs over a period: response and resolution times, rates, CSAT")
    p.add_argument("--period", default="7d", help=f"{PERIOD_HELP} (default 7d)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=stats)

    p = sub.add_parser("agent_performance", help="one agent's tickets, handle time, first response, CSAT, SLA")
    p.add_argument("--agent_id", "--agent-id", dest="agent_id", required=True)
    p.add_argument("--days", type=int, default=30, help="whole UTC days ending today (default 30)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=agent_performance)

    p = sub.add_parser("satisfaction_report", help="CSAT distribution, by agent and channel, recent low ratings")
    p.add_argument("--days", type=int, default=30, help="whole UTC days ending today (default 30)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=satisfaction_report)

    p = sub.add_parser("insight_report", help="customer insight: contact reasons and their moves, unanswered-question "
                       "clusters, sentiment and CSAT, repeat contacts, the customers and tags behind tickets")
    p.add_argument("--days", type=int, default=30, help="whole UTC days ending today, against the period before "
                   "(default 30)")
    p.add_argument("--format", choices=("json", "html"), default="json",
                   help="json (default) or html: one page with charts that opens offline")
    p.add_argument("--out", type=Path, help="write the report here (mode 0600) instead of stdout")
    p.add_argument("--repeat-within", "--repeat_within", dest="repeat_within", type=int, default=7,
                   help="a conversation within this many days of the customer's previous one is a repeat (default 7)")
    p.add_argument("--top", type=int, default=10, help="customers listed per top list (default 10)")
    p.set_defaults(handler=insight_report)


def _flag(exc: ReportInputError) -> CliError:
    return CliError(f"--{exc.field}: {exc.reason}")


async def _open_for_reading(settings: Settings) -> Store:
    """The store, or an empty in-memory one when nothing was ever recorded: a read-only command
    must not create the data dir and database (the report then shows zeros in its usual shape)."""
    path = settings.data_dir / SQLITE_FILE
    if settings.storage.backend == "sqlite" and not path.exists():
        stderr().print(f"no data yet: {path} does not exist (start the service first)")
        return sqlite_store(await Database.open(":memory:"))
    return await open_store(settings)


async def _run(settings: Settings, job: Callable[[Reports], Awaitable[Any]]) -> Any:
    store = await _open_for_reading(settings)
    try:
        return await job(Reports(settings, store))
    finally:
        await store.close()


def _print(args: argparse.Namespace, report: Any, render: Callable[[Any], Any]) -> int:
    if args.json:
        print_json(report.as_dict())
    else:
        stdout().print(render(report))
    return 0


async def stats(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports.render import render_stats

    try:
        window(args.period, utc_now())  # bad input fails before the store is opened
    except ReportInputError as exc:
        raise _flag(exc) from None
    return _print(args, await _run(settings, lambda r: r.stats(args.period)), render_stats)


async def agent_performance(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports.render import render_agent

    agent_id = args.agent_id.strip()
    if not agent_id:
        raise CliError("--agent_id: must not be empty")
    try:
        check_days(args.days)
        report = await _run(settings, lambda r: r.agent_performance(agent_id, args.days))
    except ReportInputError as exc:
        raise _flag(exc) from None
    except UnknownAgent:
        raise CliError(f"--agent_id: no agent with id {agent_id!r}") from None
    return _print(args, report, render_agent)


async def satisfaction_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports.render import render_satisfaction

    try:
        check_days(args.days)
    except ReportInputError as exc:
        raise _flag(exc) from None
    return _print(args, await _run(settings, lambda r: r.satisfaction_report(args.days)), render_satisfaction)


async def insight_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.customer_commands import write_private
    from bot.reports.insight import InsightReports, check_repeat_within, check_top
    from bot.reports.insight_html import render_insight_html

    try:
        check_days(args.days)
        check_repeat_within(args.repeat_within, "repeat-within")
        check_top(args.top)
    except ReportInputError as exc:
        raise _flag(exc) from None
    if args.out is not None and args.out.is_dir():
        raise CliError(f"--out: {args.out} is a directory")
    from bot.kb.jieba_cache import FILE_NAME, load_dictionary

    if (settings.data_dir / FILE_NAME).is_file():  # the service's fast copy of jieba's dictionary
        load_dictionary(settings.data_dir)
    store = await _open_for_reading(settings)
    try:
        report = await InsightReports(store).insight(args.days, repeat_within=args.repeat_within, top=args.top)
    finally:
        await store.close()
    doc = report.as_dict()
    text = render_insight_html(doc) if args.format == "html" else json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        print(text, end="")
    else:
        write_private(args.out, text)
        stdout().print(f"wrote the {args.days}-day insight report ({args.format}) to {args.out}", markup=False)
    return 0
