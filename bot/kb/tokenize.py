"""Text normalisation and tokenisation shared by the lexical index and the static embedder.

`normalize` = NFKC, lower case, punctuation/symbols turned into spaces. `words` segments with
jieba (Chinese) and splits Latin text on non-alphanumerics. `lexical_terms` adds character
bigrams of CJK runs, which make BM25 robust to jieba's segmentation choices (花呗 is not in
jieba's dictionary and comes out as 花 / 呗).

jieba is initialised once, lazily, with its logger silenced (it prints "Building prefix
dict..." otherwise).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cache, lru_cache

import jieba

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_IS_CJK = re.compile(f"[{_CJK}]")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@cache
def _jieba() -> jieba.Tokenizer:
    """jieba's default tokenizer (sentiment uses it too, so the dictionary loads once), quiet."""
    jieba.setLogLevel(logging.WARNING)
    jieba.dt.initialize()  # thread-safe: jieba guards its own initialisation with a lock
    return jieba.dt


def _keep(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] not in "PSZC"


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """NFKC + lower case; punctuation, symbols and control characters become spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join("".join(ch if _keep(ch) else " " for ch in text).split())


def is_cjk(token: str) -> bool:
    return bool(_IS_CJK.search(token))


def _segment(norm: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(norm):
        out.extend(_LATIN_WORD.findall(norm[pos : m.start()]))
        out.extend(_jieba().lcut(m.group(), HMM=False))
        pos = m.end()
    out.extend(_LATIN_WORD.findall(norm[pos:]))
    return out


@lru_cache(maxsize=8192)
def _words_cached(text: str) -> tuple[str, ...]:
    return tuple(_segment(normalize(text)))


def words(text: str) -> list[str]:
    """Words: jieba segments for Chinese runs (no HMM: deterministic), Latin words otherwise."""
    return list(_words_cached(text))


def char_bigrams(norm: str) -> list[str]:
    grams: list[str] = []
    for m in _CJK_RUN.finditer(norm):
        run = m.group()
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def lexical_terms(text: str) -> list[str]:
    """BM25 terms: words prefixed `w:` plus CJK character bigrams prefixed `b:`."""
    ws = _words_cached(text)
    terms = [f"w:{w}" for w in ws]
    terms.extend(f"b:{g}" for g in char_bigrams(normalize(text)))
    return terms


def word_frequency(word: str) -> int | None:
    """How often jieba's dictionary saw `word` (None: not a dictionary word)."""
    return _jieba().FREQ.get(word)
