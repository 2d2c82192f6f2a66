"""Homophone typos: a Chinese question with the wrong character of the right sound still finds
its entry, and nothing else in the question is rewritten."""

from __future__ import annotations

from bot.kb.typos import HomophoneIndex

KB_TEXTS = ["如何申请退款？", "在订单详情页点击申请发票。", "支持微信支付、支付宝和花呗分期。",
            "付款后 48 小时内发货。"]


def test_the_knowledge_bases_own_words_replace_their_homophones() -> None:
    index = HomophoneIndex(KB_TEXTS)
    assert index.correct("退宽怎么弄") == "退款怎么弄"
    assert index.correct("发漂怎么开啊") == "发票怎么开啊"
    assert index.correct("能用花被吗") == "能用花呗吗"  # 花呗 is in no dictionary, only in this KB


def test_words_people_mean_and_text_across_words_stay() -> None:
    index = HomophoneIndex([*KB_TEXTS, "实现的时候"])
    assert index.correct("我要退款") is None  # already the KB's word
    assert index.correct("今天的时候下雨吗") is None  # "的时" spans two words: no candidate
    assert index.correct("这个事件怎么处理") is None  # 事件 is a common word, not a typo of anything
    assert index.correct("hello") is None and HomophoneIndex([]).correct("退宽") is None


def test_two_candidates_are_no_correction() -> None:
    assert HomophoneIndex(["退款", "推款"]).correct("腿款") is None

