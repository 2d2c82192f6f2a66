"""Sentiment of a customer message: negative / neutral / positive with a score in [-1, 1].

A three-class logistic regression over TF-IDF features (Chinese character 1-3-grams, jieba words,
negated spans, Latin word uni/bigrams, emoji and !/? marks), trained offline by
`bot.nlu.sentiment_train` on Chinese review corpora plus hand-written customer questions (the
neutral class) and English phrases.
snownlp was not enough: it scores neutral questions such as "请问可以开发票吗" as negative.
The model is a plain .npz (vocabulary as UTF-8 text, float16 weights), so it loads with numpy
alone and does not depend on the scikit-learn version it was trained with.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.nlu.results import SentimentLabel, SentimentResult

MODEL_FILE = "sentiment.npz"
LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
# score = P(positive) - P(negative); at or below this a turn raises the ticket priority. Chosen so
# plain complaints ("有点慢") stay normal while angry ones ("太差了，我要投诉！") are flagged.
STRONGLY_NEGATIVE = -0.75
# Log-odds added to the neutral class. Review corpora are all opinion while most chat messages are
# plain questions, so the trained prior under-calls neutral; 2.0 was chosen on a dev list of neutral
# questions (tests/nlu/data/neutral_questions_dev.csv: 14% → 4% negative) while keeping 97% of
# the seed complaints negative. It cannot change the sign of the score, only shrink it.
NEUTRAL_BIAS = 2.0

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]+|[^\W\d_{_HAN}]+(?:'[a-z]+)?|[!?]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_HAN_RUN = re.compile(rf"[{_HAN}]")
_LETTER = re.compile(r"[^\W\d_]")  # any letter, Han included
# A negation cue, optionally with a degree word, marks the next two characters "n:": "不太好吃"
# otherwise shares its trigram "太好吃" with strong praise. +0.5 point of waimai validation accuracy.
_NEGATION = re.compile(r"(?:不|没有|没|别|未|无)(?:太|很|怎么|是很|够|算|大|咋)?")
# The review corpora hold no emoji and a lone "?"/"!" is one feature that L2 normalisation turns
# into a full-weight vote ("?" alone scored -0.99, strongly negative, and opened a complaint
# ticket). Messages without a letter are therefore read from these emoji only, and never count
# as strongly negative: an urgent ticket needs words.
_NEGATIVE_EMOJI = frozenset("😡😠🤬😤👎💢😞😟😢😭😩😫😖😣🙄💩😒🤮🤢💔")
_POSITIVE_EMOJI = frozenset("👍👌🙏😊😀😁😃😄🙂😍🥰😘❤💕💖👏🎉✅🌹💯😆🤗☺")
SYMBOLS_ONLY_SCORE = 0.5
# The languages the model has read (Chinese reviews, English phrases). Any other language would be
# judged on stray Latin n-grams ("¿Cómo puedo solicitar un reembolso?" came out negative): neutral.
READABLE = frozenset({"zh", "en"})
# A question is not a review: "下单后一般多久能送到？" shares its words with complaints about late
# delivery. Questions get this much more neutral log-odds, and a question counts as strongly
# negative only with an explicit anger cue.
QUESTION_BIAS = 2.0
_ANGER = re.compile(
    r"[!！]{2,}|投诉|垃圾|太差|差评|骗子|气死|受够|坑人|无语|什么破|搞什么|恶心|滚|"
    r"\b(?:terrible|awful|worst|ridiculous|unacceptable|scam|wtf|furious|disgusting)\b",
    re.IGNORECASE,
)


def _jieba_words(text: str) -> list[str]:
    import jieba  # imported lazily: it loads its dictionary (~1 s) on first use

    return [f"j:{w}" for w in jieba.lcut(text, HMM=False) if len(w) > 1 and _HAN_RUN.match(w)]


def features(text: str) -> list[str]:
    """Feature strings of one text; the same function builds training and run-time features.

    Han characters give 1-3-grams plus jieba words (words add ~0.5 point of accuracy over
    characters alone) and negated spans; Latin-script text gives words and word bigrams.
    """
    text = unicodedata.normalize("NFKC", text).lower()[:1000]
    out: list[str] = _jieba_words(text) if _HAN_RUN.search(text) else []
    prev_word = ""
    for tok in _TOKEN.findall(text):
        if _HAN_RUN.match(tok):
            prev_word = ""
            padded = f"^{tok}$"  # run boundaries: "差$" (ends a clause) differs from "差不多"
            out.extend(tok)
            out.extend(padded[i : i + 2] for i in range(len(padded) - 1))
            out.extend(padded[i : i + 3] for i in range(len(padded) - 2))
            out.extend(f"n:{tok[m.end() : m.end() + 2]}" for m in _NEGATION.finditer(tok) if m.end() < len(tok))
        elif tok.isalpha() or "'" in tok:
            out.append(f"w:{tok}")
            if prev_word:
                out.append(f"b:{prev_word}_{tok}")
            prev_word = tok
        else:
            out.append(f"p:{tok}")
    return out


def tfidf_rows(feats: list[str], vocab: dict[str, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indices, L2-normalised sublinear tf-idf values) of the known features."""
    counts = Counter(f for f in feats if f in vocab)
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = np.fromiter((vocab[f] for f in counts), dtype=np.int64, count=len(counts))
    tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    vals = tf * idf[idx]
    return idx, vals / np.linalg.norm(vals)


