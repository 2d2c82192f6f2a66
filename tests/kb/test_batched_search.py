"""Batched searches answer exactly what a single `search` answers."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from benchmarks.kb_data import generate_faqs, generate_messages
from bot.config import Settings
from bot.kb.candidates import top_rows
from bot.kb.faq import FaqEntry
from bot.kb.knowledge_base import KnowledgeBase
from bot.kb.retriever import CANDIDATES, KBHit, Retriever
from bot.kb.search_setup import make_retriever
from tests.fakes import InMemoryFaqStore


def _same(a: list[KBHit], b: list[KBHit]) -> None:
    assert [(h.faq_id, h.matched_text) for h in a] == [(h.faq_id, h.matched_text) for h in b]
    # The batch takes its dense scores from a matrix product: equal up to float32 rounding.
    assert np.allclose([h.score for h in a], [h.score for h in b], rtol=0, atol=1e-5)


@pytest.fixture(scope="module")
def big() -> tuple[Retriever, list[str]]:
    """Templated FAQs (many rows tie on lexical coverage) with more rows than candidates."""
    faqs = generate_faqs(300, 7)
    retriever = make_retriever(Settings())
    retriever.rebuild((f.entry["id"], [f.entry["question"], *f.entry["similar_questions"]]) for f in faqs)
    return retriever, generate_messages(faqs, 200, 7)


def _argpartition_rank(retriever: Retriever, query: str, top_k: int) -> list[KBHit]:
    """The ranking with plain argpartition candidates (the reference `_rank_fast` must match)."""
    n = len(retriever._row_faq)
    qv = retriever.embedder.embed([query])[0]
    dense = retriever._vecs[:n] @ qv
    qcov, dcov = retriever._lex.scores(query, n)
    k = min(CANDIDATES, n)
    cand = np.union1d(np.argpartition(-dense, k - 1)[:k], np.argpartition(-qcov, k - 1)[:k])
    hits = list(retriever._collect(cand, dense, qcov, dcov, top_k)[0].values())
    return retriever._certain(query, hits, dense, qcov, top_k)  # both paths end with the exact-match rule


def test_fast_candidates_give_the_argpartition_ranking(big: tuple[Retriever, list[str]]) -> None:
    retriever, queries = big
    assert len(retriever._row_faq) > 4 * CANDIDATES  # the fast path is taken
    for query in queries:
        assert retriever.search(query, 5) == _argpartition_rank(retriever, query, 5)


def test_search_many_matches_search(big: tuple[Retriever, list[str]]) -> None:
    retriever, queries = big
    batch = [*queries[:40], "", "   "]
    many = retriever.search_many(batch, 5)
    assert len(many) == len(batch) and many[-1] == [] and many[-2] == []
    for query, hits in zip(batch[:40], many[:40], strict=True):
        _same(hits, retriever.search(query, 5))


def test_search_many_on_the_small_kb(settings: Settings, faqs: list[FaqEntry]) -> None:
    retriever = make_retriever(settings)
    retriever.rebuild((e.id, e.texts) for e in faqs)
    queries = ["退款要怎么申请", "什么时候发货", "I forgot my password", "今天天气怎么样"]
    for query, hits in zip(queries, retriever.search_many(queries, 3), strict=True):
        _same(hits, retriever.search(query, 3))
    retriever.remove("refund")  # freed rows are masked in batches too
    assert all(h.faq_id != "refund" for h in retriever.search_many(["退款要怎么申请"], 5)[0])


def test_top_rows_separates_ties() -> None:
    x = np.array([5.0, 1.0, 3.0, 3.0, 3.0, 0.0, 4.0] * 20)
    top = top_rows(x, 3)
    assert top.value == 5.0 and not top.exact  # twenty 5.0s compete for three places
    top = top_rows(np.arange(200, dtype=np.float32), 10)
    assert top.exact and sorted(top.rows().tolist()) == list(range(190, 200))
    x = np.zeros(500)
    x[[3, 70, 400]] = [0.5, 0.2, 0.9]
    top = top_rows(x, 5)  # fewer than k non-zero values: the zeros tie at the cut-off
    assert sorted(top.above.tolist()) == [3, 70, 400] and top.value == 0.0 and not top.exact


async def test_batched_search_answers_like_search_and_sees_index_changes(
    settings: Settings, store: InMemoryFaqStore
) -> None:
    kb = await KnowledgeBase.open(settings, store)
    try:
        queries = ["退款要怎么申请", "多久能发货", "密码忘了"]
        got = await asyncio.gather(*(kb.search_batched(q) for q in queries))
        expected = [kb.search(q) for q in queries]
        assert [[(r.entry.id, r.matched_text) for r in rs] for rs in got] == \
            [[(r.entry.id, r.matched_text) for r in rs] for rs in expected]
        await kb.delete("refund")
        assert all(r.entry.id != "refund" for r in await kb.search_batched("退款要怎么申请"))
        assert await kb.search_batched("   ") == kb.search("   ")  # nothing to search
    finally:
        await kb.close()
