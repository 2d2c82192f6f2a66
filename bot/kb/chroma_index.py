"""Persistence of FAQ text embeddings in Chroma: one collection per embedder.

Chroma is the durable copy of the vectors, so a restart loads them instead of re-embedding
(which matters for a paid /v1/embeddings API) and `reindex` can rebuild it from the FAQ
store, the source of truth. Searches do NOT query Chroma: an HNSW query through its client
costs milliseconds, while the in-memory matrix in retriever.py answers in microseconds and
mixes in lexical evidence.

Rows: id `f"{faq_id}#{i}"` (i = position in FaqEntry.texts), document = the text, metadata
{faq_id, i}; embeddings are always given by us, never computed by Chroma (no default model,
no download). Telemetry is off. chromadb is imported and the client opened on first use: that
takes ~1 s.
All methods are synchronous; the knowledge base calls them in a worker thread.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import ChromaConfig
from bot.core.private import private_dir, restrict_tree

_BATCH = 2000


def collection_name(embedder_name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", embedder_name).strip("._-") or "default"
    return f"faq_{safe}"[:60]


class ChromaIndex:
    """Opened on first use (a warm start and a read-only `search_kb` never need it: the vectors
    come from the data directory's snapshot, see knowledge_base.py)."""

    def __init__(self, cfg: ChromaConfig, data_dir: Path, embedder_name: str) -> None:
        self._cfg = cfg
        self._path = data_dir / "chroma" if cfg.mode != "server" else None
        self.name = collection_name(embedder_name)
        self._client: Any = None
        self._collection: Any = None
        self._lock = threading.Lock()

    @property
    def opened(self) -> bool:
        return self._client is not None

    @property
    def _col(self) -> Any:
        if self._collection is None:
            with self._lock:
                if self._collection is None:
                    self._connect()
        return self._collection

    def _connect(self) -> None:
        import chromadb  # ~1 s with the client: only when Chroma is read or written
        from chromadb.config import Settings as ChromaSettings

        cfg = self._cfg
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if cfg.mode == "server":
            self._client = chromadb.HttpClient(host=cfg.host, port=cfg.port, settings=chroma_settings)
        else:
            assert self._path is not None
            self._client = chromadb.PersistentClient(path=str(private_dir(self._path)), settings=chroma_settings)
        self._collection = self._open()
        self._restrict()

    def _restrict(self) -> None:
        """Chroma creates its SQLite file and HNSW segment files itself; make them owner-only."""
        if self._path is not None:
            restrict_tree(self._path)

    def _open(self) -> Any:
        return self._client.get_or_create_collection(
            self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def load(self) -> dict[str, dict[int, tuple[str, np.ndarray]]]:
        """faq_id -> {i: (text, vector)} for everything stored."""
        out: dict[str, dict[int, tuple[str, np.ndarray]]] = {}
        total = self._col.count()
        for offset in range(0, total, _BATCH):
            got = self._col.get(include=["embeddings", "documents", "metadatas"], limit=_BATCH, offset=offset)
            for doc, meta, vec in zip(got["documents"], got["metadatas"], got["embeddings"], strict=True):
                out.setdefault(str(meta["faq_id"]), {})[int(meta["i"])] = (
                    doc,
                    np.asarray(vec, dtype=np.float32),
                )
        return out

    def put(self, faq_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store one FAQ's vectors, replacing what it had."""
        self.delete(faq_id)
        if not texts:
            return
        self._col.add(
            ids=[f"{faq_id}#{i}" for i in range(len(texts))],
            documents=list(texts),
            metadatas=[{"faq_id": faq_id, "i": i} for i in range(len(texts))],
            embeddings=np.asarray(vectors, dtype=np.float32),
        )
        self._restrict()

    def put_many(self, items: Sequence[tuple[str, Sequence[str], np.ndarray]]) -> None:
        """Bulk insert of FAQs not stored yet (rebuilds and first start)."""
        ids: list[str] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        vecs: list[np.ndarray] = []
        for faq_id, texts, vectors in items:
            for i, text in enumerate(texts):
                ids.append(f"{faq_id}#{i}")
                docs.append(text)
                metas.append({"faq_id": faq_id, "i": i})
                vecs.append(vectors[i])
        for s in range(0, len(ids), _BATCH):
            self._col.upsert(
                ids=ids[s : s + _BATCH],
                documents=docs[s : s + _BATCH],
                metadatas=metas[s : s + _BATCH],
                embeddings=np.asarray(vecs[s : s + _BATCH], dtype=np.float32),
            )
        self._restrict()

    def delete(self, faq_id: str) -> None:
        self._col.delete(where={"faq_id": faq_id})

    def delete_many(self, faq_ids: Sequence[str]) -> None:
        for s in range(0, len(faq_ids), _BATCH):
            self._col.delete(where={"faq_id": {"$in": list(faq_ids[s : s + _BATCH])}})

    def reset(self) -> None:
        """Drop and recreate this embedder's collection."""
        self._col  # noqa: B018 (connects)
        try:
            self._client.delete_collection(self.name)
        except Exception:
            pass
        self._collection = self._open()
        self._restrict()

    def count(self) -> int:
        return int(self._col.count())

    def close(self) -> None:
        """Release Chroma's System for this path: chromadb keeps one per persist directory in a
        class-level cache until closed (about 80 MB each), so every service or test that opened a
        data directory would otherwise keep its own forever."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
        self._client = self._collection = None