@dataclass(frozen=True)
class SentimentModel:
    vocab: dict[str, int]
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_features, 3), columns in LABELS order
    intercept: np.ndarray  # (3,)

    def save(self, path: Path) -> None:
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        blob = np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)
        np.savez_compressed(path, vocab=blob, idf=self.idf.astype(np.float16),
                            coef=self.coef.astype(np.float16), intercept=self.intercept.astype(np.float32),
                            labels=np.array(LABELS))

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        with np.load(path, allow_pickle=False) as z:
            if tuple(str(x) for x in z["labels"]) != LABELS:
                raise ValueError(f"{path}: unexpected labels {z['labels']!r}")
            words = z["vocab"].tobytes().decode("utf-8").split("\n")
            return cls({w: i for i, w in enumerate(words)}, z["idf"].astype(np.float32),
                       z["coef"].astype(np.float32), z["intercept"].astype(np.float32))

    def proba(self, text: str) -> np.ndarray:
        idx, vals = tfidf_rows(features(text), self.vocab, self.idf)
        logits = self.intercept + (vals @ self.coef[idx] if len(idx) else 0.0)
        e = np.exp(logits - logits.max())
        return e / e.sum()


class SentimentAnalyzer:
    """Loads the shipped model once; `analyze` is pure and thread-safe."""

    def __init__(self, model: SentimentModel, strongly_negative: float = STRONGLY_NEGATIVE,
                 neutral_bias: float = NEUTRAL_BIAS) -> None:
        self.model = model
        self.strongly_negative = strongly_negative
        self._prior = np.array([1.0, np.exp(neutral_bias), 1.0], dtype=np.float32)
        self._question_prior = np.array([1.0, np.exp(QUESTION_BIAS), 1.0], dtype=np.float32)

    @classmethod
    def load(cls, models_dir: Path, strongly_negative: float = STRONGLY_NEGATIVE) -> SentimentAnalyzer:
        path = Path(models_dir) / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}: sentiment model missing; build it with "
                "`python -m bot.nlu.sentiment_train --datasets ../shared/datasets --out {path}`"
            )
        analyzer = cls(SentimentModel.load(path), strongly_negative)
        analyzer.analyze("预热")  # pay jieba's dictionary load here, not on the first customer
        return analyzer

    def analyze(self, text: str, language: str | None = None) -> SentimentResult:
        if not text.strip():
            return SentimentResult("neutral", 0.0, False)
        if not _LETTER.search(text):
            return _symbols_only(text)
        if language is not None and language not in READABLE:
            return SentimentResult("neutral", 0.0, False)
        from bot.nlu.intents import is_question  # the one definition of "this is a question"

        question = is_question(text)
        p = self.model.proba(text) * self._prior
        if question:
            p = p * self._question_prior
        p /= p.sum()
        score = round(float(p[2] - p[0]), 4)
        label = LABELS[int(p.argmax())]
        strong = label == "negative" and score <= self.strongly_negative
        if strong and question and not _ANGER.search(text):
            strong = False
        return SentimentResult(label, score, strong)


def _symbols_only(text: str) -> SentimentResult:
    """Sentiment of emoji, punctuation and digits: the majority polarity of the known emoji."""
    neg = sum(ch in _NEGATIVE_EMOJI for ch in text)
    pos = sum(ch in _POSITIVE_EMOJI for ch in text)
    if neg > pos:
        return SentimentResult("negative", -SYMBOLS_ONLY_SCORE, False)
    if pos > neg:
        return SentimentResult("positive", SYMBOLS_ONLY_SCORE, False)
    return SentimentResult("neutral", 0.0, False)
