"""Offline FAQ-retrieval evaluation: `python run_bot.py eval faq --kb FILE --queries FILE`.

KB file: the documented FAQ JSON (`{"faq": [...]}`, `{"faqs": [...]}` or a list, see bot/kb/faq.py) or JSON
Lines with one entry per line; benchmark files may omit the answer
(`{"id": "afqmc-0001", "question": "..."}`). Queries: JSON Lines `{"query": ..., "expected_id":
id or null}`; null means out of scope, the bot should decline.

Ranking quality (top-1, recall@5, MRR) is measured on in-scope queries; decisions at the
configured threshold: share of out-of-scope queries declined, share of in-scope queries
declined (false declines), and precision of the answers given (answered and correct /
answered, over all queries).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import Settings
from bot.kb.faq import FaqEntry
from bot.kb.faq_file import entry_list
from bot.kb.hybrid import HybridSearch

Progress = Callable[[int, int], None]


class FaqEvalError(ValueError):
    """A KB or queries file that cannot be read; the message names the file and the line."""


def _read_records(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".jsonl":
        try:  # one document: {"faq": [...]}, {"faqs": [...]} or a list
            data = entry_list(json.loads(text))
            if isinstance(data, list):
                return data
        except json.JSONDecodeError:
            pass
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_kb_file(path: Path) -> list[FaqEntry]:
    """FAQ entries from a KB file; entries without an answer get a placeholder one."""
    entries = []
    for i, rec in enumerate(_read_records(path), 1):
        if not isinstance(rec, dict):
            raise ValueError(f"{path}: entry {i} is not an object")
        if "answer" not in rec and "answers" not in rec:
            rec = {**rec, "answer": "(no answer in benchmark file)"}
        entries.append(FaqEntry.model_validate(rec))
    return entries


def load_queries(path: Path) -> list[tuple[str, str | None]]:
    return [(r["query"], r.get("expected_id")) for r in _read_records(path)]


@dataclass(frozen=True)
class FaqEvalReport:
    embedder: str
    kb_entries: int
    in_scope: int
    out_of_scope: int
    top1: float
    recall_at_5: float
    mrr: float
    threshold: float
    oos_declined: float | None  # None when the file has no out-of-scope queries
    false_decline: float
    answered: int
    precision: float
    latency_p50_ms: float
    latency_p95_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render_text(self) -> str:
        pct = lambda x: "n/a" if x is None else f"{x:.1%}"  # noqa: E731
        return "\n".join(
            [
                f"FAQ retrieval ({self.embedder}): {self.kb_entries} KB entries, "
                f"{self.in_scope} in-scope + {self.out_of_scope} out-of-scope queries",
                f"  in-scope ranking:  top-1 {pct(self.top1)}  recall@5 {pct(self.recall_at_5)}  MRR {self.mrr:.3f}",
                f"  at threshold {self.threshold:.2f}: out-of-scope declined {pct(self.oos_declined)},"
                f" in-scope falsely declined {pct(self.false_decline)}",
                f"  answers given {self.answered}, precision {pct(self.precision)}",
                f"  search latency p50 {self.latency_p50_ms:.2f} ms, p95 {self.latency_p95_ms:.2f} ms",
            ]
        )


def score_queries(
    retriever: HybridSearch,
    queries: Sequence[tuple[str, str | None]],
    threshold: float,
    *,
    progress: Progress | None = None,
) -> FaqEvalReport:
    top1 = rec5 = rr = false_decl = oos_decl = answered = correct = 0.0
    n_in = n_oos = 0
    lat: list[float] = []
    for i, (query, expected) in enumerate(queries, 1):
        t0 = time.perf_counter()
        hits = retriever.search(query, 5)
        lat.append((time.perf_counter() - t0) * 1000)
        ids = [h.faq_id for h in hits]
        accept = bool(hits) and hits[0].score >= threshold
        answered += accept
        if expected is None:
            n_oos += 1
            oos_decl += not accept
        else:
            n_in += 1
            top1 += bool(ids) and ids[0] == expected
            rec5 += expected in ids
            rr += 1 / (ids.index(expected) + 1) if expected in ids else 0
            false_decl += not accept
            correct += accept and ids[0] == expected
        if progress and (i % 100 == 0 or i == len(queries)):
            progress(i, len(queries))
    div = max(n_in, 1)
    return FaqEvalReport(
        embedder=_describe(retriever),
        kb_entries=len(retriever),
        in_scope=n_in,
        out_of_scope=n_oos,
        top1=top1 / div,
        recall_at_5=rec5 / div,
        mrr=rr / div,
        threshold=threshold,
        oos_declined=oos_decl / n_oos if n_oos else None,
        false_decline=false_decl / div,
        answered=int(answered),
        precision=correct / answered if answered else 0.0,
        latency_p50_ms=float(np.percentile(lat, 50)) if lat else 0.0,
        latency_p95_ms=float(np.percentile(lat, 95)) if lat else 0.0,
    )


def _describe(search: HybridSearch) -> str:
    name = search.retriever.embedder.name
    return f"{name} + {search.semantic.encoder.name}" if search.semantic is not None else name


def build_retriever(settings: Settings, entries: Sequence[FaqEntry]) -> HybridSearch:
    """The service's two-stage search over `entries`, calibrated, with nothing persisted."""
    from bot.kb.search_setup import index_entries, make_retriever, make_search

    return index_entries(make_search(settings, make_retriever(settings), persist=False), entries)


def evaluate_faq(
    kb_path: Path, queries_path: Path, *, settings: Settings, progress: Progress | None = None
) -> FaqEvalReport:
    """Index the KB file in a throw-away in-memory index and score the queries against it."""
    try:
        entries = load_kb_file(kb_path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FaqEvalError(f"{kb_path}: {exc}") from None
    try:
        queries = load_queries(queries_path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FaqEvalError(f"{queries_path}: {exc}") from None
    if not entries:
        raise FaqEvalError(f"{kb_path}: no FAQ entries")
    retriever = build_retriever(settings, entries)
    return score_queries(retriever, queries, settings.knowledge_base.similarity_threshold, progress=progress)
