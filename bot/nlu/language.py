"""Language of a customer message: writing system first, n-gram profiles only for Latin text.

langdetect alone is unreliable on short messages ("退款" → ko, "ok" → sk) and random by default.
Here the script decides every non-Latin message (Han without kana → zh, kana → ja, Hangul → ko,
Cyrillic → ru …). Latin text is scored with langdetect's own n-gram profiles, restricted to the
supported Latin languages, but deterministically over *all* n-grams (naive Bayes with
langdetect's smoothing) instead of its random sampling, plus a small lexicon of customer-service
words that decides the very short messages profiles get wrong, and a prior for the conversation's
previous language. Text without letters ("1", "👍", "ok") keeps the previous language.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import numpy as np

from bot.nlu import repairs
from bot.nlu.lexicon import AMBIGUOUS, LATIN_WORDS
from bot.nlu.results import LanguageResult

DEFAULT_LANGUAGE = "zh"
LATIN_LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "vi", "id", "tr", "pl")
SUPPORTED = frozenset({*LATIN_LANGUAGES, "zh", "ja", "ko", "ru", "uk", "ar", "fa", "th", "el", "he", "hi"})

# (first, last) code point → script; checked in order, so keep the frequent ranges first.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x4E00, 0x9FFF, "han"), (0x3400, 0x4DBF, "han"), (0xF900, 0xFAFF, "han"),
    (0x3040, 0x30FF, "kana"), (0x31F0, 0x31FF, "kana"), (0xFF66, 0xFF9F, "kana"),
    (0xAC00, 0xD7AF, "hangul"), (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"),
    (0x0400, 0x04FF, "cyrillic"), (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"),
    (0x0E00, 0x0E7F, "thai"), (0x0370, 0x03FF, "greek"), (0x0590, 0x05FF, "hebrew"),
    (0x0900, 0x097F, "devanagari"),
    (0x00C0, 0x024F, "latin"), (0x1E00, 0x1EFF, "latin"),
)
_SCRIPT_LANG = {"cyrillic": "ru", "arabic": "ar", "thai": "th", "greek": "el", "hebrew": "he",
                "devanagari": "hi"}
_UKRAINIAN = frozenset("іїєґІЇЄҐ")
_PERSIAN = frozenset("پچژگ")
_WORD = re.compile(r"[^\W\d_]+")
_URL = re.compile(r"https?://\S+|www\.\S+")
# Bounded local part: an unbounded `\S+@` retries from every position of a long run without "@",
# which made 4,000 characters of one letter cost ~80 ms (quadratic backtracking).
_EMAIL = re.compile(r"[^\s@]{1,64}@\S+")
# Order numbers, tracking codes and model names ("A20261123001", "SF1234567", "iPhone15") say
# nothing about the language; langdetect would call "A2026…" Portuguese.
_CODE = re.compile(r"[A-Za-z0-9]*[0-9][A-Za-z0-9]*")
# The start of a message decides its language; a 4,000-character message costs no more than this.
MAX_CHARS = 1000
# Diacritics that single out one language among the Latin ones.
_MARKS = {"ñ": "es", "¿": "es", "¡": "es", "ß": "de", "ã": "pt", "õ": "pt", "ư": "vi", "ơ": "vi",
          "đ": "vi", "ğ": "tr", "ı": "tr", "ş": "tr", "ł": "pl", "ą": "pl", "ę": "pl", "ż": "pl"}
_MASH_WORDS = 2  # at most this many words, none of them known, do not switch an ongoing conversation
_PREVIOUS_PRIOR = 2.0  # nats: keeps the conversation's language on text that fits it about as well
_LEXICON_WEIGHT = 6.0
_LATIN_INDEX = {lang: i for i, lang in enumerate(LATIN_LANGUAGES)}  # nats per known customer-service word


# The words of the conversational repairs ("never mind", "no thanks") are real words too.
_REPAIR_WORDS = frozenset(w for table in (repairs.CANCEL, repairs.NO, repairs.ACK, repairs.YES, repairs.HUMAN)
                          for phrases in table.values() for p in phrases for w in p.split() if w.isascii())


def _script(ch: str) -> str | None:
    o = ord(ch)
    if o < 0x80:
        return "latin" if ch.isalpha() else None
    for lo, hi, name in _RANGES:
        if lo <= o <= hi:
            return name
    return None


def _strip_links(text: str) -> str:
    text = _URL.sub(" ", text)
    return _EMAIL.sub(" ", text) if "@" in text else text


@dataclass(frozen=True)
class _Profiles:
    langs: tuple[str, ...]
    index: dict[str, int]
    logp: np.ndarray  # (n_grams, n_langs) log(p + smoothing), langdetect's update rule in log space


@functools.cache
def _profiles() -> _Profiles:
    """Load langdetect's profiles of the Latin languages once (≈0.2 s), on first Latin message."""
    from pathlib import Path

    from langdetect import DetectorFactory
    from langdetect.detector_factory import PROFILES_DIRECTORY

    DetectorFactory.seed = 0  # nothing here samples, but other users of langdetect stay deterministic
    factory = DetectorFactory()
    factory.load_json_profile(
        [(Path(PROFILES_DIRECTORY) / lang).read_text(encoding="utf-8") for lang in LATIN_LANGUAGES]
    )
    grams = list(factory.word_lang_prob_map)
    probs = np.array([factory.word_lang_prob_map[g] for g in grams], dtype=np.float64)
    order = [factory.langlist.index(lang) for lang in LATIN_LANGUAGES]
    logp = np.log(probs[:, order] + 0.5 / 10000).astype(np.float32)  # alpha / BASE_FREQ
    return _Profiles(LATIN_LANGUAGES, {g: i for i, g in enumerate(grams)}, logp)


