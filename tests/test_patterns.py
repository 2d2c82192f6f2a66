"""The shared input patterns mean the same to the server (Python re) and to the document's readers."""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, timedelta

import jsonschema_rs  # schemathesis's validator: a JSON Schema reading of the patterns, not Python's
import pytest

from bot.core.patterns import ID_PATTERN, NOT_BLANK, SPACE, dates_not_after, int_range, matches, valid_id
from bot.customers.service import EMAIL_PATTERN, LANGUAGE_PATTERN, PHONE_PATTERN, TAG_PATTERN
from bot.reports.period import PERIOD_PATTERN, ReportInputError, window


def _schema_says(pattern: str, value: str) -> bool:
    return jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(value)


def test_space_is_exactly_what_strip_removes() -> None:
    space = re.compile(f"[{SPACE}]")
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if space.fullmatch(c)] == [
        c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()
    ]


@pytest.mark.parametrize("good", ["c1", "wx_oABC-123", "客户 42", "a.b@c", "😀", "x" * 128, "a b"])
def test_ids_that_are_fine(good: str) -> None:
    assert valid_id(good) and _schema_says(ID_PATTERN, good)


@pytest.mark.parametrize("bad", ["", " a", "a ", "a\x00b", "a\x07", "a\nb", "a\u200bb", "a\u202eb", "a\xa0b",
                                 "\ufeffa", "a\x85", "x" * 129, "a\n"])
def test_ids_that_are_refused(bad: str) -> None:
    assert not valid_id(bad) and not _schema_says(ID_PATTERN, bad)


def test_id_pattern_agrees_with_json_schema_for_every_bmp_character() -> None:
    validator = jsonschema_rs.validator_for({"type": "string", "pattern": ID_PATTERN})
    surrogates = range(0xD800, 0xE000)  # not Unicode scalar values: no JSON string carries them
    for cp in range(0x10000):
        if cp in surrogates:
            continue
        value = f"a{chr(cp)}b"
        assert valid_id(value) == validator.is_valid(value), hex(cp)


@pytest.mark.parametrize("pattern", [NOT_BLANK, EMAIL_PATTERN, PHONE_PATTERN, TAG_PATTERN, LANGUAGE_PATTERN])
@pytest.mark.parametrize("value", ["", " ", "\u3000", "x", " en ", "EN-us", "ann@example.com", " a@b.cd\n",
                                   "a@b.c", "+86 138-1234-5678", "(010) 1234", "１２３４５", "vip", "\x1c",
                                   "x" * 31, " " + "x" * 32 + " ", "x" * 33, "a\nb"])
def test_server_and_schema_read_each_pattern_alike(pattern: str, value: str) -> None:
    assert matches(pattern, value) == _schema_says(pattern, value)


@pytest.mark.parametrize(("lo", "hi"), [(0, 0), (0, 9), (1, 50), (5, 5), (37, 1234), (1, 522), (1, 3660)])
def test_int_range_is_exactly_the_numbers(lo: int, hi: int) -> None:
    group = re.compile(int_range(lo, hi))
    assert [n for n in range(hi * 10 + 10) if group.fullmatch(str(n))] == list(range(lo, hi + 1))
    assert not group.fullmatch(f"0{max(lo, 1)}")  # no leading zeros


def test_dates_not_after_is_exactly_the_earlier_dates() -> None:
    bound = date(2026, 12, 8)
    pattern = dates_not_after(bound)
    day = date(2024, 1, 1)
    while day < date(2028, 1, 1):
        assert matches(pattern, day.isoformat()) == (day <= bound) == _schema_says(pattern, day.isoformat()), day
        day += timedelta(days=1)
    assert matches(pattern, "0001-01-01") and not matches(pattern, "9999-12-31")


def _window_takes(period: str) -> bool:
    try:
        window(period, datetime(2026, 12, 7, tzinfo=UTC))
    except ReportInputError:
        return False
    return True


def test_the_documented_period_pattern_is_what_the_reports_accept() -> None:
    numbers = [*range(0, 1000), *range(515, 530), *range(3650, 3670), *range(87830, 87850), 100000, 999999,
               1000000]
    cases = [f"{n}{u}" for n in numbers for u in "hdwHDWx"]
    cases += ["07d", " 7 d ", "7\td", "\u30007d", "٧d", "7dd", "", "d", "-7d", "1.5d", "7d\n", "7 days"]
    for period in cases:
        assert matches(PERIOD_PATTERN, period) == _window_takes(period), period
