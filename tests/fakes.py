"""In-memory fakes of the store protocols, for tests that do not need a database."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.kb.embedding import Embedder
from bot.kb.faq import FaqEntry


class InMemoryFaqStore:
    """Implements bot.kb.knowledge_base.FaqStore with a dict."""

    def __init__(self, entries: Sequence[FaqEntry] = ()) -> None:
        self.faqs: dict[str, FaqEntry] = {e.id: e for e in entries}
        self.changes: list[tuple[int, str | None, str]] = []
        self.meta: dict[str, str] = {}

    def _log(self, faq_id: str | None, op: str) -> None:
        self.changes.append((len(self.changes) + 1, faq_id, op))

    async def list_faqs(self) -> list[FaqEntry]:
        return [self.faqs[k] for k in sorted(self.faqs)]

    async def get_faq(self, faq_id: str) -> FaqEntry | None:
        return self.faqs.get(faq_id)

    async def get_faqs(self, ids: Sequence[str]) -> dict[str, FaqEntry]:
        return {i: self.faqs[i] for i in ids if i in self.faqs}

    async def count(self) -> int:
        return len(self.faqs)

    async def upsert_faqs(self, entries: Sequence[FaqEntry]) -> tuple[int, int]:
        added = sum(e.id not in self.faqs for e in entries)
        self.faqs.update({e.id: e for e in entries})
        for e in entries:
            self._log(e.id, "upsert")
        return added, len(entries) - added

    async def delete_faq(self, faq_id: str) -> bool:
        found = self.faqs.pop(faq_id, None) is not None
        if found:
            self._log(faq_id, "delete")
        return found

    async def record_reindex(self) -> None:
        self._log(None, "reindex")

    async def last_change(self) -> int:
        return len(self.changes)

    async def changes_since(self, seq: int, limit: int = 10_000) -> list[tuple[int, str | None, str]]:
        return self.changes[seq : seq + limit]

    async def get_meta(self, key: str) -> str | None:
        return self.meta.get(key)

    async def set_meta(self, key: str, value: str) -> None:
        self.meta[key] = value


class CountingEmbedder:
    """Wraps an embedder and counts the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)
