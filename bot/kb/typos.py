"""Homophone typos in Chinese questions: "退宽怎么弄" → "退款怎么弄", "能用花被吗" → "能用花呗吗".

Chinese customers type pinyin and pick the wrong character of the same sound. A two-character
window of the query that the knowledge base never uses and that is no common word is replaced by
the one bigram of the knowledge base's own text (questions, similar questions, answers, tags)
that sounds the same, tones ignored. The vocabulary is the knowledge base's, so this adapts to any
business ("花呗" is in no dictionary; a telecom KB's "流量" is). The caller searches the corrected
query only when the original missed, and keeps it only when it matches confidently.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

from bot.kb.faq import FaqEntry
from bot.kb.tokenize import is_cjk, word_frequency, words

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# A window that jieba's dictionary knows this well is a word the customer meant ("事件" is no
# typo of "时间"); typos like "退宽" or "发漂" are not in it. 花被 (143) is a rare botanical term.
COMMON_WORD = 500


@cache
def _readings() -> dict[int, tuple[str, ...]]:
    """Code point → toneless readings, from pypinyin's character table. The file is loaded on its
    own: importing the package also builds its phrase dictionary (0.5 s) that this never needs."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        return {}
    path = Path(spec.origin).parent / "pinyin_dict.py"
    table_spec = importlib.util.spec_from_file_location("_pypinyin_char_table", path)
    if table_spec is None or table_spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(table_spec)
    table_spec.loader.exec_module(module)
    out: dict[int, tuple[str, ...]] = {}
    for code, raw in module.pinyin_dict.items():
        toneless = (_strip_tone(r) for r in raw.split(","))
        out[code] = tuple(dict.fromkeys(toneless))
    return out


def _strip_tone(syllable: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c)).replace("ü", "v")


def _keys(window: str, table: dict[int, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The window's sound by each character's first (commonest) reading: rarer readings matched
    "号是" (xiao shi) with "小时"."""
    options = [table.get(ord(ch), ())[:1] for ch in window]
    return [tuple(o[0] for o in options)] if all(options) else []


def _word_bigrams(text: str) -> Iterator[str]:
    """Two-character Han words as jieba segments the text, and pairs of single characters it left
    side by side ("退宽" → 退 / 宽, "花呗" → 花 / 呗). Windows across words ("的时" in "的时候")
    are no candidates: replacing them garbled whole sentences."""
    tokens = words(text)
    for i, tok in enumerate(tokens):
        if len(tok) == 2 and _HAN_RUN.fullmatch(tok):
            yield tok
        elif len(tok) == 1 and i + 1 < len(tokens) and len(tokens[i + 1]) == 1:
            pair = tok + tokens[i + 1]
            if _HAN_RUN.fullmatch(pair):
                yield pair


class HomophoneIndex:
    """Built from one knowledge base's texts; `correct` is pure and thread-safe."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._table = _readings()
        self._bigrams: set[str] = set()
        for text in texts:
            self._bigrams.update(_word_bigrams(text))
        self._by_sound: dict[tuple[str, ...], set[str]] = {}
        for bigram in self._bigrams:
            for key in _keys(bigram, self._table):
                self._by_sound.setdefault(key, set()).add(bigram)

    def __len__(self) -> int:
        return len(self._bigrams)

    def correct(self, query: str) -> str | None:
        """The query with its homophone typos replaced, or None when nothing was replaced."""
        if not self._by_sound:
            return None
        fixed = query
        for window in dict.fromkeys(_word_bigrams(query)):
            if window in self._bigrams or (word_frequency(window) or 0) >= COMMON_WORD:
                continue
            found = {b for key in _keys(window, self._table) for b in self._by_sound.get(key, ())}
            found.discard(window)
            if len(found) == 1:  # two candidates would be a guess
                fixed = fixed.replace(window, found.pop())
        return fixed if fixed != query else None


class TypoRescue:
    """One HomophoneIndex for a knowledge base's entries of the moment: built on the first
    Chinese miss after a change (call `correct` off the event loop), dropped by `reset`."""

    def __init__(self, entries: Callable[[], Iterable[FaqEntry]]) -> None:
        self._entries = entries
        self._index: HomophoneIndex | None = None

    def reset(self) -> None:
        self._index = None

    def correct(self, query: str) -> str | None:
        if not is_cjk(query):
            return None
        index = self._index
        if index is None:
            index = self._index = HomophoneIndex(
                t for e in self._entries() for t in (e.question, *e.similar_questions, *e.answers.values(), *e.tags)
            )
        return index.correct(query)
