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
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.kb.candidates import top_rows
from bot.kb.embedding import Embedder
from bot.kb.lexical import LexicalIndex
from bot.kb.tokenize import normalize

CANDIDATES = 48  # rows taken from each of the dense and the lexical ranking
_TIE = 1e-12  # scores closer than this count as equal when checking that ties cannot matter
_MAX_TIES = 4096  # beyond this many tied rows the plain argpartition path is cheaper
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
        c = self.calibration
        self._monotone_dense = c.scale * c.weights[0] > 0  # score rises with dense at zero lexical
        # Searches may run in a worker thread (KnowledgeBase.search_batched) while the event loop
        # upserts; every read and write of the index holds this lock. RLock: rebuild -> upsert.
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._vecs = np.zeros((0, 0), dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._row_faq: list[str | None] = []
        self._row_text: list[str] = []
        self._faq_rows: dict[str, list[int]] = {}
        self._by_text: dict[str, list[int]] = {}  # normalized text -> rows, for exact matches
        self._free: list[int] = []
        self._lex = LexicalIndex()

    def __len__(self) -> int:
        return len(self._faq_rows)

    def __contains__(self, faq_id: object) -> bool:
        return faq_id in self._faq_rows

    def rebuild(self, items: Iterable[tuple[str, Sequence[str]]], vectors: Sequence[np.ndarray] | None = None) -> None:
        """Replace everything. `vectors` (one array per item, aligned with its texts) skips
        embedding, e.g. when they were loaded from Chroma."""
        items = list(items)
        if vectors is None:
            flat = [t for _, texts in items for t in texts]
            all_vecs = self.embedder.embed(flat) if flat else np.zeros((0, 0), np.float32)
            vectors, pos = [], 0
            for _, texts in items:
                vectors.append(all_vecs[pos : pos + len(texts)])
                pos += len(texts)
        with self._lock:
            self._clear()
            for (faq_id, texts), vecs in zip(items, vectors, strict=True):
                self.upsert(faq_id, texts, vecs)

    def upsert(self, faq_id: str, texts: Sequence[str], vectors: np.ndarray | None = None) -> None:
        keep = [i for i, t in enumerate(texts) if t.strip()]
        texts = [texts[i] for i in keep]
        if not keep:
            vecs = np.zeros((0, 0), np.float32)
        elif vectors is None:
            vecs = self.embedder.embed(texts)
        else:
            vecs = np.asarray(vectors, np.float32)[keep]
        with self._lock:
            self.remove(faq_id)
            if not keep:
                return
            rows = []
            for text, vec in zip(texts, vecs, strict=True):
                row = self._free.pop() if self._free else self._new_row(vec.shape[0])
                self._vecs[row] = vec
                self._alive[row] = True
                self._row_faq[row], self._row_text[row] = faq_id, text
                self._lex.set_row(row, text)
                self._by_text.setdefault(normalize(text), []).append(row)
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
        with self._lock:
            rows = self._faq_rows.pop(faq_id, None)
            if rows is None:
                return False
            for row in rows:
                key = normalize(self._row_text[row])
                same = [r for r in self._by_text.get(key, ()) if r != row]
                if same:
                    self._by_text[key] = same
                else:
                    self._by_text.pop(key, None)
                self._alive[row] = False
                self._row_faq[row] = None
                self._lex.set_row(row, None)
                self._free.append(row)
            return True

    def search(self, query: str, top_k: int = 5, *, vector: np.ndarray | None = None) -> list[KBHit]:
        """Best FAQs for `query`, highest calibrated score first. `vector` is the query's
        embedding when the caller computed it already (e.g. asynchronously)."""
        with self._lock:
            n = len(self._row_faq)
            if n == 0 or not self._faq_rows or not query.strip():
                return []
            qv = self.embedder.embed([query])[0] if vector is None else np.asarray(vector, np.float32)
            return self._rank(query, qv, self._vecs[:n] @ qv, top_k)

    def search_many(
        self, queries: Sequence[str], top_k: int = 5, *, vectors: np.ndarray | None = None
    ) -> list[list[KBHit]]:
        """`search` for several queries at once. The dense scores come from one matrix-matrix
        product: the FAQ matrix is read from memory once for the whole batch instead of once
        per query, which is most of a single search's cost. Thread-safe (see `_lock`)."""
        with self._lock:
            n = len(self._row_faq)
            live = [i for i, q in enumerate(queries) if q.strip()]
            out: list[list[KBHit]] = [[] for _ in queries]
            if n == 0 or not self._faq_rows or not live:
                return out
            if vectors is None:
                qvs = self.embedder.embed([queries[i] for i in live])
            else:
                qvs = np.asarray(vectors, np.float32)[live]
            # rows x queries is BLAS's faster layout here; one query's scores are then made contiguous.
            dense = np.ascontiguousarray((self._vecs[:n] @ qvs.T).T)
            for j, i in enumerate(live):
                out[i] = self._rank(queries[i], qvs[j], dense[j], top_k)
            return out

    def _rank(self, query: str, qv: np.ndarray, raw_dense: np.ndarray, top_k: int) -> list[KBHit]:
        n = raw_dense.shape[0]
        alive = self._alive[:n]
        # Freed rows are the only dead ones; with none, masking would copy the array for nothing.
        dense = np.where(alive, raw_dense, -1.0) if self._free else raw_dense
        qcov, dcov = self._lex.scores(query, n)
        if not np.any(qv) and not np.any(qcov):
            return []
        k = min(CANDIDATES, n)
        hits = self._rank_fast(dense, qcov, dcov, alive, k, top_k) if n > 4 * k else None
        if hits is None:
            cand = np.union1d(np.argpartition(-dense, k - 1)[:k], np.argpartition(-qcov, k - 1)[:k])
            hits = list(self._collect(cand[alive[cand]], dense, qcov, dcov, top_k)[0].values())
        return self._certain(query, hits, dense, qcov, top_k)

    def _certain(
        self, query: str, hits: list[KBHit], dense: np.ndarray, qcov: np.ndarray, top_k: int
    ) -> list[KBHit]:
        """The query is, up to case, width and punctuation, the text of exactly one FAQ's question
        or similar question: that FAQ answers it for certain (score 1.0, first), whatever the model
        makes of a short question."""
        key = normalize(query)
        rows = self._by_text.get(key, ()) if key else ()
        faqs = {self._row_faq[r] for r in rows if self._alive[r]}
        if len(faqs) != 1 or None in faqs:
            return hits
        faq_id = next(iter(faqs))  # type: ignore[arg-type]
        row = rows[0]
        sure = KBHit(faq_id, 1.0, self._row_text[row], float(dense[row]), float(qcov[row]))
        return [sure, *(h for h in hits if h.faq_id != faq_id)][:top_k]

    def _rank_fast(
        self, dense: np.ndarray, qcov: np.ndarray, dcov: np.ndarray, alive: np.ndarray, k: int, top_k: int
    ) -> list[KBHit] | None:
        """`_rank`'s answer from `top_rows` (see candidates.py), or None when rows tied at a
        cut-off could change it, depending on which of them argpartition would have kept."""
        tops = (top_rows(dense, k), top_rows(qcov, k))
        sure = np.unique(np.concatenate([t.rows() if t.exact else t.above for t in tops]))
        sure = sure[alive[sure]]
        best, stop, prefix = self._collect(sure, dense, qcov, dcov, top_k)
        if all(t.exact for t in tops):
            return list(best.values())  # the very candidates argpartition gives
        if np.any(np.diff(np.sort(prefix)) <= _TIE):
            return None  # equal scores: their order is argsort's, which depends on the array
        for t, is_lexical in zip(tops, (False, True), strict=True):
            if t.exact:
                continue
            if is_lexical and t.value == 0.0:
                # Ties at zero coverage: every unmatched row. Their dcov is 0 too, so their
                # score grows with dense alone; the best of them must stay below the cut-off.
                rest = (qcov == 0.0) & alive
                rest[sure] = False
                if not rest.any():
                    continue
                top_score = self._score_rows(np.array([np.argmax(np.where(rest, dense, -np.inf))]), dense, qcov, dcov)
                if self._monotone_dense and top_score[0] < stop - _TIE:
                    continue
                return None
            rows = t.ties[alive[t.ties] & ~np.isin(t.ties, sure)]
            if rows.size > _MAX_TIES:
                return None
            for row, score in zip(rows.tolist(), self._score_rows(rows, dense, qcov, dcov).tolist(), strict=True):
                if score < stop - _TIE:
                    continue  # never reached before the answer was complete
                held = best.get(self._row_faq[row] or "")
                if held is None or score > held.score - _TIE:
                    return None  # it would enter the answer or become its FAQ's matched text
        return list(best.values())

    def _score_rows(self, rows: np.ndarray, dense: np.ndarray, qcov: np.ndarray, dcov: np.ndarray) -> np.ndarray:
        return self.calibration.score(dense[rows], qcov[rows], dcov[rows])

    def _collect(
        self, cand: np.ndarray, dense: np.ndarray, qcov: np.ndarray, dcov: np.ndarray, top_k: int
    ) -> tuple[dict[str, KBHit], float, np.ndarray]:
        """Best hit per FAQ over `cand`, highest score first, until `top_k` FAQs; also the score
        that completed them (-inf if fewer) and the scores of the rows it looked at."""
        scores = self._score_rows(cand, dense, qcov, dcov)
        order = np.argsort(-scores)
        best: dict[str, KBHit] = {}
        stop, looked = -math.inf, len(order)
        for pos, i in enumerate(order):
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
                stop, looked = s, pos + 1
                break
        return best, stop, scores[order[:looked]]
