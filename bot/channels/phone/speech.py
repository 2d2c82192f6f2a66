"""Replies written for a screen, made speakable: no links, markdown or emoji; buttons read as
numbered options ("说 1 好的，说 2 不用了") that a DTMF key or the spoken number chooses; order
ids and other long numbers read digit by digit; and short: about two sentences (a caller cannot
scroll back), the options after them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.events import Button, Reply

MAX_SENTENCES = 2

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"(?:https?://|www\.)[^\s，。！？、）)\]]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_MD_MARKS = re.compile(r"(\*\*|__|~~|`+|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")
_LINE_MARKS = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+•]\s+|\d+[.)、]\s+)", re.MULTILINE)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\u2b00-\u2bff\ufe0f\u200d\u20e3]"
)
# Ids a caller must hear digit by digit: 6+ digits, or letters then 4+ digits ("SO20240001").
_LONG_ID = re.compile(r"(?<![\w.])([A-Za-z]{0,4})(\d{6,}|(?<=[A-Za-z])\d{4,})(?![\w.])")
_MONEY = re.compile(r"[¥￥]\s*(\d+(?:\.\d+)?)")
# A sentence ends at 。！？!?；; or at a "." before a space (never inside "12.5" or "example.com").
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])\s*|(?<=\.)\s+")
_SPACES = re.compile(r"[ \t]+")

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_DIGITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_CHOICE = re.compile(r"^\s*(?:第|选|说|按)?\s*(\d|[一二两三四五六七八九])\s*(?:个|号|项)?\s*[。.!！]?\s*$")


def _zh(language: str) -> bool:
    return not language.lower().startswith("en")


def _spell_id(match: re.Match[str]) -> str:
    letters, digits = match.group(1), match.group(2)
    spelled = " ".join(letters.upper()) + (" " if letters else "")
    return f" {spelled}{' '.join(digits)} "


def speakable(text: str, language: str = "zh-CN") -> str:
    """One reply's text as a voice would say it (whole, not yet shortened)."""
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _EMAIL.sub(lambda m: m.group(0).replace("@", " at ").replace(".", " dot "), text)
    text = _LINE_MARKS.sub("", text)
    text = _MD_MARKS.sub("", text)
    text = _EMOJI.sub("", text)
    unit = "元" if _zh(language) else " yuan"
    text = _MONEY.sub(lambda m: f"{m.group(1)}{unit}", text)
    text = _LONG_ID.sub(_spell_id, text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    sep = "，" if _zh(language) else ", "
    out = ""
    for line in (x for x in lines if x):
        if out and not re.search(r"[。！？!?；;，,:：]$", out):
            out += sep
        elif out and not _zh(language):
            out += " "
        out += line
    return re.sub(r"\s+([，。！？,.!?])", r"\1", out).strip(" ，,")


def shorten(text: str, sentences: int = MAX_SENTENCES) -> str:
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    return ("" if _zh_text(text) else " ").join(parts[:sentences]) if parts else text


def _zh_text(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def options(buttons: Sequence[Button], language: str = "zh-CN") -> str:
    """Buttons as numbered options a caller says or keys in."""
    if not buttons:
        return ""
    if _zh(language):
        said = "，".join(f"说 {i} {speakable(b.label, language)}" for i, b in enumerate(buttons, 1))
        return f"{said}。也可以按对应的数字键。"
    said = ", ".join(f"say {i} for {speakable(b.label, language)}" for i, b in enumerate(buttons, 1))
    return f"{said[0].upper()}{said[1:]}, or press the number."


def spoken(replies: Sequence[Reply], language: str = "zh-CN") -> str:
    """What the caller hears for a turn's replies: about two sentences, then the options of the
    last reply that has buttons."""
    texts = [speakable(r.text, language) for r in replies if r.text]
    joiner = "" if _zh(language) else " "
    said = shorten(joiner.join(t if re.search(r"[。！？!?.]$", t) else t + ("。" if _zh(language) else ".")
                               for t in texts if t))
    buttons = next((r.buttons for r in reversed(replies) if r.buttons), ())
    return joiner.join(p for p in (said, options(buttons, language)) if p)


def last_buttons(replies: Sequence[Reply]) -> tuple[Button, ...]:
    return next((r.buttons for r in reversed(replies) if r.buttons), ())


def chosen(said: str, buttons: Sequence[Button]) -> Button | None:
    """The option a key ("2") or a spoken number ("2", "二", "第二个", "two") picks, if any."""
    if not buttons:
        return None
    word = said.strip().lower().rstrip(".!。！")
    index: int | None = _EN_DIGITS.get(word)
    if index is None:
        match = _CHOICE.match(said)
        if match is None:
            return None
        token = match.group(1)
        index = int(token) if token.isdigit() else _CN_DIGITS[token]
    return buttons[index - 1] if 1 <= index <= len(buttons) else None
