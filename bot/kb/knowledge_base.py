"""The knowledge-base facade: FAQ store (source of truth) + Chroma (vectors) + in-memory retriever.

Writes go to the store first, then to Chroma and the in-memory index. `open` loads every FAQ,
reuses the vectors Chroma already holds for unchanged texts and embeds only what is missing
or changed. `search` is synchronous and in-process (operators' `search_kb`, the HTTP search);
`search_batched` is what customer turns use: batched with the concurrent turns' queries and run
in a worker thread (batch.py), so the event loop keeps serving while retrieval computes.

The first-stage vectors are also kept by text (kept_vectors.py): when the file holds every
current text, `open` reads them from there and leaves Chroma closed (opening it costs about a
second: a warm start, a read-only `search_kb`). Chroma is then checked against the entries, and
repaired, on the first write, or by `check_index` (the service runs it once it listens). A KB
opened with `defer_index` (the local `add_faq`) writes the store, the kept vectors and the caches
but not Chroma: the FAQ table is the source of truth and Chroma an index of it, which the next
service start's check brings up to date.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import structlog

from bot.config import Settings
from bot.kb.batch import SearchBatcher
from bot.kb.chroma_index import ChromaIndex
from bot.kb.embedding import Embedder
from bot.kb.faq import FaqEntry
from bot.kb.kept_vectors import KeptVectors, repair_index, same_rows
from bot.kb.operating_point import OperatingPoint, PointFile
from bot.kb.results import TYPO_ANSWER_BAR, KBResult, confident, corrected
from bot.kb.retriever import KBHit, Retriever
from bot.kb.search_setup import make_retriever, make_search
from bot.kb.second_stage import SecondStage
from bot.kb.tokenize import is_cjk
from bot.kb.typos import TypoRescue

Progress = Callable[[int, int], None]
_EMBED_BATCH = 256
log = structlog.get_logger(__name__)

if TYPE_CHECKING:
    from bot.store.protocols import FaqStore


def _embed_all(embedder: Embedder, texts: list[str], progress: Progress | None, base: int, total: int) -> np.ndarray:
    chunks = []
    for s in range(0, len(texts), _EMBED_BATCH):
        chunks.append(embedder.embed(texts[s : s + _EMBED_BATCH]))
        if progress:
            progress(base + min(s + _EMBED_BATCH, len(texts)), total)
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)


def _split(entries: Sequence[FaqEntry], vectors: np.ndarray) -> list[np.ndarray]:
    out, pos = [], 0
    for e in entries:
        out.append(vectors[pos : pos + len(e.texts)])
        pos += len(e.texts)
    return out


class KnowledgeBase:
    def __init__(self, settings: Settings, store: FaqStore, retriever: Retriever, index: ChromaIndex) -> None:
        self._settings = settings
        self._store = store
        self._retriever = retriever
        self._index = index
        self._entries: dict[str, FaqEntry] = {}
        self._typos = TypoRescue(lambda: list(self._entries.values()))  # reset whenever the entries change
        self._write_lock = asyncio.Lock()
        self._search = make_search(settings, retriever)
        self._batcher = SearchBatcher(self._search.search_many, getattr(retriever.embedder, "aembed", None))
        self._background: set[asyncio.Task[None]] = set()
        self._seq = 0  # the last change-feed entry this KB has applied
        points = PointFile(settings.data_dir / "operating_point.json")
        self._stage = SecondStage(self._search, points, lambda: self._entries, self._spawn)
        self._kept = KeptVectors(settings.data_dir, retriever.embedder.name)
        self._index_checked = False  # Chroma was compared with the entries (and repaired)
        self.defer_index = False  # writes leave Chroma to the next check (see the module docstring)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        store: FaqStore,
        *,
        progress: Progress | None = None,
        embedder: Embedder | None = None,
    ) -> KnowledgeBase:
        retriever = make_retriever(settings, embedder)
        index = ChromaIndex(settings.storage.chroma, settings.data_dir, retriever.embedder.name)  # opens on use
        kb = cls(settings, store, retriever, index)
        kb._seq = await store.last_change()  # read before the rows: a write in between is replayed
        entries = await store.list_faqs()
        stored = await asyncio.to_thread(kb._kept.rows, entries)
        if stored is None:  # a text without a kept vector: compare with Chroma, as the first start does
            stored = await asyncio.to_thread(index.load)
            kb._index_checked = True
        await kb._sync(entries, stored, progress)
        return kb

    async def _ensure_index(self) -> None:
        """Open Chroma and bring it in line with the entries (the write lock is held)."""
        if self._index_checked:
            return
        entries = list(self._entries.values())
        rewritten, removed = await asyncio.to_thread(repair_index, self._index, entries, self._kept, self.embedder)
        if rewritten or removed:
            log.info("kb_index_repaired", rewritten=rewritten, removed=removed)
        self._index_checked = True

    async def check_index(self) -> None:
        """Compare Chroma with the entries and repair it (the service runs this once, after start)."""
        async with self._write_lock:
            await self._ensure_index()

    def check_index_soon(self) -> None:
        async def run() -> None:
            try:
                await self.check_index()
            except Exception:  # e.g. a Chroma server that is down: the next write tries again
                log.exception("kb_index_check_failed")

        self._spawn(run())

    async def _sync(
        self,
        entries: list[FaqEntry],
        stored: dict[str, dict[int, tuple[str, np.ndarray]]],
        progress: Progress | None,
    ) -> None:
        """Reuse stored vectors whose texts are unchanged, embed the rest, drop orphans."""
        fresh: list[FaqEntry] = []
        vectors: dict[str, np.ndarray] = {}
        for e in entries:
            rows = stored.get(e.id, {})
            if same_rows(rows, e.texts):
                vectors[e.id] = np.stack([rows[i][1] for i in range(len(e.texts))])
            else:
                fresh.append(e)
        ids = {e.id for e in entries}
        orphans = [f for f in stored if f not in ids]
        total = sum(len(e.texts) for e in entries)
        done = total - sum(len(e.texts) for e in fresh)
        if progress:
            progress(done, total)
        emb = self._retriever.embedder
        flat = [t for e in fresh for t in e.texts]
        new = await asyncio.to_thread(_embed_all, emb, flat, progress, done, total)
        new_vecs = _split(fresh, new)
        if orphans or fresh:
            await asyncio.to_thread(self._index.delete_many, [*orphans, *(e.id for e in fresh)])
            await asyncio.to_thread(
                self._index.put_many, [(e.id, e.texts, v) for e, v in zip(fresh, new_vecs, strict=True)]
            )
        vectors.update({e.id: v for e, v in zip(fresh, new_vecs, strict=True)})
        self._entries = {e.id: e for e in entries}
        self._typos.reset()
        self._retriever.rebuild(((e.id, e.texts) for e in entries), [vectors[e.id] for e in entries])
        await asyncio.to_thread(self._kept.keep, entries, [vectors[e.id] for e in entries], entries)
        self._search.clear_texts()
        self._search.put_texts(entries)
        await self._stage.load(entries, progress)

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def settled(self) -> None:
        """Wait for background second-stage indexing and recalibration (CLI commands, tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    @property
    def operating_point(self) -> OperatingPoint:
        return self._search.point

    @property
    def second_stage(self) -> bool:
        return self._search.second_stage

    def explain(self) -> dict[str, Any]:
        """How match decisions are made for this KB (search_kb --explain, ?explain=1)."""
        sem = self._search.semantic
        return {
            "threshold": self.threshold,
            "score": "estimated probability that the top answer is right; exact and near-exact"
            " question matches score 1.0",
            "first_stage": self.embedder.name,
            "second_stage": sem.encoder.name if sem is not None else None,
            "second_stage_ready": self._search.second_stage,
            "operating_point": self._search.point.as_dict() if sem is not None else None,
            "entries": len(self._entries),
            "duplicate_questions": len(self._search.duplicates()),
        }

    def duplicate_questions(self) -> list[tuple[str, tuple[str, ...]]]:
        return self._search.duplicates()


    @property
    def store(self) -> FaqStore:
        return self._store

    @property
    def threshold(self) -> float:
        return self._settings.knowledge_base.similarity_threshold

    @property
    def embedder(self) -> Embedder:
        return self._retriever.embedder

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, faq_id: str) -> FaqEntry | None:
        return self._entries.get(faq_id)

    def first_entries(self, n: int) -> list[FaqEntry]:
        """The first `n` entries in the knowledge base's own order (operators list the common ones first)."""
        return list(itertools.islice(self._entries.values(), n))

    async def upsert(self, entries: Sequence[FaqEntry]) -> tuple[int, int]:
        async with self._write_lock:
            result = await self._store.upsert_faqs(entries)
            await self._apply(entries, persist=True)
            return result

    async def _apply(self, entries: Sequence[FaqEntry], *, persist: bool) -> None:
        """Index `entries` in memory (and in Chroma when `persist`: the writer persists, readers
        of the change feed only load)."""
        flat = [t for e in entries for t in e.texts]
        vecs = _split(entries, await asyncio.to_thread(_embed_all, self.embedder, flat, None, 0, 0))
        if persist and self.defer_index:
            self._index_checked = False
        elif persist:
            await self._ensure_index()
            await asyncio.to_thread(self._index.delete_many, [e.id for e in entries])
            await asyncio.to_thread(
                self._index.put_many, [(e.id, e.texts, v) for e, v in zip(entries, vecs, strict=True)]
            )
        sem = self._search.semantic
        sem_vecs = await asyncio.to_thread(sem.vectors_for, list(entries)) if sem is not None else None
        for e, v in zip(entries, vecs, strict=True):
            self._retriever.upsert(e.id, e.texts, v)
            self._entries[e.id] = e
        self._typos.reset()
        self._search.put_texts(entries)
        if persist:
            await asyncio.to_thread(self._kept.keep, entries, vecs, list(self._entries.values()))
        if sem is not None and sem_vecs is not None:
            sem.put([e.id for e in entries], sem_vecs)
            if persist:  # else the first start's FAQ-file sync was re-embedded at the second start
                await self._stage.save_cache()
            await self._stage.recalibrate()

    async def delete(self, faq_id: str) -> bool:
        async with self._write_lock:
            found = await self._store.delete_faq(faq_id)
            if self.defer_index:
                self._index_checked = False
            else:
                await self._ensure_index()
                await asyncio.to_thread(self._index.delete, faq_id)
            dropped = self._drop(faq_id)
            await self._stage.recalibrate()
            return dropped or found

    def _drop(self, faq_id: str) -> bool:
        self._retriever.remove(faq_id)
        self._search.remove_texts(faq_id)
        if self._search.semantic is not None:
            self._search.semantic.remove(faq_id)
        self._typos.reset()
        return self._entries.pop(faq_id, None) is not None

    async def reindex(self, progress: Progress | None = None) -> int:
        """Drop the Chroma collection and rebuild it and the in-memory index from the store."""
        async with self._write_lock:
            entries = await self._store.list_faqs()
            await asyncio.to_thread(self._index.reset)
            self._index_checked = True
            await self._sync(entries, {}, progress)
            await self._store.record_reindex()
            return len(entries)

    async def refresh(self) -> int:
        """Apply the FAQ writes other processes (the CLI, another worker) made since the last call;
        the running service calls this about twice a second. Returns the number of changes seen."""
        changes = await self._store.changes_since(self._seq)
        if not changes:
            return 0
        async with self._write_lock:
            changes = await self._store.changes_since(self._seq)
            if not changes:
                return 0
            if any(op == "reindex" for _, _, op in changes):
                self._seq = await self._store.last_change()
                await self._sync(await self._store.list_faqs(), await asyncio.to_thread(self._index.load), None)
                self._index_checked = True
                log.info("kb_reloaded", entries=len(self._entries))
                return len(changes)
            self._seq = changes[-1][0]
            touched = list(dict.fromkeys(fid for _, fid, _ in changes if fid))
            current = await self._store.get_faqs(touched)
            fresh = [e for fid, e in current.items() if self._entries.get(fid) != e]
            gone = [fid for fid in touched if fid not in current and fid in self._entries]
            if fresh:
                await self._apply(fresh, persist=False)
            for fid in gone:
                self._drop(fid)
            if gone:
                await self._stage.recalibrate()
            if fresh or gone:
                log.info("kb_refreshed", updated=len(fresh), deleted=len(gone))
            return len(changes)

    def _results(self, hits: list[KBHit], bar: float | None = None) -> list[KBResult]:
        t = self.threshold if bar is None else bar
        return [
            KBResult(self._entries[h.faq_id], h.score, h.matched_text, matched=h.score >= t)
            for h in hits
            if h.faq_id in self._entries
        ]

    def search(self, query: str, top_k: int | None = None) -> list[KBResult]:
        k = top_k or self._settings.knowledge_base.top_k
        results = self._results(self._search.search(query, k))
        fixed = None if confident(results) else self._typos.correct(query)
        return results if fixed is None else self._corrected(results, self._search.search(fixed, k))

    async def search_batched(self, query: str, top_k: int | None = None) -> list[KBResult]:
        """`search` for a customer turn: batched with concurrent turns and off the event loop (an
        API embedder embeds the batch in one request)."""
        k = top_k or self._settings.knowledge_base.top_k
        if not query.strip():
            return self.search(query, k)
        results = self._results(await self._batcher.search(query, k))
        if confident(results) or not is_cjk(query):  # only Chinese has homophone typos: no thread hop
            return results
        # A miss in Chinese may be a homophone typo ("退宽"): ask again with the KB's own word.
        fixed = await asyncio.to_thread(self._typos.correct, query)
        return results if fixed is None else self._corrected(results, await self._batcher.search(fixed, k))

    def _corrected(self, results: list[KBResult], hits: list[KBHit]) -> list[KBResult]:
        return corrected(results, self._results(hits, bar=max(self.threshold, TYPO_ANSWER_BAR)), self.threshold)

    def best_match(self, query: str) -> KBResult | None:
        results = self.search(query, 1)
        return results[0] if results and results[0].matched else None

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*list(self._background), return_exceptions=True)
        await asyncio.to_thread(self._batcher.close)
        if self._index.opened:
            self._index.close()
        aclose = getattr(self.embedder, "aclose", None)
        if aclose is not None:
            await aclose()
