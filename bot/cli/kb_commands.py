"""add_faq, import_faq, search_kb, reindex."""

from __future__ import annotations

import argparse
import asyncio
import time
import urllib.parse
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.table import Table

from bot.cli.common import CliError, print_json, progress_bar, stderr, stdout
from bot.cli.remote import ServiceUnavailable, error_message, running_service
from bot.config import Settings
from bot.core import service_file
from bot.kb.faq import FaqEntry
from bot.kb.faq_file import describe_validation
from bot.kb.importer import FaqImportError, read_faq_file, render_rejections


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("add_faq", help="add or update one FAQ entry")
    p.add_argument("--question", required=True)
    p.add_argument("--answer", required=True)
    p.add_argument("--id", help="entry id (default: derived from the question)")
    p.add_argument("--category", default="")
    p.add_argument("--tags", default="", help="comma-separated")
    p.add_argument("--similar", default="", help='similar questions, "q1|q2"')
    p.add_argument("--language", default="zh", help="language of the question and answer (default zh)")
    p.set_defaults(handler=add_faq)

    p = sub.add_parser("import_faq", help="import FAQ entries from .json, .csv or .xlsx (upsert by id)")
    p.add_argument("--file", required=True, type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=import_faq)

    p = sub.add_parser("search_kb", help="search the knowledge base")
    p.add_argument("--query", required=True)
    p.add_argument("--top-k", "--top_k", dest="top_k", type=int, default=5)
    p.add_argument("--explain", action="store_true", help="show the KB's operating point and the stages used")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=search_kb)

    p = sub.add_parser("reindex", help="rebuild the vector index from the FAQ table")
    p.set_defaults(handler=reindex)


def _kb(settings: Settings, **options: Any) -> Any:
    from bot.kb.faq_sync import open_knowledge_base  # imported on use: `--help` stays instant

    return open_knowledge_base(settings, **options)


def _generated_id(question: str) -> str:
    from bot.kb.importer import generated_id

    return generated_id(question)


async def add_faq(settings: Settings, args: argparse.Namespace) -> int:
    raw = {
        "id": args.id or _generated_id(args.question),
        "question": args.question,
        "answers": {args.language: args.answer},
        "language": args.language,
        "category": args.category,
        "tags": args.tags,
        "similar_questions": args.similar,
    }
    try:
        entry = FaqEntry.model_validate(raw)
    except ValidationError as exc:
        raise CliError(describe_validation(exc).replace("answers.", "answer ").replace("answers:", "answer:")) from None
    service = running_service(settings)
    if service is not None:
        try:
            status, body = await asyncio.to_thread(
                service.call, "PUT", f"/api/kb/faqs/{urllib.parse.quote(entry.id, safe='')}",
                body=_api_body(entry))
        except ServiceUnavailable:
            service = None
        else:
            if status >= 400:
                raise CliError(error_message(status, body))
            added = bool(body.get("created"))
    if service is None:
        # With no service running, Chroma (about a second to open) is brought up to date by the next
        # start's check; the store, the kept vectors and the operating point are written now, so the
        # next search sees the entry. A live service (BOT_CLI_LOCAL=1 beside it) checks only at its
        # start, so then Chroma is written here.
        live = service_file.read(settings.data_dir) is not None
        async with _kb(settings, sync_faqs=False, defer_index=not live) as kb:
            added, _ = await kb.upsert([entry])
    stdout().print(f"{'added' if added else 'updated'} {entry.id}: {entry.question}")
    return 0


def _api_body(entry: FaqEntry) -> dict[str, Any]:
    return {"question": entry.question, "answers": dict(entry.answers), "language": entry.language,
            "category": entry.category, "tags": list(entry.tags),
            "similar_questions": list(entry.similar_questions)}


