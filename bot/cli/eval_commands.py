"""eval faq | intents | sentiment | language | dialogue, and bench."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.cli.common import CliError, print_json, progress_bar, stderr, stdout
from bot.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("eval", help="measure retrieval, intents, sentiment, language or whole dialogues")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="{faq,intents,sentiment,language,dialogue}")
    f = kinds.add_parser("faq", help="FAQ retrieval: top-1, recall@5, MRR, out-of-scope decline")
    f.add_argument("--kb", required=True, type=Path)
    f.add_argument("--queries", required=True, type=Path)
    f.add_argument("--through-dialogue", "--through_dialogue", dest="through_dialogue", action="store_true",
                   help="also send every query as a new conversation through the whole pipeline")
    f.add_argument("--json", action="store_true")
    f.set_defaults(handler=eval_faq)
    i = kinds.add_parser("intents", help="intent accuracy, macro-F1, out-of-scope recall (CSV text,label)")
    i.add_argument("--train", required=True, type=Path)
    i.add_argument("--test", required=True, type=Path)
    i.add_argument("--val", type=Path, help="tune the out-of-scope threshold here (default: part of train)")
    i.add_argument("--json", action="store_true")
    i.set_defaults(handler=eval_intents)
    se = kinds.add_parser("sentiment", help="sentiment accuracy (CSV label,review or label,text)")
    se.add_argument("--file", required=True, type=Path)
    se.add_argument("--json", action="store_true")
    se.set_defaults(handler=eval_sentiment)
    la = kinds.add_parser("language", help="language detection accuracy (CSV text,lang)")
    la.add_argument("--file", required=True, type=Path)
    la.add_argument("--json", action="store_true")
    la.set_defaults(handler=eval_language)
    dl = kinds.add_parser("dialogue", help="scripted multi-turn conversations (YAML) against a throw-away service")
    dl.add_argument("--file", required=True, type=Path)
    dl.add_argument("--json", action="store_true")
    dl.set_defaults(handler=eval_dialogue)

    p = sub.add_parser("bench", help="throughput and latency of POST /api/message vs an echo server")
    p.add_argument("--messages", type=int, default=None,
                   help="messages sent (default 5000; with --wechat 100 a variant)")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--kb-size", "--kb_size", dest="kb_size", type=int, default=10_000)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--reports", action="store_true",
                      help="instead: seed --tickets/--history tickets and messages and time the reports")
    what.add_argument("--handoff", action="store_true",
                      help="instead: time handoff assignment decisions with --agents agents online")
    p.add_argument("--first-stage-only", "--first_stage_only", dest="first_stage_only", action="store_true",
                   help="with --search: without the e5 second stage")
    what.add_argument("--search", action="store_true",
                      help="instead: in-process search and analysis cost per message at --kb-size entries")
    what.add_argument("--erasure", action="store_true",
                      help="instead: time delete_customer's erasure of a customer with --customer-messages messages")
    what.add_argument("--retention", action="store_true",
                      help="instead: turn latency while the retention purge blanks --history old messages")
    what.add_argument("--websockets", type=int, nargs="?", const=5000, metavar="N",
                      help="instead: memory of N idle widget sockets (default 5000) and the round trip of "
                           "--chatting of them")
    what.add_argument("--insight", action="store_true",
                      help="instead: seed --tickets/--history and time insight_report --days 30")
    p.add_argument("--tickets", type=int, default=100_000, help="with --reports / --insight (default 100000)")
    p.add_argument("--history", type=int, default=1_000_000,
                   help="messages seeded with --reports / --retention / --insight (default 1000000)")
    p.add_argument("--agents", type=int, default=200, help="online agents with --handoff (default 200)")
    p.add_argument("--customer-messages", "--customer_messages", dest="customer_messages", type=int,
                   default=10_000, help="messages of the erased customer with --erasure (default 10000)")
    p.add_argument("--chatting", type=int, default=200,
                   help="with --websockets: sockets that chat while all are open (default 200)")
    what.add_argument("--wechat", action="store_true",
                      help="instead: --messages concurrent WeChat pushes (default 100) against a fake WeChat API, "
                           "each MsgId retried --retries times")
    what.add_argument("--telegram", action="store_true",
                      help="instead: --updates queued Telegram updates across --chats chats, processed by polling "
                           "against a fake Bot API (order per chat, one answer each)")
    p.add_argument("--updates", type=int, default=1000, help="with --telegram (default 1000)")
    p.add_argument("--chats", type=int, default=50, help="with --telegram (default 50)")
    p.add_argument("--retries", type=int, default=3, help="with --wechat: retries of each MsgId (default 3)")
    p.add_argument("--retry-after", "--retry_after", dest="retry_after", type=float, default=5.0,
                   help="with --wechat: seconds between a MsgId's retries (WeChat: 5)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=bench)


def _readable(path: Path, flag: str) -> None:
    if not path.is_file():
        raise CliError(f"{flag}: no such file: {path}")


async def eval_faq(settings: Settings, args: argparse.Namespace) -> int:
    from bot.kb.training.evaluation import FaqEvalError, evaluate_faq

    _readable(args.kb, "--kb")
    _readable(args.queries, "--queries")
    try:
        with progress_bar("evaluating") as progress:
            report = evaluate_faq(args.kb, args.queries, settings=settings, progress=progress)
    except FaqEvalError as exc:
        raise CliError(str(exc)) from None
    dialogue = None
    if args.through_dialogue:
        from bot.kb.training.evaluation import load_kb_file, load_queries
        from bot.kb.training.through_dialogue import evaluate_through_dialogue

        with progress_bar("through the dialogue") as progress:
            dialogue = await evaluate_through_dialogue(
                load_kb_file(args.kb), load_queries(args.queries), settings=settings, progress=progress
            )
    if args.json:
        print_json({**report.as_dict(), "through_dialogue": dialogue.as_dict()} if dialogue else report.as_dict())
    else:
        stdout().print(report.render_text())
        if dialogue is not None:
            stdout().print(dialogue.render_text())
    return 0


def _show(report: object, as_json: bool) -> int:
    if as_json:
        print_json(report.as_dict())  # type: ignore[attr-defined]
    else:
        stdout().print(report.render_text())  # type: ignore[attr-defined]
    return 0


async def eval_intents(settings: Settings, args: argparse.Namespace) -> int:
    from bot.nlu.evaluation import evaluate_intents

    _readable(args.train, "--train")
    _readable(args.test, "--test")
    if args.val is not None:
        _readable(args.val, "--val")
    try:
        report = evaluate_intents(args.train, args.test, val_csv=args.val)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise CliError(f"--train/--test: {exc}") from None
    return _show(report, args.json)


async def eval_sentiment(settings: Settings, args: argparse.Namespace) -> int:
    from bot.nlu.evaluation import evaluate_sentiment

    _readable(args.file, "--file")
    try:
        report = evaluate_sentiment(args.file, models_dir=settings.models_dir)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise CliError(f"--file: {exc}") from None
    return _show(report, args.json)


async def eval_language(settings: Settings, args: argparse.Namespace) -> int:
    from bot.nlu.evaluation import evaluate_language

    _readable(args.file, "--file")
    try:
        report = evaluate_language(args.file)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise CliError(f"--file: {exc}") from None
    return _show(report, args.json)


async def eval_dialogue(settings: Settings, args: argparse.Namespace) -> int:
    from bot.conversation.scenarios.runner import evaluate_dialogue
    from bot.conversation.scenarios.spec import ScenarioError

    _readable(args.file, "--file")
    try:
        with progress_bar("dialogue scenarios") as progress:
            report = await evaluate_dialogue(args.file, settings, progress=progress)
    except ScenarioError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print_json(report.as_dict())
    else:  # customers' words may hold [brackets]: no rich markup
        stdout().print(report.render_text(), markup=False)
    return 0  # a measurement: failing scenarios are the result, not an error


async def bench(settings: Settings, args: argparse.Namespace) -> int:
    # The load generators live in the source checkout's benchmarks/ folder, not in the package.
    try:
        from benchmarks.runner import BenchError
    except ModuleNotFoundError:
        raise CliError("bench: run it from a source checkout: benchmarks/ not found") from None

    try:
        if args.reports:
            return await _bench_reports(settings, args)
        if args.handoff:
            return await _bench_handoff(args)
        if args.search:
            return await _bench_search(settings, args)
        if args.erasure:
            return await _bench_erasure(args)
        if args.retention:
            return await _bench_retention(args)
        if args.websockets is not None:
            return await _bench_websockets(args)
        if args.wechat:
            return await _bench_wechat(args)
        if args.telegram:
            return await _bench_telegram(args)
        if args.insight:
            return await _bench_insight(args)
        return await _bench_messages(args)
    except BenchError as exc:
        raise CliError(f"bench: {exc}") from None


async def _bench_erasure(args: argparse.Namespace) -> int:
    from benchmarks.erasure import render, run

    if not 1 <= args.customer_messages <= 1_000_000:
        raise CliError("--customer-messages: between 1 and 1000000")
    report = await run(args.customer_messages)
    return _emit(args, report, render)


async def _bench_retention(args: argparse.Namespace) -> int:
    from benchmarks.retention import render, run

    if not 1_000 <= args.history <= 5_000_000:
        raise CliError("--history: between 1000 and 5000000")
    if not 1 <= args.concurrency <= 1024:
        raise CliError("--concurrency: between 1 and 1024")
    report = await run(args.history, args.concurrency)
    return _emit(args, report, render)


async def _bench_websockets(args: argparse.Namespace) -> int:
    from benchmarks.websockets import render, run

    if not 1 <= args.websockets <= 100_000:
        raise CliError("--websockets: between 1 and 100000")
    if not 0 <= args.chatting <= args.websockets:
        raise CliError("--chatting: between 0 and --websockets")
    report = await run(args.websockets, args.chatting, settings_path=args.config_path,
                       progress=_progress(args))
    return _emit(args, report, render)


async def _bench_wechat(args: argparse.Namespace) -> int:
    from benchmarks.wechat import render, run

    messages = 100 if args.messages is None else args.messages
    if not 1 <= messages <= 5000:
        raise CliError("--messages: between 1 and 5000 with --wechat")
    if not 0 <= args.retries <= 10:
        raise CliError("--retries: between 0 and 10")
    if not 0 <= args.retry_after <= 30:
        raise CliError("--retry-after: between 0 and 30 seconds")
    report = await run(messages, args.retries, retry_after=args.retry_after, settings_path=args.config_path,
                       progress=_progress(args))
    return _emit(args, report, render)


async def _bench_telegram(args: argparse.Namespace) -> int:
    from benchmarks.telegram import render, run

    if not 1 <= args.updates <= 100_000:
        raise CliError("--updates: between 1 and 100000")
    if not 1 <= args.chats <= args.updates:
        raise CliError("--chats: between 1 and --updates")
    report = await run(args.updates, args.chats, settings_path=args.config_path,
                       progress=_progress(args))
    return _emit(args, report, render)


async def _bench_messages(args: argparse.Namespace) -> int:
    from benchmarks.runner import run_bench

    if args.messages is None:
        args.messages = 5000

    if args.messages < 10:
        raise CliError("--messages: at least 10")
    if not 1 <= args.concurrency <= 1024:
        raise CliError("--concurrency: between 1 and 1024")
    if not 10 <= args.kb_size <= 200_000:
        raise CliError("--kb-size: between 10 and 200000")
    err = stdout() if not args.json else None
    report = await run_bench(
        args.config_path,
        messages=args.messages,
        concurrency=args.concurrency,
        kb_size=args.kb_size,
        progress=(lambda msg: err.print(f"[dim]{msg}[/dim]")) if err else None,
    )
    if args.json:
        print_json(report.as_dict())
    else:
        stdout().print(report.render_text())
    return 0


async def _bench_reports(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.reports import run_reports_bench

    if not 1 <= args.tickets <= 2_000_000:
        raise CliError("--tickets: between 1 and 2000000")
    if not 1 <= args.history <= 20_000_000:
        raise CliError("--history: between 1 and 20000000")
    err = stdout() if not args.json else None
    report = await run_reports_bench(
        args.tickets, args.history, (lambda msg: err.print(f"[dim]{msg}[/dim]")) if err else None,
        settings=settings,
    )
    if args.json:
        print_json(report.as_dict())
    else:
        stdout().print(report.render_text(), markup=False)
    return 0


async def _bench_insight(args: argparse.Namespace) -> int:
    from benchmarks.insight import run_insight_bench

    if not 1 <= args.tickets <= 2_000_000:
        raise CliError("--tickets: between 1 and 2000000")
    if not 10 <= args.history <= 20_000_000:
        raise CliError("--history: between 10 and 20000000")
    err = stderr()  # progress on stderr, so --json keeps stdout one document
    report = await run_insight_bench(args.tickets, args.history, lambda msg: err.print(f"[dim]{msg}[/dim]"))
    if args.json:
        print_json(report.as_dict())
    else:
        stdout().print(report.render_text(), markup=False)
    return 0


async def _bench_handoff(args: argparse.Namespace) -> int:
    from benchmarks.handoff import render, run

    if not 1 <= args.agents <= 5000:
        raise CliError("--agents: between 1 and 5000")
    report = await run(args.agents, min(args.messages or 5000, 1000))
    return _emit(args, report, render)


async def _bench_search(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.search import bench_search, render

    if not 10 <= args.kb_size <= 200_000:
        raise CliError("--kb-size: between 10 and 200000")
    if args.first_stage_only:  # issue 8's p50 target is without the second stage
        settings = settings.model_copy(update={
            "knowledge_base": settings.knowledge_base.model_copy(update={"second_stage": False})})
    elif settings.knowledge_base.second_stage:
        # The e5 second stage embeds every question and answer first: ~2 min per 1,000 FAQs here.
        stderr().print(f"indexing {args.kb_size:,} FAQs in both stages (about {args.kb_size * 0.12:.0f} s"
                            " on two cores; --first-stage-only skips the second)")
    with progress_bar("searching") as progress:
        report = bench_search(settings, args.kb_size, min(args.messages or 5000, 5000), progress=progress)
    return _emit(args, report, render)


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    """Progress lines; with --json on stderr, so that stdout holds only the JSON."""
    err = stderr() if args.json else stdout()
    return lambda msg: err.print(f"[dim]{msg}[/dim]")


def _emit(args: argparse.Namespace, report: Any, render: Callable[[Any], str]) -> int:
    if args.json:
        print_json(report)
    else:
        stdout().print(render(report), markup=False)
    return 0
