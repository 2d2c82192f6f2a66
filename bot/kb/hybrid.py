"""Two-stage FAQ search: certain matches, the static first stage, the e5 second stage.

1. The query is, up to width, case, punctuation and spaces, a question of exactly one FAQ: that
   FAQ, score 1.0, and no model is run.
2. The first stage (retriever.py: static vectors + BM25, about a millisecond at 10k FAQs) ranks
   candidates. Without a second stage its calibrated scores are the answer.
3. The second stage (semantic.py) scores every FAQ with e5; the operating point
   (operating_point.py) turns top score and margin into P(right). A near-exact match (a KB
   question with a typo or a word changed, difflib ratio >= 0.9) among the best candidates is
   certain too.

Thread-safe like the retriever: searches run in the batcher's worker thread while the event loop
applies edits.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Sequence

import numpy as np

from bot.kb.faq import FaqEntry
from bot.kb.operating_point import OperatingPoint, chatter_corpus, from_near_misses, sample_questions
from bot.kb.retriever import KBHit, Retriever
from bot.kb.semantic import SemanticIndex
from bot.kb.tokenize import normalize

NEAR_EXACT = 0.9
_NEAR_EXACT_MIN_CHARS = 5  # "退款" vs "退货" must not count as a typo of each other
_NEAR_EXACT_CANDIDATES = 3
_STAGE1_K = 10


def exact_key(text: str) -> str:
    return "".join(normalize(text).split())


class HybridSearch:
    def __init__(self, retriever: Retriever, semantic: SemanticIndex | None = None) -> None:
        self.retriever = retriever
        self.semantic = semantic
        self.point = OperatingPoint()
        self._lock = threading.RLock()
        self._keys: dict[str, tuple[str, ...]] = {}  # faq id -> exact keys of its questions
        self._texts: dict[str, tuple[str, ...]] = {}  # faq id -> question, similar questions
        self._by_key: dict[str, set[str]] = {}

    @property
    def second_stage(self) -> bool:
        return self.semantic is not None and len(self.semantic) > 0

    def __len__(self) -> int:
        return len(self.retriever)

    # -- edits ---------------------------------------------------------------------------------
    def put_texts(self, entries: Sequence[FaqEntry]) -> None:
        with self._lock:
            for e in entries:
                self.remove_texts(e.id)
                keys = tuple(dict.fromkeys(k for k in map(exact_key, e.texts) if k))
                self._keys[e.id] = keys
                self._texts[e.id] = tuple(t for t in e.texts if t.strip())
                for k in keys:
                    self._by_key.setdefault(k, set()).add(e.id)

    def remove_texts(self, faq_id: str) -> None:
        with self._lock:
            for k in self._keys.pop(faq_id, ()):
                owners = self._by_key.get(k)
                if owners is not None:
                    owners.discard(faq_id)
                    if not owners:
                        del self._by_key[k]
            self._texts.pop(faq_id, None)

    def clear_texts(self) -> None:
        with self._lock:
            self._keys, self._texts, self._by_key = {}, {}, {}

    def duplicates(self) -> list[tuple[str, tuple[str, ...]]]:
        """Questions (exact keys) that more than one FAQ carries, with those FAQs' ids."""
        with self._lock:
            return sorted((k, tuple(sorted(ids))) for k, ids in self._by_key.items() if len(ids) > 1)

    # -- calibration ---------------------------------------------------------------------------
    def calibrate(self) -> OperatingPoint:
        """Measure this KB's near-miss level (see operating_point.py); sets and returns it."""
        if self.semantic is None:
            return self.point
        with self._lock:
            items = [(fid, q) for fid in sorted(self._texts) for q in self._texts[fid]]
        sample = sample_questions(items)
        chatter = chatter_corpus()
        ids, scores = self.semantic.scores(self.semantic.calibration_queries([*(q for _, q in sample), *chatter]))
        if not ids:
            self.point = OperatingPoint()
            return self.point
        tops = scores[len(sample) :].max(axis=1).tolist()
        scores = scores[: len(sample)]
        col = {fid: j for j, fid in enumerate(ids)}
        best: list[float] = []
        margins: list[float] = []
        for row, (fid, _) in enumerate(sample):
            wrong = np.delete(scores[row], col[fid]) if fid in col else scores[row]
            if len(wrong) == 0:
                continue
            two = np.sort(wrong)[-2:]
            best.append(float(two[-1]))
            if len(two) == 2:
                margins.append(float(two[1] - two[0]))
        self.point = from_near_misses(best, margins, tops)
        return self.point

    # -- search --------------------------------------------------------------------------------
    def search(self, query: str, top_k: int = 5) -> list[KBHit]:
        return self.search_many([query], top_k)[0]

    def search_many(
        self, queries: Sequence[str], top_k: int = 5, *, vectors: np.ndarray | None = None
    ) -> list[list[KBHit]]:
        first = self.retriever.search_many(queries, max(top_k, _STAGE1_K), vectors=vectors)
        out: list[list[KBHit]] = []
        need: list[int] = []
        for i, q in enumerate(queries):
            sure = self._exact(q)
            if sure is not None:
                out.append([sure, *(h for h in first[i] if h.faq_id != sure.faq_id)][:top_k])
            else:
                out.append(first[i][:top_k])
                if self.second_stage and q.strip():
                    need.append(i)
        if need:
            assert self.semantic is not None
            ids, scores = self.semantic.scores(self.semantic.encoder.queries([queries[i] for i in need]))
            for row, i in enumerate(need):
                lexical = {h.faq_id: h.lexical for h in first[i]}
                out[i] = self._second(queries[i], ids, scores[row], lexical, top_k)
        return out

    def _exact(self, query: str) -> KBHit | None:
        key = exact_key(query)
        with self._lock:
            owners = self._by_key.get(key) if key else None
            if not owners or len(owners) != 1:
                return None  # duplicates across entries: left to the ranking, ties by id
            faq_id = next(iter(owners))
            return KBHit(faq_id, 1.0, self._question(faq_id), 1.0, 1.0)

    def _second(
        self, query: str, ids: list[str], scores: np.ndarray, lexical: dict[str, float], top_k: int
    ) -> list[KBHit]:
        if not ids:
            return []
        k = min(len(ids), max(top_k, _NEAR_EXACT_CANDIDATES) + 1)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
        order = sorted(top.tolist(), key=lambda j: (-float(scores[j]), ids[j]))  # ties: by id
        point = self.point
        hits: list[KBHit] = []
        for pos, j in enumerate(order):
            s = float(scores[j])
            other = float(scores[order[1]]) if pos == 0 and len(order) > 1 else None
            if pos > 0:
                other = float(scores[order[0]])
            hits.append(
                KBHit(ids[j], point.probability(s, other), self._question(ids[j]), s, lexical.get(ids[j], 0.0))
            )
        near = self._near_exact(query, [h.faq_id for h in hits[:_NEAR_EXACT_CANDIDATES]])
        if near is not None:
            hits = [KBHit(near, 1.0, self._question(near), 1.0, 1.0), *(h for h in hits if h.faq_id != near)]
        return hits[:top_k]

    def _question(self, faq_id: str) -> str:
        texts = self._texts.get(faq_id)
        return texts[0] if texts else ""

    def _near_exact(self, query: str, candidates: list[str]) -> str | None:
        key = exact_key(query)
        if len(key) < _NEAR_EXACT_MIN_CHARS:
            return None
        with self._lock:
            for faq_id in candidates:
                for k in self._keys.get(faq_id, ()):
                    if len(k) == len(key) and sorted(k) == sorted(key):
                        return faq_id  # the same characters reordered: "发票怎么开" is "怎么开发票"
                    if abs(len(k) - len(key)) <= max(2, len(key) // 5):
                        if difflib.SequenceMatcher(None, key, k, autojunk=False).ratio() >= NEAR_EXACT:
                            return faq_id
        return None
