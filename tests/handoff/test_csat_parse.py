"""How customers answer a 1–5 rating prompt, and what counts as no answer."""

from __future__ import annotations

import pytest

from bot.csat.parse import parse_rating


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("5", 5), ("1", 1), ("５", 5), (" 4 ", 4), ("5分", 5), ("3 分", 3), ("4星", 4), ("五星", 5), ("三分", 3),
        ("3/5", 3), ("⭐⭐⭐", 3), ("★★★★★", 5), ("给你五星好评", 5), ("5 stars", 5), ("I'd say 4", 4),
        ("非常满意", 5), ("很满意", 5), ("满意", 4), ("一般", 3), ("不满意", 2), ("不太满意", 2),
        ("非常不满意", 1), ("很差", 1), ("差评", 1),
        ("👍", 5), ("👎", 1), ("😡", 1),
        ("very satisfied", 5), ("Excellent!", 5), ("good", 4), ("ok", 3), ("not bad", 3), ("bad", 2),
        ("very bad", 1), ("terrible", 1),
    ],
)
def test_valid_answers(answer: str, score: int) -> None:
    assert parse_rating(answer) == score


@pytest.mark.parametrize(
    "answer",
    ["6", "0", "10分", "六星", "⭐⭐⭐⭐⭐⭐", "", "   ", "hello", "我的订单12345还没到", "3 or 4", "👍👎", "?"],
)
def test_out_of_range_or_no_rating_is_none(answer: str) -> None:
    assert parse_rating(answer) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "不好意思，我还有个问题", "好久没收到货", "差不多", "还有2个问题", "好的，怎么开发票", "good morning",
        "how do I get an invoice?", "3分钟前下的单", "好吗", "goodbye", "I want to talk to a human",
    ],
)
def test_a_sentence_that_merely_contains_a_rating_word_or_number_is_no_rating(sentence: str) -> None:
    # The customer's next question must not be stored as a score (and then swallowed).
    assert parse_rating(sentence) is None


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("给5分", 5), ("⭐⭐⭐⭐", 4), ("十分满意", 5), ("4 out of 5", 4), ("I’d say 4", 4), ("5分，服务很好", 5),
        ("一般般吧", 3), ("还行吧", 3), ("👍🏻", 5), ("❤️", 5), ("五", 5), ("good, thanks", 4), ("不错不错", 4),
    ],
)
def test_a_rating_with_a_little_filler_still_counts(answer: str, score: int) -> None:
    assert parse_rating(answer) == score


def test_different_scores_in_one_answer_are_ambiguous() -> None:
    assert parse_rating("很好 很差") is None
    assert parse_rating("5分 3分") is None


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("还可以吧，打3分", 3), ("给五分", 5), ("very good, 5", 5), ("it was ok I guess, 3 stars", 3),
        ("5 stars, thanks a lot", 5), ("还可以吧，就是有点慢，打3分", 3), ("2 stars, the wait was too long", 2),
        ("the agent was great", 5), ("人工客服很耐心，谢谢", 4),
    ],
)
def test_an_explicit_score_may_come_with_a_short_remark(answer: str, score: int) -> None:
    assert parse_rating(answer) == score


@pytest.mark.parametrize("question", ["3分钟前下的单，怎么还没发货", "5星酒店怎么订", "订单3分钟前下的，退款要多久"])
def test_a_question_around_a_score_like_number_is_no_rating(question: str) -> None:
    assert parse_rating(question) is None
