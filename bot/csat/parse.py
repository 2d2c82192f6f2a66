"""CSAT answers → a 1–5 score. Pure: no I/O, no state.

Customers answer a rating prompt in many ways: "5", "５", "5分", "五星", "3/5", "⭐⭐⭐", "👍",
"满意", "very satisfied". Anything outside 1–5 ("6", "0", "10分") or without a recognisable
rating is `None`, so the caller can ask again.

Only an answer that is (almost) all rating counts: the rating tokens (number, phrase, emoji) and
filler words ("给", "吧", "I'd say", "thanks") are taken out, and at most `_MAX_REST` characters
may remain. Otherwise ordinary sentences score: "不好意思，我还有个问题" holds 不好, "好久没收到货"
holds 好, "还有2个问题" holds a 2 — the customer's next question, not a rating.

Word scale (why 满意 is 4, not 5): the usual Chinese five-point CSAT scale is 非常满意 5 ·
满意 4 · 一般 3 · 不满意 2 · 非常不满意 1, so a plain 满意 is the second-best answer.
"""

from __future__ import annotations

import re
import unicodedata

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "零": 0}
_UNIT = r"(?:分(?!钟)|星|颗星|stars?|points?|pts?)(?![a-z])"  # "3分钟" is a time, not a score
# Explicit rating forms, tried in this order; each match is taken out of the text before the next.
_NUMERIC = (
    re.compile(r"(?<!\d)(\d{1,2})\s*(?:/|out\s+of)\s*5(?!\d)"),  # 3/5, 4 out of 5
    re.compile(rf"(?<![\d.])(\d{{1,2}})\s*{_UNIT}"),  # 5分, 4 stars
    re.compile(rf"([{''.join(_CN_DIGITS)}])\s*{_UNIT}"),  # 五星, 三分
    re.compile(r"(?<![\d.])(\d{1,2})(?![\d.])"),  # a bare 4
)
_STARS = re.compile(r"[⭐★🌟✩☆]+")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_MAX_REST = 2  # characters left over that still count as "the whole answer"
# An explicit score ("3 stars", "打3分", "4/5") says "this is my rating" by itself, so a short remark
# around it may stay ("it was ok I guess, 3 stars", "还可以吧，就是有点慢，打3分") — unless the remark
# asks something ("3分钟前下的单，怎么还没发货" is a question, and 分钟 is no unit anyway).
_MAX_REST_EXPLICIT = 12
_QUESTION = re.compile(
    r"[?？]|吗|怎么|如何|为什么|为啥|什么|哪|几时|多久|能不能|可不可以|是否"
    r"|(?<![a-z])(?:how|what|why|when|where|which|who|can|could|would you|is there|do you)(?![a-z])"
)

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
    "非常好": 5, "很好": 5, "太棒": 5, "完美": 5, "棒": 5, "满分": 5,
    "满意": 4, "挺好": 4, "不错": 4, "好": 4, "耐心": 4, "专业": 4, "热情": 4,
    "一般": 3, "还行": 3, "还可以": 3, "凑合": 3, "中等": 3, "马马虎虎": 3,
    "不满意": 2, "不太满意": 2, "不是很满意": 2, "不是很好": 2, "不好": 2, "不差": 3, "较差": 2, "差": 2, "不太好": 2,
    "非常不满意": 1, "很不满意": 1, "十分不满意": 1, "特别不满意": 1, "极不满意": 1, "很差": 1, "非常差": 1,
    "太差": 1, "差评": 1, "垃圾": 1, "糟糕": 1, "很糟糕": 1,
    "very satisfied": 5, "extremely satisfied": 5, "excellent": 5, "great": 5, "perfect": 5,
    "amazing": 5, "awesome": 5, "very good": 5, "outstanding": 5, "very happy": 5,
    "satisfied": 4, "good": 4, "nice": 4, "happy": 4, "helpful": 4, "very helpful": 5,
    "ok": 3, "okay": 3, "average": 3, "neutral": 3, "fine": 3, "so so": 3, "not bad": 3, "meh": 3,
    "unsatisfied": 2, "dissatisfied": 2, "not satisfied": 2, "not good": 2, "poor": 2, "bad": 2,
    "unhappy": 2, "not happy": 2,
    "very dissatisfied": 1, "very unsatisfied": 1, "very bad": 1, "very poor": 1, "terrible": 1,
    "awful": 1, "horrible": 1, "worst": 1, "useless": 1,
}
# Words that contain a rating character but say something else ("差不多" is "about", not "poor");
# they are masked before the phrases are looked for, so they stay in the rest.
_NOT_RATINGS = ("差不多", "不好意思", "好久", "好像", "好多", "好几", "最好", "只好", "好不好", "好吗", "好了吗")


