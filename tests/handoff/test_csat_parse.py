"""How customers answer a 1–5 rating prompt, and what counts as no answer."""

from __future__ import annotations

import pytest

from bot.csat import parse_rating


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