def _ngrams(words: list[str]) -> list[str]:
    """langdetect's 1-3-grams (word-boundary padded), without its slow per-char block lookup."""
    out: list[str] = []
    for w in words:
        padded = f" {w} "
        for end in range(1, len(padded)):
            for n in (1, 2, 3):
                start = end + 1 - n
                if start >= 0 and (n > 1 or padded[end] != " "):
                    out.append(padded[start : end + 1])
    return out


class LanguageDetector:
    """Stateless and thread-safe; `previous` is the conversation's language so far."""

    def __init__(self, default: str = DEFAULT_LANGUAGE, supported: frozenset[str] = SUPPORTED) -> None:
        self.default = default
        self.supported = supported

    def detect(self, text: str, previous: str | None = None) -> LanguageResult:
        fallback = previous if previous in self.supported else self.default
        counts: dict[str, int] = {}
        cleaned = _CODE.sub(" ", _strip_links(text[:MAX_CHARS]))
        for ch in cleaned:
            s = _script(ch)
            if s:
                counts[s] = counts.get(s, 0) + 1
        if not counts:  # digits, emoji, punctuation only
            return LanguageResult(fallback, 0.5, "previous" if previous else "default")
        latin_words = _WORD.findall(cleaned) if counts.get("latin") else []
        # "aaaa…" / "zzz" (one letter repeated) carry no language: dropped, like digits.
        latin_words = [w for w in latin_words if _script(w[0]) == "latin" and (len(w) < 3 or len(set(w)) > 1)]
        if counts.get("kana"):
            return self._script_result("ja", counts)
        if counts.get("hangul", 0) >= counts.get("han", 0) and counts.get("hangul"):
            return self._script_result("ko", counts)
        # Chinese customers mix in product names ("iPhone 15 有货吗"): Han wins unless the Latin
        # words clearly outnumber it.
        if counts.get("han") and 2 * counts["han"] >= len(latin_words):
            return self._script_result("zh", counts)
        other = max((s for s in counts if s in _SCRIPT_LANG), key=counts.__getitem__, default=None)
        if other and counts[other] >= counts.get("latin", 0):
            return self._script_result(self._refine(other, cleaned), counts)
        return self._latin(latin_words, cleaned, previous, fallback)

    def _script_result(self, code: str, counts: dict[str, int]) -> LanguageResult:
        total = sum(counts.values())
        main = {"zh": "han", "ja": "kana", "ko": "hangul"}.get(code)
        share = (counts.get(main, 0) + (counts.get("han", 0) if code == "ja" else 0)) / total if main else 1
        return LanguageResult(code if code in self.supported else self.default,
                              round(min(1.0, 0.6 + 0.4 * share), 3), "script")

    @staticmethod
    def _refine(script: str, text: str) -> str:
        if script == "cyrillic" and any(ch in _UKRAINIAN for ch in text):
            return "uk"
        if script == "arabic" and any(ch in _PERSIAN for ch in text):
            return "fa"
        return _SCRIPT_LANG[script]

    def _latin(self, words: list[str], text: str, previous: str | None, fallback: str) -> LanguageResult:
        lowered = [w.lower() for w in words]
        if not lowered or all(w in AMBIGUOUS for w in lowered):
            # "ok", "hi", "lol": nothing to learn from; greetings default to English at the start.
            if previous or not any(AMBIGUOUS.get(w) for w in lowered):
                return LanguageResult(fallback, 0.5, "previous" if previous else "default")
            return LanguageResult("en", 0.6, "default")
        if not any(lang in self.supported for lang in LATIN_LANGUAGES):
            return LanguageResult(fallback, 0.3, "default")
        known = any(w in LATIN_WORDS or w in _REPAIR_WORDS for w in lowered)
        if previous and len(lowered) <= _MASH_WORDS and not known:
            # "asdf", "abc", "sdfsdf": one or two unknown Latin words are keyboard mash or a
            # code far more often than a switch of language; the conversation keeps its own.
            return LanguageResult(fallback, 0.5, "previous")
        scores = np.zeros(len(LATIN_LANGUAGES))
        n_grams = 0
        for w in lowered:
            vec, n = _word_evidence(w)
            scores += vec
            n_grams += n
        # Profile log-likelihoods grow with length; scale so a short text is not overconfident.
        scores *= 1.0 / math.sqrt(max(1, n_grams) / 4)
        for w in lowered:
            for lang in LATIN_WORDS.get(w, ()):
                scores[_LATIN_INDEX[lang]] += _LEXICON_WEIGHT
        for ch in text.lower():
            lang = _MARKS.get(ch)
            if lang:
                scores[_LATIN_INDEX[lang]] += _LEXICON_WEIGHT
        if previous in _LATIN_INDEX:
            scores[_LATIN_INDEX[previous]] += _PREVIOUS_PRIOR
        for i, lang in enumerate(LATIN_LANGUAGES):
            if lang not in self.supported:
                scores[i] = -np.inf
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        best = int(probs.argmax())
        return LanguageResult(LATIN_LANGUAGES[best], round(float(probs[best]), 3), "langdetect")


@functools.lru_cache(maxsize=20000)
def _word_evidence(word: str) -> tuple[np.ndarray, int]:
    """Summed profile log-probabilities of one word's n-grams (cached: customers repeat words)."""
    prof = _profiles()
    idx = [prof.index[g] for g in _ngrams([word]) if g in prof.index]
    if not idx:
        return np.zeros(len(LATIN_LANGUAGES)), 0
    return prof.logp[idx].sum(axis=0).astype(np.float64), len(idx)