def _phrase_pattern(phrase: str) -> str:
    if phrase.isascii():  # whole words only: "good" is not in "goodbye"
        return r"(?<![a-z])" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![a-z])"
    return re.escape(phrase)


_PHRASE_RE = re.compile("|".join(_phrase_pattern(p) for p in sorted(_PHRASES, key=len, reverse=True)))
_NOT_RATING_RE = re.compile("|".join(_phrase_pattern(p) for p in _NOT_RATINGS))
# Filler around a rating: "给你五星", "5分吧", "I'd say 4", "good, thanks". Taken out of the rest.
_CN_FILLER = re.compile(
    "|".join(sorted(("给你们", "给你", "给您", "给", "打", "我", "你们", "你", "您", "吧", "了", "的", "啊", "呀", "哦",
                     "噢", "嗯", "呢", "哈", "啦", "就", "还", "是", "都", "也", "觉得", "感觉", "谢谢", "感谢", "多谢",
                     "服务", "客服", "人工", "态度", "这次", "本次", "体验",
                     "评价", "总体", "整体", "非常", "很", "太", "真"), key=len, reverse=True))
)
_EN_FILLER = frozenset(
    "i id im ill say would give gave it its a an the was is you your thanks thank thx very really pretty quite "
    "so overall just well yes yeah definitely rate rating score maybe about for me service and guess think "
    "suppose honestly lot much all in to be were been experience agent support staff team chat".split()
)
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")


def _in_range(n: int) -> int | None:
    return n if 1 <= n <= 5 else None


def _rest_length(text: str) -> int:
    """Characters left once punctuation and filler words are gone."""
    words = _PUNCT.sub(" ", text.replace("'", "").replace("’", "")).split()
    rest = "".join(w for w in words if w not in _EN_FILLER)
    return len(_CN_FILLER.sub("", rest))


def parse_rating(text: str) -> int | None:
    """The 1–5 score a customer's answer expresses, or None (out of range or not a rating)."""
    norm = _SKIN_TONES.sub("", unicodedata.normalize("NFKC", text).strip().lower())
    if not norm:
        return None
    # Masked with letters that match no phrase or filler and alone exceed _MAX_REST: such a word
    # makes the answer a sentence, not a rating.
    rest = _NOT_RATING_RE.sub(" qqq ", norm)
    # Phrases first: 十分满意 is a phrase, not "10 points" + 满意.
    phrases = {_PHRASES[" ".join(m.group(0).split())] for m in _PHRASE_RE.finditer(rest)}
    rest = _PHRASE_RE.sub(" ", rest)
    numbers: list[int] = []
    explicit = any(p.search(rest) for p in _NUMERIC[:3])  # a number with a unit or "/5"
    for pattern in _NUMERIC:
        numbers.extend(int(m.group(1)) if m.group(1).isdigit() else _CN_DIGITS[m.group(1)]
                       for m in pattern.finditer(rest))
        rest = pattern.sub(" ", rest)
    stars = _STARS.findall(rest)
    numbers.extend(len(s) for s in stars)
    rest = _STARS.sub(" ", rest)
    emoji = {_EMOJI[ch] for ch in rest if ch in _EMOJI}
    rest = "".join(" " if ch in _EMOJI else ch for ch in rest)
    if rest.strip() in _CN_DIGITS and not numbers and not phrases:  # a lone 五
        numbers.append(_CN_DIGITS[rest.strip()])
        rest = ""
    explicit = explicit or bool(stars)
    limit = _MAX_REST_EXPLICIT if explicit and not _QUESTION.search(rest) else _MAX_REST
    if _rest_length(rest) > limit:
        return None  # a sentence that merely contains a rating word or number
    if numbers:
        # "3 or 4", "5分 …12…": several different numbers are ambiguous; ask again.
        return _in_range(numbers[0]) if len(set(numbers)) == 1 else None
    if phrases:
        return phrases.pop() if len(phrases) == 1 else None  # "good … terrible" is no answer
    return emoji.pop() if len(emoji) == 1 else None  # 👍👎 together is no answer
