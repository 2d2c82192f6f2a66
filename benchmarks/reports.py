"""`bench --reports`: how long the reports take on a large SQLite history.

Seeds a temporary database (benchmarks/reports_seed.py: 90 days, 50 agents, `tickets` tickets,
`messages` messages), then times each report cold (a freshly opened connection, so SQLite's page
cache is empty — the OS file cache is not dropped, that needs root) and warm (the same connection
again), best of `repeat` runs each.
"""

from __future__ import annotations

import asyncio
import platform
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.reports_seed import seed
from bot.config import Settings
from bot.reports.service import Reports
from bot.store.sqlite.database import Database
from bot.store.sqlite.store import sqlite_store

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    cold_ms: float
    warm_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "cold_ms": self.cold_ms, "warm_ms": self.warm_ms}


@dataclass(frozen=True, slots=True)
class ReportsBenchReport:
    rows: dict[str, int]
    seed_seconds: float
    db_megabytes: float
    repeat: int
    timings: tuple[Timing, ...]
    sqlite_version: str
    python: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "seed_seconds": self.seed_seconds,
            "db_megabytes": self.db_megabytes,
            "repeat": self.repeat,
            "timings": [t.as_dict() for t in self.timings],
            "sqlite_version": self.sqlite_version,
            "python": self.python,
        }

    def render_text(self) -> str:
        rows = ", ".join(f"{n:,} {t}" for t, n in self.rows.items())
        lines = [
            f"seeded {rows}",
            f"seed {self.seed_seconds:.1f} s, database {self.db_megabytes:.0f} MB "
            f"(SQLite {self.sqlite_version}, Python {self.python})",
            f"{'report':<28}{'cold ms':>10}{'warm ms':>10}   (best of {self.repeat})",
        ]
        lines += [f"{t.name:<28}{t.cold_ms:>10.1f}{t.warm_ms:>10.1f}" for t in self.timings]
        return "\n".join(lines)


async def _best(run: Callable[[], Awaitable[object]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


async def run_reports_bench(
    tickets: int = 100_000,
    messages: int = 1_000_000,
    progress: Progress | None = None,
    *,
    repeat: int = 3,
    keep: Path | None = None,
    settings: Settings | None = None,
) -> ReportsBenchReport:
    """Seed and time. `keep` writes the database there (e.g. `data/bot.sqlite3`) instead of a
    temporary directory, so the CLI can be timed against it afterwards."""
    with tempfile.TemporaryDirectory(prefix="reports-bench-") as tmp:
        path = keep or Path(tmp) / "bot.sqlite3"
        if path.exists():
            raise FileExistsError(f"{path} exists; the benchmark seeds a new database")
        db = await Database.open(path)  # the schema, by the real migrations
        await db.close()
        started = time.perf_counter()
        rows = await asyncio.to_thread(seed, path, tickets=tickets, messages=messages, progress=progress)
        seed_seconds = round(time.perf_counter() - started, 1)
        size = round(path.stat().st_size / 1e6, 1)
        agent = "agent01"  # the busiest agent: the slowest agent report
        jobs: list[tuple[str, Callable[[Reports], Awaitable[object]]]] = [
            ("stats 30d", lambda r: r.stats("30d")),
            ("stats 7d", lambda r: r.stats("7d")),
            ("stats 90d", lambda r: r.stats("90d")),
            ("agent_performance 30d", lambda r: r.agent_performance(agent, 30)),
            ("satisfaction_report 30d", lambda r: r.satisfaction_report(30)),
        ]
        timings = []
        for name, job in jobs:
            if progress:
                progress(f"timing {name}")
            timings.append(
                Timing(name, await _cold(path, job, repeat, settings), await _warm(path, job, repeat, settings))
            )
    return ReportsBenchReport(
        rows, seed_seconds, size, repeat, tuple(timings), sqlite3.sqlite_version, platform.python_version()
    )


async def _cold(
    path: Path, job: Callable[[Reports], Awaitable[object]], repeat: int, settings: Settings | None
) -> float:
    best = float("inf")
    for _ in range(repeat):
        db = await Database.open(path)
        try:
            reports = Reports(settings or Settings(), sqlite_store(db))
            started = time.perf_counter()
            await job(reports)
            best = min(best, time.perf_counter() - started)
        finally:
            await db.close()
    return round(best * 1000, 1)


async def _warm(
    path: Path, job: Callable[[Reports], Awaitable[object]], repeat: int, settings: Settings | None
) -> float:
    db = await Database.open(path)
    try:
        reports = Reports(settings or Settings(), sqlite_store(db))
        await job(reports)
        return await _best(lambda: job(reports), repeat)
    finally:
        await db.close()
