"""The second stage of a knowledge base kept current: its e5 vectors and the operating point.

The knowledge base hands its entries over after every open and edit. Cached vectors are free;
a large uncached KB is embedded in the background (minutes at 10k FAQs on two cores) while the
first stage answers alone. The operating point is reused when saved for exactly this content,
else calibrated (at once for a small KB, in the background, one run per burst of edits, for a
large one) and saved for the next open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import numpy as np
import structlog

from bot.kb import semantic as semantic_mod
from bot.kb.faq import FaqEntry
from bot.kb.hybrid import HybridSearch
from bot.kb.operating_point import PointFile, content_key

Progress = Callable[[int, int], None]
Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]
_EMBED_BATCH = 256
# More uncached second-stage texts than this are embedded in the background at open.
_INLINE_SEMANTIC = 2000
_INLINE_CALIBRATION = 100  # entries
log = structlog.get_logger(__name__)


class SecondStage:
    def __init__(self, search: HybridSearch, points: PointFile, entries: Callable[[], Mapping[str, FaqEntry]],
                 spawn: Spawn) -> None:
        self._search = search
        self._points = points
        self._entries = entries  # the knowledge base's entries of the moment
        self._spawn = spawn
        self._recalibrating: asyncio.Task[None] | None = None

    async def load(self, entries: list[FaqEntry], progress: Progress | None) -> None:
        """Second-stage vectors for every entry (cached ones are free), then the operating point."""
        sem = self._search.semantic
        if sem is None:
            return
        if len(entries) * 3 > _INLINE_SEMANTIC and not await asyncio.to_thread(self._mostly_cached, entries):
            log.info("kb_second_stage_background", entries=len(entries))
            self._spawn(self._embed(entries, None))
            return
        await self._embed(entries, progress)

    def _mostly_cached(self, entries: list[FaqEntry]) -> bool:
        sem = self._search.semantic
        assert sem is not None
        sample = entries[:: max(1, len(entries) // 50)]
        return sem.cached_share(sample) > 0.9

    async def _embed(self, entries: list[FaqEntry], progress: Progress | None) -> None:
        sem = self._search.semantic
        assert sem is not None
        ids: list[str] = []
        vecs: list[tuple[np.ndarray, np.ndarray]] = []
        for s in range(0, len(entries), _EMBED_BATCH):
            chunk = entries[s : s + _EMBED_BATCH]
            vecs.extend(await asyncio.to_thread(sem.vectors_for, chunk))
            ids.extend(e.id for e in chunk)
            if progress:
                progress(min(s + _EMBED_BATCH, len(entries)), len(entries))
        # Entries edited while this ran were indexed by upsert/delete already; keep theirs.
        current = self._entries()
        keep = [(i, v) for i, v in zip(ids, vecs, strict=True) if current.get(i) is not None]
        fresh = {e.id for e in entries}
        sem.put([i for i, _ in keep], [v for _, v in keep], replace=True)
        for faq_id, e in current.items():
            if faq_id not in fresh:
                sem.put([faq_id], sem.vectors_for([e]))
        await self.save_cache()
        await asyncio.to_thread(self._calibrate_or_reuse)

    async def save_cache(self) -> None:
        """Persist the second-stage vectors of the current entries: the next start reuses them."""
        sem = self._search.semantic
        assert sem is not None
        texts = [t for e in self._entries().values() for part in semantic_mod.entry_texts(e) for t in part]
        await asyncio.to_thread(sem.save_cache, texts)

    def _calibrate_or_reuse(self) -> None:
        """The point saved for exactly this content, else a fresh calibration (about half a second
        per 100 questions) saved for the next open."""
        key = content_key(self._entries().values())
        self._search.point = self._points.reuse_or_calibrate(key, self._search.calibrate)

    async def recalibrate(self) -> None:
        """Recalibrate after an edit: at once for a small KB (well under a second), else in the
        background, one run covering a burst of edits."""
        if self._search.semantic is None:
            return
        # The key is taken here, on the event loop where the entries change; the next open reuses it.
        if len(self._entries()) <= _INLINE_CALIBRATION:
            key = content_key(self._entries().values())
            await asyncio.to_thread(self._points.calibrate, key, self._search.calibrate)
            return
        if self._recalibrating and not self._recalibrating.done():
            return

        async def run() -> None:
            await asyncio.sleep(0.05)
            key = content_key(self._entries().values())
            await asyncio.to_thread(self._points.calibrate, key, self._search.calibrate)

        self._recalibrating = self._spawn(run())
