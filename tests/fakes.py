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

    async def list_faqs(self) -> list[FaqEntry]:
        return [self.faqs[k] for k in sorted(self.faqs)]

    async def upsert_faqs(self, entries: Sequence[FaqEntry]) -> tuple[int, int]:
        added = sum(e.id not in self.faqs for e in entries)
        self.faqs.update({e.id: e for e in entries})
        return added, len(entries) - added

    async def delete_faq(self, faq_id: str) -> bool:
        return self.faqs.pop(faq_id, None) is not None


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
