from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.evaluation import evaluate_language
from bot.nlu.language import LanguageDetector

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("退款", "zh"), ("我要投诉", "zh"), ("请问可以开发票吗", "zh"), ("iPhone 15 有货吗", "zh"),
        ("返品したいです", "ja"), ("注文はまだ届いていません", "ja"),
        ("환불해 주세요", "ko"), ("배송 조회 부탁드려요", "ko"),
        ("где мой заказ", "ru"), ("хочу вернуть деньги", "ru"),
        ("where is my order", "en"), ("I want a refund", "en"),
        ("quiero un reembolso", "es"), ("où est ma commande", "fr"), ("wo ist meine Bestellung", "de"),
        ("ขอคืนเงิน", "th"), ("أين طلبي", "ar"),
    ],
)
def test_short_messages(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).code == lang


def test_ambiguous_text_keeps_the_conversation_language(detector: LanguageDetector) -> None:
    assert detector.detect("ok", previous="en").code == "en"
    assert detector.detect("ok", previous="zh").code == "zh"
    assert detector.detect("ok").code == "zh"  # default
    for text in ("1", "12345678", "👍", "？？", "ok!!"):
        result = detector.detect(text, previous="fr")
        assert (result.code, result.method) == ("fr", "previous")


@pytest.mark.parametrize("text", ["a" * 4000, "zzz", "😡" * 4000, "!" * 4000])
def test_one_letter_repeated_or_symbols_keep_the_conversation_language(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text, previous="en").code == "en"
    assert detector.detect(text).code == "zh"


@pytest.mark.parametrize(("text", "lang"), [
    ("我的order还没到 please check", "zh"), ("iPhone 15 Pro Max 什么时候有货", "zh"),
    ("my 订单 has not arrived yet, where is it please", "en"),
])
def test_mixed_scripts(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).code == lang


def test_links_and_addresses_are_not_language(detector: LanguageDetector) -> None:
    assert detector.detect("退款 https://shop.example.com/orders/123?lang=en").code == "zh"
    assert detector.detect("我的邮箱 someone.name@example.com").code == "zh"
    assert detector.detect("x" * 3000 + "@example.com 退款").code == "zh"  # no quadratic backtracking either


def test_script_beats_previous_language(detector: LanguageDetector) -> None:
    assert detector.detect("退款", previous="en").code == "zh"
    assert detector.detect("where is my order", previous="zh").code == "en"


def test_deterministic_and_confident(detector: LanguageDetector) -> None:
    results = {detector.detect("necesito ayuda con mi pedido") for _ in range(5)}
    assert len(results) == 1
    r = results.pop()
    assert r.code == "es" and 0 < r.confidence <= 1 and r.method == "langdetect"


def test_unsupported_languages_are_not_returned() -> None:
    only = LanguageDetector(supported=frozenset({"zh", "en"}))
    assert only.detect("quiero un reembolso").code == "en"
    assert only.detect("где мой заказ").code == "zh"


def test_accuracy_on_short_customer_messages() -> None:
    report = evaluate_language(DATA / "short_messages_lang.csv")
    assert report.n >= 300
    assert report.accuracy >= 0.97, report.render_text()


@pytest.mark.parametrize("code", ["A20261123001", "SF1234567890", "订单号 A20261123001", "iPhone15"])
def test_codes_keep_the_conversation_language(detector: LanguageDetector, code: str) -> None:
    assert detector.detect(code, previous="zh").code == "zh"


@pytest.mark.parametrize(("text", "previous"), [("asdf", "zh"), ("abc", "zh"), ("asdfgh", "es"), ("qsdfgh", "fr"),
                                                ("paypal", "zh"), ("xkcd lol", "ko")])
def test_keyboard_mash_keeps_the_conversation_language(detector: LanguageDetector, text: str, previous: str) -> None:
    assert detector.detect(text, previous=previous).code == previous


def test_real_words_still_switch_the_conversation(detector: LanguageDetector) -> None:
    assert detector.detect("refund?", previous="zh").code == "en"
    assert detector.detect("where is my parcel", previous="zh").code == "en"
    assert detector.detect("gracias", previous="en").code == "es"