async def import_faq(settings: Settings, args: argparse.Namespace) -> int:
    try:
        with progress_bar("reading") as progress:
            batch = read_faq_file(args.file, progress=progress)
    except FaqImportError as exc:
        raise CliError(str(exc)) from None
    added = updated = 0
    duplicates: list[tuple[str, tuple[str, ...]]] = []
    if batch.entries:
        with progress_bar("indexing") as progress:
            async with _kb(settings, sync_faqs=False, progress=progress) as kb:
                added, updated = await kb.upsert(list(batch.entries))
                imported = {e.id for e in batch.entries}
                duplicates = [
                    (q, ids) for q, ids in kb.duplicate_questions() if imported & set(ids)
                ]
    report = {
        "file": str(args.file),
        "encoding": batch.encoding,
        "added": added,
        "updated": updated,
        "rejected": [
            {"row": r.row, "id": r.id, "reason": r.reason} for r in batch.rejected
        ],
        "duplicate_questions": [{"question": q, "ids": list(ids)} for q, ids in duplicates],
    }
    if args.json:
        print_json(report)
    else:
        out = stdout()
        out.print(f"{args.file}: added {added}, updated {updated}, rejected {len(batch.rejected)}")
        for line in render_rejections(batch.rejected):
            out.print(f"  {line}")
        for q, ids in duplicates:
            # The same question in several entries is no certain match; the ranking picks one.
            stderr().print(f"warning: question {q!r} is in entries {', '.join(ids)}; merge or reword them")
    return 0 if batch.entries or not batch.rejected else 2


async def search_kb(settings: Settings, args: argparse.Namespace) -> int:
    query = args.query.strip()
    if not query:
        raise CliError("--query: must not be empty")
    if not 1 <= args.top_k <= 100:
        raise CliError("--top-k: must be between 1 and 100")
    report = await _remote_search(settings, query, args) or await _local_search(settings, query, args)
    if args.json:
        print_json(report)
        return 0
    if report.get("explain") is not None:
        stdout().print(render_explain(report["explain"]))
    table = Table(title=f"{query}  (threshold {report['threshold']:.2f}, {report['took_ms']:.1f} ms)")
    for col in ("#", "id", "score", "match", "question", "answer"):
        table.add_column(col, overflow="fold")
    for i, r in enumerate(report["results"], 1):
        table.add_row(str(i), r["id"], f"{r['score']:.3f}", "yes" if r["matched"] else "no",
                      r["question"], r["answer"][:80])
    stdout().print(table if report["results"] else "no results")
    return 0


async def _remote_search(settings: Settings, query: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """The running service's ranking (its models are loaded), or None when there is no service."""
    service = running_service(settings)
    if service is None:
        return None
    params = {"q": query, "top_k": str(args.top_k)}
    if args.explain:
        params["explain"] = "1"
    started = time.perf_counter()
    try:
        status, body = await asyncio.to_thread(service.call, "GET", "/api/kb/search", query=params)
    except ServiceUnavailable:
        return None
    if status >= 400:
        raise CliError(error_message(status, body))
    body["took_ms"] = round((time.perf_counter() - started) * 1000, 3)
    body["source"] = service.base_url
    return body


async def _local_search(settings: Settings, query: str, args: argparse.Namespace) -> dict[str, Any]:
    from bot.kb.results import result_dict  # not bot.api.kb: that imports the whole app

    async with _kb(settings) as kb:
        started = time.perf_counter()
        results = kb.search(query, args.top_k)
        elapsed_ms = (time.perf_counter() - started) * 1000
        report: dict[str, Any] = {"query": query, "threshold": kb.threshold, "took_ms": round(elapsed_ms, 3),
                                  "results": [result_dict(r) for r in results]}
        if args.explain:
            report["explain"] = kb.explain()
    return report


def render_explain(ex: dict[str, Any]) -> str:
    lines = [
        f"threshold {ex['threshold']:.2f}: {ex['score']}",
        f"stages: {ex['first_stage']}" + (f" -> {ex['second_stage']}" if ex["second_stage"] else " (no second stage)")
        + ("" if ex["second_stage_ready"] or not ex["second_stage"] else " (second stage still indexing)"),
    ]
    point = ex.get("operating_point")
    if point:
        lines.append(
            f"operating point: near misses {point['near_miss_mean']:.4f} ± {point['near_miss_sd']:.4f}"
            f" (lead {point['near_miss_margin']:.4f} ± {point['near_miss_margin_sd']:.4f}),"
            f" measured on {point['samples']} KB questions; chatter level {point['chatter_level']:.4f}"
        )
    if ex["duplicate_questions"]:
        lines.append(f"{ex['duplicate_questions']} questions are shared by more than one entry")
    return "\n".join(lines)


async def reindex(settings: Settings, args: argparse.Namespace) -> int:
    with progress_bar("reindexing") as progress:
        async with _kb(settings, sync_faqs=False) as kb:
            n = await kb.reindex(progress=progress)
    stderr().print(f"reindexed {n} FAQ entries")
    return 0
