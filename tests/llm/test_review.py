"""Which answers need a human: money, refunds, compensation, legal — in Chinese and English."""

from __future__ import annotations

import pytest

from bot.config import ConfigError
from bot.llm.review import needs_review, validate_topics

ALL = ("refund", "money", "compensation", "legal")


@pytest.mark.parametrize(
    ("question", "answer", "topics"),
    [
        ("我想退款", "好的，请提供订单号。", ["refund"]),
        ("这个多少钱", "该商品售价 199 元。", ["money"]),
        ("快递丢了怎么办", "我们会给您补偿一张优惠券。", ["compensation"]),
        ("再不处理我就去12315投诉", "非常抱歉给您带来不便。", ["legal"]),
        ("我要找律师起诉你们，还要赔偿", "抱歉。", ["compensation", "legal"]),
        ("Can I get my money back?", "Refunds take 3-5 days.", ["refund", "money"]),
        ("How much does shipping cost?", "It is $5.", ["money"]),
        ("I will sue you", "We are sorry.", ["legal"]),
        ("Will you compensate me?", "A colleague will check.", ["compensation"]),
    ],
)
def test_topics_are_found_in_question_or_answer(question: str, answer: str, topics: list[str]) -> None:
    assert needs_review(question, answer, ALL) == topics


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("怎么开发票？", "在订单详情页点击申请发票。"),
        ("单元测试在哪个单元", "元旦放假三天。"),  # 元 without an amount is not money
        ("I have an issue with my charger", "Please pursue the steps in the manual."),  # sue/charge inside words
        ("What are your opening hours?", "9:00-18:00 every day."),
    ],
)
def test_ordinary_questions_need_no_review(question: str, answer: str) -> None:
    assert needs_review(question, answer, ALL) == []


def test_only_configured_topics_count() -> None:
    assert needs_review("我要退款，还要赔偿", "", ("legal",)) == []
    assert needs_review("我要退款，还要赔偿", "", ("compensation",)) == ["compensation"]
    assert needs_review("我要退款", "", ()) == []


def test_unknown_topic_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"ai\.review_topics: unknown topic\(s\) refunds; choose from refund"):
        validate_topics(["refunds"])
