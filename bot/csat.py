"""CSAT answers → a 1–5 score. Pure: no I/O, no state.

Customers answer a rating prompt in many ways: "5", "５", "5分", "五星", "3/5", "⭐⭐⭐", "👍",
"满意", "very satisfied". Anything outside 1–5 ("6", "0", "10分") or without a recognisable
rating is `None`, so the caller can ask again.

Word scale (why 满意 is 4, not 5): the usual Chinese five-point CSAT scale is 非常满意 5 ·
满意 4 · 一般 3 · 不满意 2 · 非常不满意 1, so a plain 满意 is the second-best answer.
"""

from __future__ import annotations

import re
import unicodedata

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "零": 0}
_UNIT = r"(?:分|星|颗星|stars?|points?|pts?)"
_SLASH = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*5(?!\d)")
_WITH_UNIT = re.compile(rf"(?<!\d)(\d{{1,2}})\s*{_UNIT}", re.IGNORECASE)
_CN_WITH_UNIT = re.compile(rf"([{''.join(_CN_DIGITS)}])\s*{_UNIT}")
_BARE = re.compile(r"(?<![\d.])(\d{1,2})(?![\d.])")
_STARS = re.compile(r"^[⭐★🌟✩☆]+$")
_FILLER = re.compile(r"[\s\W_]+", re.UNICODE)
# A bare number counts only in a short answer ("I'd say 4"), not in "order 12345 arrived late".
_BARE_MAX_CHARS = 15

_EMOJI = {
    "👍": 5, "👏": 5, "😍": 5, "🥰": 5, "😀": 5, "😃": 5, "😄": 5, "😁": 5, "😊": 5, "❤": 5, "💯": 5,
    "🙂": 4,
    "😐": 3, "😑": 3,
    "🙁": 2, "😕": 2, "😞": 2, "😟": 2,
    "👎": 1, "😡": 1, "😠": 1, "🤬": 1, "😭": 1, "💩": 1,
}

# Longest phrase wins, so 不满意 beats 满意 and "not satisfied" beats "satisfied".
_PHRASES: dict[str, int] = {
    "非常满意": 5, "很满意": 5, "十分满意": 5, "特别满意": 5, "超级满意": 5, "太满意": 5, "好评": 5,
    "非常好": 5, "很好": 5, "太棒": 5, "完美": 5, "棒": 5,
    "满意": 4, "挺好": 4, "不错": 4, "好": 4,
    "一般": 3, "还行": 3, "还可以": 3, "凑合": 3, "中等": 3, "马马虎虎": 3,
    "不满意": 2, "不太满意": 2, "不是很满意": 2, "不是很好": 2, "不好": 2, "不差": 3, "较差": 2, "差": 2, "不太好": 2,
    "非常不满意": 1, "很不满意": 1, "十分不满意": 1, "特别不满意": 1, "极不满意": 1, "很差": 1, "非常差": 1,
    "太差": 1, "差评": 1, "垃圾": 1, "糟糕": 1, "很糟糕": 1,
    "very satisfied": 5, "extremely satisfied": 5, "excellent": 5, "great": 5, "perfect": 5,
    "amazing": 5, "awesome": 5, "very good": 5, "outstanding": 5,
    "satisfied": 4, "good": 4, "nice": 4, "happy": 4,
    "ok": 3, "okay": 3, "average": 3, "neutral": 3, "fine": 3, "so so": 3, "not bad": 3, "meh": 3,
    "unsatisfied": 2, "dissatisfied": 2, "not satisfied": 2, "not good": 2, "poor": 2, "bad": 2,
    "unhappy": 2, "not happy": 2,
    "very dissatisfied": 1, "very unsatisfied": 1, "very bad": 1, "very poor": 1, "terrible": 1,
    "awful": 1, "horrible": 1, "worst": 1, "useless": 1,
}
_PHRASE_ORDER = sorted(_PHRASES, key=len, reverse=True)


def _in_range(n: int) -> int | None:
    return n if 1 <= n <= 5 else None


def _phrase_score(text: str) -> int | None:
    words = " " + _FILLER.sub(" ", text).strip() + " "
    compact = _FILLER.sub("", text)
    for phrase in _PHRASE_ORDER:
        if phrase.isascii():
            if f" {phrase} " in words:
                return _PHRASES[phrase]
        elif phrase in compact:
            return _PHRASES[phrase]
    return None


def _emoji_score(text: str) -> int | None:
    found = {_EMOJI[ch] for ch in text if ch in _EMOJI}
    return found.pop() if len(found) == 1 else None  # 👍👎 together is no answer


def parse_rating(text: str) -> int | None:
    """The 1–5 score a customer's answer expresses, or None (out of range or not a rating)."""
    norm = unicodedata.normalize("NFKC", text).strip().lower()
    if not norm:
        return None
    for pattern in (_SLASH, _WITH_UNIT):
        m = pattern.search(norm)
        if m:
            return _in_range(int(m.group(1)))
    m = _CN_WITH_UNIT.search(norm)
    if m:
        return _in_range(_CN_DIGITS[m.group(1)])
    stripped = norm.replace("\ufe0f", "").replace(" ", "")
    if _STARS.match(stripped):
        return _in_range(len(stripped))
    numbers = _BARE.findall(norm)
    if len(numbers) == 1 and len(norm) <= _BARE_MAX_CHARS:
        return _in_range(int(numbers[0]))
    if numbers:
        return None  # several numbers ("3 or 4", "12 345"): ambiguous, ask again
    if len(norm) == 1 and norm in _CN_DIGITS:
        return _in_range(_CN_DIGITS[norm])
    score = _phrase_score(norm)
    return score if score is not None else _emoji_score(stripped)
