"""`bench --search`: in-process cost of understanding one message on the synthetic bench KB.

Times retrieval alone (what `search_kb` pays) and the analysis stages of every turn — language,
sentiment, intent — one message at a time, so the figures are per-message CPU cost without HTTP,
the event loop or the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.kb_data import generate_faqs, generate_messages
from bot.app import load_pipeline
from bot.config import Settings
from bot.kb.faq import FaqEntry
from bot.kb.training.evaluation import build_retriever

Progress = Callable[[int, int], None]


def _ms(samples: list[float]) -> dict[str, float]:
    return {f"p{q}_ms": round(float(np.percentile(samples, q)), 3) for q in (50, 95, 99)}


def bench_search(settings: Settings, kb_size: int, queries: int, *, progress: Progress | None = None) -> dict[str, Any]:
    faqs = generate_faqs(kb_size)
    started = time.perf_counter()
    retriever = build_retriever(settings, [FaqEntry.model_validate(f.entry) for f in faqs])
    index_seconds = time.perf_counter() - started
    pipeline, _ = load_pipeline(settings, None)  # type: ignore[arg-type]  (only its analysers are used)
    language, sentiment, intents = pipeline.language, pipeline.sentiment, pipeline.intents
    messages = generate_messages(faqs, queries)
    search, analysis = [], []
    for i, text in enumerate(messages):
        t0 = time.perf_counter()
        retriever.search(text, settings.knowledge_base.top_k)
        t1 = time.perf_counter()
        lang = language.detect(text, previous="zh")
        sentiment.analyze(text, lang.code)
        intents.predict(text)
        t2 = time.perf_counter()
        search.append((t1 - t0) * 1000)
        analysis.append((t2 - t1) * 1000)
        if progress and (i + 1) % 100 == 0:
            progress(i + 1, len(messages))
    total = [a + b for a, b in zip(search, analysis, strict=True)]
    return {
        "entries": kb_size, "queries": len(messages), "index_seconds": round(index_seconds, 1),
        "second_stage": retriever.second_stage,
        "search": _ms(search), "language_sentiment_intent": _ms(analysis), "pipeline": _ms(total),
    }


def render(report: dict[str, Any]) -> str:
    lines = [f"{report['queries']:,} messages, one at a time, knowledge base of {report['entries']:,} FAQs "
             f"(indexed in {report['index_seconds']} s), "
             + ("both stages" if report.get("second_stage") else "first stage only")]
    for key, label in (("search", "search"), ("language_sentiment_intent", "language+sentiment+intent"),
                       ("pipeline", "whole pipeline")):
        r = report[key]
        lines.append(f"  {label:<27} p50 {r['p50_ms']:>7.3f} ms   p95 {r['p95_ms']:>7.3f} ms   "
                     f"p99 {r['p99_ms']:>7.3f} ms")
    return "\n".join(lines)
