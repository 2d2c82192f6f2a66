"""A question is not a review, and a language the model cannot read is neutral."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.nlu.sentiment import SentimentAnalyzer


@pytest.fixture(scope="module")
def analyzer() -> SentimentAnalyzer:
    return SentimentAnalyzer.load(Settings().models_dir)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Cómo puedo solicitar un reembolso?", "es"),
        ("Comment puis-je obtenir un remboursement ?", "fr"),
        ("Wie kann ich eine Rückerstattung beantragen?", "de"),
        ("환불은 어떻게 신청하나요?", "ko"),
    ],
)
def test_polite_questions_in_unread_languages_are_neutral(
    analyzer: SentimentAnalyzer, text: str, language: str
) -> None:
    assert analyzer.analyze(text, language).label == "neutral"


@pytest.mark.parametrize("text", ["下单后一般多久能送到？", "饭点下单是不是要等很久啊", "话费账单在哪里看？",
                                  "退款一般几天到账"])
def test_neutral_questions_about_delivery_refunds_and_bills_are_not_strongly_negative(
    analyzer: SentimentAnalyzer, text: str
) -> None:
    assert not analyzer.analyze(text, "zh").strongly_negative


def test_an_angry_question_still_counts(analyzer: SentimentAnalyzer) -> None:
    assert analyzer.analyze("退款怎么还没到？？气死了！！", "zh").strongly_negative
    assert analyzer.analyze("太差了，我要投诉！", "zh").strongly_negative
