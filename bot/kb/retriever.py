"""Hybrid in-memory FAQ retriever: dense cosine + BM25 evidence -> one calibrated score.

Each FAQ text (question or 相似问) is a row of a float32 matrix (grown by doubling, so upserts
append) and of the lexical index. A search embeds the query, takes the best rows by cosine
and by lexical coverage, scores those candidates with a logistic calibration and keeps the
best text per FAQ. At 10k FAQs this is a sub-millisecond matrix-vector product; a Chroma
query would cost milliseconds, so Chroma only persists vectors (see chroma_index.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.kb.embedding import Embedder
from bot.kb.lexical import LexicalIndex

CANDIDATES = 48  # rows taken from each of the dense and the lexical ranking
# Recommended knowledge_base.similarity_threshold for the shipped model and calibration: the
# score that declines 90% of the near-domain out-of-scope queries of the tuning benchmark
# (built from AFQMC train; see knowledge/models/README.md). Scores are P(top answer is right).
RECOMMENDED_THRESHOLD = 0.11


@dataclass(frozen=True)
class KBHit:
    faq_id: str
    score: float  # calibrated, 0..1: estimated probability that this FAQ answers the query
    matched_text: str
    dense: float
    lexical: float


@dataclass(frozen=True)
class Calibration:
    """z = bias + w . [dense, qcov, dcov, dense*qcov] ranks candidates (fitted pointwise);
    score = sigmoid(scale * z + offset) maps the best candidate's z to the probability that it
    is the right answer (fitted on top-1 results), so thresholds read as probabilities."""

    weights: tuple[float, float, float, float] = (9.0, 0.0, 2.0, 1.0)
    bias: float = -10.0
    scale: float = 1.0
    offset: float = 0.0

    @classmethod
    def load(cls, path: Path, embedder_name: str) -> Calibration:
        """The entry for this embedder in a calibration JSON file, else its `default` entry."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        entry = data.get(embedder_name) or data.get("default")
        if not entry:
            return cls()
        return cls(
            weights=tuple(entry["weights"]),  # type: ignore[arg-type]
            bias=float(entry["bias"]),
            scale=float(entry.get("scale", 1.0)),
            offset=float(entry.get("offset", 0.0)),
        )

    def features(self, dense: np.ndarray, qcov: np.ndarray, dcov: np.ndarray) -> np.ndarray:
        return np.stack([dense, qcov, dcov, dense * qcov], axis=1)

    def logit(self, dense: np.ndarray, qcov: np.ndarray, dcov: np.ndarray) -> np.ndarray:
        return self.features(dense, qcov, dcov) @ np.asarray(self.weights) + self.bias

    def score(self, dense: np.ndarray, qcov: np.ndarray, dcov: np.ndarray) -> np.ndarray:
        z = self.scale * self.logit(dense, qcov, dcov) + self.offset
        return 1.0 / (1.0 + np.exp(-z))


class Retriever:
    def __init__(self, embedder: Embedder, calibration: Calibration | None = None) -> None:
        self.embedder = embedder
        self.calibration = calibration or Calibration()
        self._clear()

    def _clear(self) -> None:
        self._vecs = np.zeros((0, 0), dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._row_faq: list[str | None] = []
        self._row_text: list[str] = []
        self._faq_rows: dict[str, list[int]] = {}
        self._free: list[int] = []
        self._lex = LexicalIndex()

    def __len__(self) -> int:
        return len(self._faq_rows)

    def __contains__(self, faq_id: object) -> bool:
        return faq_id in self._faq_rows

    def rebuild(self, items: Iterable[tuple[str, Sequence[str]]], vectors: Sequence[np.ndarray] | None = None) -> None:
        """Replace everything. `vectors` (one array per item, aligned with its texts) skips
        embedding, e.g. when they were loaded from Chroma."""
        self._clear()
        items = list(items)
        if vectors is None:
            flat = [t for _, texts in items for t in texts]
            all_vecs = self.embedder.embed(flat) if flat else np.zeros((0, 0), np.float32)
            vectors, pos = [], 0
            for _, texts in items:
                vectors.append(all_vecs[pos : pos + len(texts)])
                pos += len(texts)
        for (faq_id, texts), vecs in zip(items, vectors, strict=True):
            self.upsert(faq_id, texts, vecs)

    def upsert(self, faq_id: str, texts: Sequence[str], vectors: np.ndarray | None = None) -> None:
        self.remove(faq_id)
        keep = [i for i, t in enumerate(texts) if t.strip()]
        if not keep:
            return
        texts = [texts[i] for i in keep]
        if vectors is None:
            vecs = self.embedder.embed(texts)
        else:
            vecs = np.asarray(vectors, np.float32)[keep]
        rows = []
        for text, vec in zip(texts, vecs, strict=True):
            row = self._free.pop() if self._free else self._new_row(vec.shape[0])
            self._vecs[row] = vec
            self._alive[row] = True
            self._row_faq[row], self._row_text[row] = faq_id, text
            self._lex.set_row(row, text)
            rows.append(row)
        self._faq_rows[faq_id] = rows

    def _new_row(self, dim: int) -> int:
        n = len(self._row_faq)
        if self._vecs.shape[1] != dim and n == 0:
            self._vecs = np.zeros((0, dim), dtype=np.float32)
        if n >= self._vecs.shape[0]:
            grown = np.zeros((max(64, 2 * n), dim), dtype=np.float32)
            grown[:n] = self._vecs[:n]
            self._vecs = grown
            alive = np.zeros(grown.shape[0], dtype=bool)
            alive[:n] = self._alive[:n]
            self._alive = alive
        self._row_faq.append(None)
        self._row_text.append("")
        return n

    def remove(self, faq_id: str) -> bool:
        rows = self._faq_rows.pop(faq_id, None)
        if rows is None:
            return False
        for row in rows:
            self._alive[row] = False
            self._row_faq[row] = None
            self._lex.set_row(row, None)
            self._free.append(row)
        return True

    def search(self, query: str, top_k: int = 5, *, vector: np.ndarray | None = None) -> list[KBHit]:
        """Best FAQs for `query`, highest calibrated score first. `vector` is the query's
        embedding when the caller computed it already (e.g. asynchronously)."""
        n = len(self._row_faq)
        if n == 0 or not self._faq_rows or not query.strip():
            return []
        qv = self.embedder.embed([query])[0] if vector is None else np.asarray(vector, np.float32)
        alive = self._alive[:n]
        dense = np.where(alive, self._vecs[:n] @ qv, -1.0)
        qcov, dcov = self._lex.scores(query, n)
        if not np.any(qv) and not np.any(qcov):
            return []
        k = min(CANDIDATES, n)
        cand = np.union1d(np.argpartition(-dense, k - 1)[:k], np.argpartition(-qcov, k - 1)[:k])
        cand = cand[alive[cand]]
        scores = self.calibration.score(dense[cand], qcov[cand], dcov[cand])
        best: dict[str, KBHit] = {}
        for i in np.argsort(-scores):
            row = int(cand[i])
            faq_id = self._row_faq[row]
            if faq_id is None or faq_id in best:
                continue
            s = float(scores[i])
            best[faq_id] = KBHit(
                faq_id=faq_id,
                score=0.0 if math.isnan(s) else s,
                matched_text=self._row_text[row],
                dense=float(dense[row]),
                lexical=float(qcov[row]),
            )
            if len(best) >= top_k:
                break
        return list(best.values())
