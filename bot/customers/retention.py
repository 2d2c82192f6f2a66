"""Retention (`privacy.retention_days`): closed conversations older than that lose their text.

A background job (at start, then hourly) and `purge_expired` run the same `purge()`: batches of
`BATCH` conversations, each one short store transaction, with a pause between them so turns keep
their latency while a large backlog drains. Logs carry counts only (no text, no customer ids).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from bot.core.periodic import every

if TYPE_CHECKING:
    from bot.store import Store

log = structlog.get_logger(__name__)
BATCH = 100  # conversations per transaction (~1,000 messages at 10 a conversation)
PAUSE = 0.05  # seconds between batches: turns run and commit between them
INTERVAL = 3600.0  # seconds between runs of the background job


@dataclass(slots=True)
class PurgeReport:
    cutoff: str
    dry_run: bool
    due: dict[str, int] = field(default_factory=dict)
    purged: dict[str, int] = field(default_factory=dict)
    batches: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff, "dry_run": self.dry_run, "due": self.due, "purged": self.purged,
                "batches": self.batches}


def cutoff_for(retention_days: int, now: datetime | None = None) -> str:
    return ((now or datetime.now(UTC)) - timedelta(days=retention_days)).isoformat(timespec="microseconds")


class RetentionPurge:
    def __init__(self, store: Store, retention_days: int, *, batch: int = BATCH, pause: float = PAUSE) -> None:
        self._store = store
        self._days = retention_days
        self._batch = batch
        self._pause = pause

    async def purge(self, *, now: datetime | None = None, dry_run: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> PurgeReport:
        """One run until nothing is due. `progress(done, total)` counts conversations."""
        cutoff = cutoff_for(self._days, now)
        report = PurgeReport(cutoff, dry_run, due=await self._store.retention.due(cutoff))
        total = report.due.get("conversations", 0)
        if dry_run or not total:
            return report
        done = 0
        while True:
            counts = await self._store.retention.purge_batch(cutoff, self._batch)
            if not counts.get("conversations"):
                break
            report.batches += 1
            for key, n in counts.items():
                report.purged[key] = report.purged.get(key, 0) + n
            done += counts["conversations"]
            if progress is not None:
                progress(min(done, total), total)
            await asyncio.sleep(self._pause)
        await self._store.retention.checkpoint()
        log.info("retention_purged", retention_days=self._days, batches=report.batches, **report.purged)
        return report

    async def run(self, interval: float = INTERVAL) -> None:
        """The background job: a run at start, then every `interval` seconds."""
        await every(interval, self.purge, failed="retention_job_failed")
