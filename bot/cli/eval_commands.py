"""eval faq | intents | sentiment | language, and bench."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CliError, print_json, progress_bar, stdout
from bot.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("eval", help="measure retrieval, intents, sentiment or language on a data set")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="{faq,intents,sentiment,language}")
    f = kinds.add_parser("faq", help="FAQ retrieval: top-1, recall@5, MRR, out-of-scope decline")
    f.add_argument("--kb", required=True, type=Path)
    f.add_argument("--queries", required=True, type=Path)
    f.add_argument("--json", action="store_true")
    f.set_defaults(handler=eval_faq)

    p = sub.add_parser("bench", help="throughput and latency of POST /api/message vs an echo server")
    p.add_argument("--messages", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--kb-size", "--kb_size", dest="kb_size", type=int, default=10_000)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=bench)


def _readable(path: Path, flag: str) -> None:
    if not path.is_file():
        raise CliError(f"{flag}: no such file: {path}")


async def eval_faq(settings: Settings, args: argparse.Namespace) -> int:
    from bot.kb.evaluation import FaqEvalError, evaluate_faq

    _readable(args.kb, "--kb")
    _readable(args.queries, "--queries")
    try:
        with progress_bar("evaluating") as progress:
            report = evaluate_faq(args.kb, args.queries, settings=settings, progress=progress)
    except FaqEvalError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print_json(report.as_dict())
    else:
        stdout().print(report.render_text())
    return 0


async def bench(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bench import run_bench

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
