"""First-stage vectors kept by text beside Chroma (`first_stage_vectors.npz`, 0600), and the check
that brings Chroma in line with the entries.

Opening Chroma costs about a second (import and client), so a warm open reads the vectors from
this file when it holds every current text, and Chroma stays closed; the knowledge base runs
`repair_index` before its first write to Chroma, and the service once it listens. A text's vector
here is the one the embedder gave for it, which is also what Chroma holds for it: a ranking built
from either is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from bot.kb.chroma_index import ChromaIndex
from bot.kb.embedding import Embedder
from bot.kb.faq import FaqEntry
from bot.kb.semantic import VectorCache

FILE_NAME = "first_stage_vectors.npz"
Rows = dict[str, dict[int, tuple[str, np.ndarray]]]  # ChromaIndex.load's shape: faq id -> {i: (text, vector)}


def same_rows(rows: dict[int, tuple[str, np.ndarray]], texts: Sequence[str]) -> bool:
    return len(rows) == len(texts) and all(rows.get(i, ("",))[0] == t for i, t in enumerate(texts))


class KeptVectors:
    def __init__(self, data_dir: Path, embedder_name: str) -> None:
        self._file = VectorCache(data_dir / FILE_NAME, embedder_name)

    def rows(self, entries: Sequence[FaqEntry]) -> Rows | None:
        """The entries' vectors in `ChromaIndex.load`'s shape, or None if a text has none kept."""
        out: Rows = {}
        for e in entries:
            vecs = self._file.get(e.texts)
            if vecs is None:
                return None
            out[e.id] = {i: (t, vecs[i]) for i, t in enumerate(e.texts)}
        return out

    def get(self, entry: FaqEntry) -> np.ndarray | None:
        return self._file.get(entry.texts)

    def keep(self, entries: Sequence[FaqEntry], vectors: Sequence[np.ndarray], current: Iterable[FaqEntry]) -> None:
        """Remember `entries`' vectors and save the file with the texts of `current` only."""
        for e, v in zip(entries, vectors, strict=True):
            self._file.put(e.texts, v)
        self._file.save(t for e in current for t in e.texts)


def repair_index(
    index: ChromaIndex, entries: Sequence[FaqEntry], kept: KeptVectors, embedder: Embedder
) -> tuple[int, int]:
    """Rewrite the entries whose rows in Chroma differ from their texts (with their kept vectors),
    delete the rows of entries that are gone; returns (rewritten, removed). Synchronous."""
    stored = index.load()
    ids = {e.id for e in entries}
    stale = [e for e in entries if not same_rows(stored.get(e.id, {}), e.texts)]
    orphans = [f for f in stored if f not in ids]
    if stale or orphans:
        vecs = []
        for e in stale:  # kept at every sync and write; embedded again only if the file lost them
            v = kept.get(e)
            vecs.append(v if v is not None else embedder.embed(list(e.texts)))
        index.delete_many([*orphans, *(e.id for e in stale)])
        index.put_many([(e.id, e.texts, v) for e, v in zip(stale, vecs, strict=True)])
    return len(stale), len(orphans)
