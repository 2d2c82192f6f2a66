"""Micro-batched FAQ searches in a worker thread, for the turns of a busy event loop.

A single search is dominated by reading the whole FAQ vector matrix for one matrix-vector
product (memory-bound). Searches that arrive while the previous batch runs are answered together
by one matrix-matrix product, which reads the matrix once for the whole batch, and the batch runs
in a worker thread: numpy releases the GIL, so the event loop keeps serving requests meanwhile.
Rankings are those of a single search (dense scores may differ in the last float32 bit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bot.kb.retriever import KBHit

MAX_BATCH = 64  # bounds one batch's (queries x rows) score matrix and its latency
AsyncEmbed = Callable[[Sequence[str]], Awaitable[np.ndarray]]
# (queries, top_k, vectors=first-stage query vectors or None) -> hits per query
SearchMany = Callable[..., list[list[KBHit]]]


class SearchBatcher:
    def __init__(self, search_many: SearchMany, aembed: AsyncEmbed | None = None) -> None:
        self._search_many_fn = search_many
        self._aembed = aembed  # an API embedder embeds the whole batch in one request
        self._executor: ThreadPoolExecutor | None = None
        self._pending: list[tuple[str, int, asyncio.Future[list[KBHit]]]] = []
        self._task: asyncio.Task[None] | None = None

    async def search(self, query: str, top_k: int) -> list[KBHit]:
        fut: asyncio.Future[list[KBHit]] = asyncio.get_running_loop().create_future()
        self._pending.append((query, top_k, fut))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return await fut

    async def _run(self) -> None:
        await asyncio.sleep(0)  # let the other turns of this loop iteration join the batch
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await self._search([(q, k) for q, k, _ in batch])
            except Exception as exc:  # each caller falls back to its own synchronous search
                for _, _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, _, fut), hits in zip(batch, results, strict=True):
                if not fut.done():  # the waiting turn may have been cancelled
                    fut.set_result(hits)

    async def _search(self, items: list[tuple[str, int]]) -> list[list[KBHit]]:
        loop = asyncio.get_running_loop()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="kb-search")
        out: list[list[KBHit]] = [[] for _ in items]
        for k in sorted({k for _, k in items}):  # one top_k in practice (the configured one)
            idx = [i for i, (_, kk) in enumerate(items) if kk == k]
            queries = [items[i][0] for i in idx]
            vectors = await self._aembed(queries) if self._aembed is not None else None
            hits = await loop.run_in_executor(self._executor, self._search_many, queries, k, vectors)
            for i, h in zip(idx, hits, strict=True):
                out[i] = h
        return out

    def _search_many(self, queries: list[str], k: int, vectors: np.ndarray | None) -> list[list[KBHit]]:
        return self._search_many_fn(queries, k, vectors=vectors)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
