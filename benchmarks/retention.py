"""Retention figure: `python run_bot.py bench --retention [--history 1000000] [--concurrency 8] [--json]`.

Seeds a temporary data directory with `--history` messages in closed conversations of 90 days
ago (10 a conversation), builds the live services (shipped KB, no LLM), then drives turns through
runtime.feed from `concurrency` customers: first alone (the baseline), then while the retention
purge (retention_days 30, its default batches and pauses) blanks the whole backlog. Reports turn
p50/p99 of both phases and the purge's duration and counts. In-process (no HTTP), so the ratio of
the two phases is the figure, not the absolute latencies.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import build_services
from bot.config import REPO_ROOT, Settings
from bot.core.events import InboundEvent
from bot.customers.retention import RetentionPurge
from bot.store import Store

PER_CONVERSATION = 10
TEXT = "我的订单 2024120112345 还没到，地址是幸福路 12 号，电话 13812345678"
QUESTIONS = ("你好", "怎么退款", "运费多少", "发票怎么开", "谢谢")


async def _seed(store: Store, messages: int) -> None:
    old = (datetime.now(UTC) - timedelta(days=90)).isoformat(timespec="microseconds")
    convs = messages // PER_CONVERSATION
    for start in range(0, convs, 5_000):
        ids = range(start, min(convs, start + 5_000))
        async with store.db.transaction() as conn:
            await conn.executemany("INSERT INTO customers (id, created_at, updated_at) VALUES (?, ?, ?)",
                                   [(f"old-{i}", old, old) for i in ids])
            await conn.executemany(
                """INSERT INTO conversations (id, customer_id, channel, state, slots, created_at, updated_at,
                       last_message_at, closed_at) VALUES (?, ?, 'web', 'closed', '{"order_id": "1"}', ?, ?, ?, ?)""",
                [(f"conv-{i}", f"old-{i}", old, old, old, old) for i in ids])
            await conn.executemany(
                "INSERT INTO messages (conversation_id, direction, sender, text, created_at) VALUES (?, ?, ?, ?, ?)",
                [(f"conv-{i}", "in", "customer", f"{TEXT} #{j}", old) for i in ids for j in range(PER_CONVERSATION)])
            await conn.executemany(
                "INSERT INTO decisions (conversation_id, route, reason, created_at) VALUES (?, 'faq', ?, ?)",
                [(f"conv-{i}", TEXT, old) for i in ids])
    await store.db.checkpoint()


async def _drive(services: Any, concurrency: int, until: Any, latencies: list[float], tag: str) -> None:
    async def customer(n: int) -> None:
        i = 0
        while not until():
            event = InboundEvent("api", f"live-{tag}-{n}-{i // 5}", QUESTIONS[i % len(QUESTIONS)])
            started = time.perf_counter()
            await services.runtime.feed(event)
            latencies.append(time.perf_counter() - started)
            i += 1

    await asyncio.gather(*(customer(n) for n in range(concurrency)))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


async def run(history: int, concurrency: int = 8, baseline_turns: int = 2000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate({"storage": {"data_dir": str(Path(tmp) / "data")}, "root": REPO_ROOT})
        async with build_services(settings) as services:
            seed_started = time.perf_counter()
            await _seed(services.store, history)
            seed_seconds = time.perf_counter() - seed_started
            base: list[float] = []
            await _drive(services, concurrency, lambda: len(base) >= baseline_turns, base, "warm")
            base.clear()
            await _drive(services, concurrency, lambda: len(base) >= baseline_turns, base, "base")
            during: list[float] = []
            purge = RetentionPurge(services.store, 30)
            started = time.perf_counter()
            job = asyncio.create_task(purge.purge())
            await _drive(services, concurrency, job.done, during, "during")
            report = await job
            purge_seconds = time.perf_counter() - started
            left = await services.store.db.fetchone(
                "SELECT COUNT(*) AS n FROM messages WHERE text != '' AND conversation_id LIKE 'conv-%'")
    ratio = _pct(during, 0.99) / _pct(base, 0.99)
    return {
        "history_messages": history, "concurrency": concurrency, "seed_seconds": round(seed_seconds, 1),
        "baseline": {"turns": len(base), "p50_ms": _pct(base, 0.5), "p99_ms": _pct(base, 0.99),
                     "mean_ms": round(statistics.fmean(base) * 1000, 1)},
        "during_purge": {"turns": len(during), "p50_ms": _pct(during, 0.5), "p99_ms": _pct(during, 0.99),
                         "mean_ms": round(statistics.fmean(during) * 1000, 1)},
        "p99_ratio": round(ratio, 2), "target_ratio": 1.5,
        "purge_seconds": round(purge_seconds, 1), "purged": report.purged, "batches": report.batches,
        "text_left": left["n"] if left else None,
    }


def render(r: dict[str, Any]) -> str:
    ok = "✓" if r["p99_ratio"] <= r["target_ratio"] else "✗"
    b, d = r["baseline"], r["during_purge"]
    return (f"retention purge of {r['history_messages']:,} old messages: {r['purge_seconds']} s, "
            f"{r['batches']} batches, text left {r['text_left']}; turns at concurrency {r['concurrency']}: "
            f"baseline p50 {b['p50_ms']} ms p99 {b['p99_ms']} ms ({b['turns']} turns), during the purge "
            f"p50 {d['p50_ms']} ms p99 {d['p99_ms']} ms ({d['turns']} turns) — p99 ratio {r['p99_ratio']} "
            f"(target ≤ {r['target_ratio']}) {ok}")
