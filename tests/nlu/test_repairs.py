"""The repair phrases: whole-message matches after normalising, never a substring of a question."""

from __future__ import annotations

import pytest

from bot.nlu.repairs import is_ack, is_cancel, is_human_request, is_no, is_yes


@pytest.mark.parametrize("text", ["算了", "不用了", "算了不用了", "不想退了", "先不弄了", "不要了", "取消",
                                  "那算了吧。", "好的，不用了", "never mind", "No thanks!", "forget it",
                                  "Cancel.", "ｃａｎｃｅｌ", "算了 不等了", "不想等了", "nah forget it",
                                  "no, never mind", "Non merci", "laisse tomber", "No, gracias", "Nein, danke"])
def test_cancel(text: str) -> None:
    assert is_cancel(text)


@pytest.mark.parametrize("text", ["不用发票可以吗", "取消订单", "不要了取消订单", "cancellation policy?", "nothing",
                                  "谢谢", "我不用这个优惠券了，还能退吗"])
def test_not_cancel(text: str) -> None:
    assert not is_cancel(text)


@pytest.mark.parametrize("text", ["谢谢", "好的", "嗯", "ok", "thanks", "你好", "Okay, thanks!", "👍",
                                  "稍等，我找一下", "merci", "Gracias!", "danke schön", "감사합니다",
                                  "ありがとうございます", "спасибо"])
def test_ack(text: str) -> None:
    assert is_ack(text)


@pytest.mark.parametrize("text", ["谢谢，订单号是123", "hello there, my order is late", "好的，怎么开发票",
                                  "merci, où est ma commande ?"])
def test_not_ack(text: str) -> None:
    assert not is_ack(text)


def test_offer_answers() -> None:
    assert all(is_yes(t) for t in ("好的", "yes", "转人工", "好的，转人工吧", "Yes, an agent"))
    assert all(is_no(t) for t in ("不用", "不用了", "no", "No, thanks", "不要"))
    assert all(is_yes(t) for t in ("Oui", "sí, por favor", "ja bitte", "네"))
    assert all(is_no(t) for t in ("Non merci", "nein", "아니요", "нет, спасибо"))
    assert not is_yes("不用") and not is_no("好的") and not is_cancel("nah")
    assert is_human_request("转人工") and not is_human_request("人工客服很耐心")
