"""Typed results of the NLU pipeline: what the router reads and what a turn stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SentimentLabel = Literal["negative", "neutral", "positive"]


@dataclass(frozen=True, slots=True)
class LanguageResult:
    """ISO 639-1 `code`, `confidence` in [0, 1], and how it was decided.

    `method` is one of: script (writing system decides), langdetect (Latin n-gram profiles),
    previous (too short/ambiguous: the conversation's language is kept), default.
    """

    code: str
    confidence: float
    method: str


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """`score` in [-1, 1] (P(positive) - P(negative)); `strongly_negative` raises ticket priority."""

    label: SentimentLabel
    score: float
    strongly_negative: bool


@dataclass(frozen=True, slots=True)
class IntentResult:
    """`name` is None when nothing matches well enough (out of scope).

    `ranking` holds the best candidates (name, confidence), best first, even when `name` is None,
    so the router can log why it declined; it may include the reserved out-of-scope class "oos".
    `is_question` marks how-to/info questions ("如何退款") as opposed to requests ("我要退款");
    it is a surface signal (also true for "where is my order"), for the router to weigh.
    """

    name: str | None
    confidence: float
    action: str | None
    is_question: bool
    ranking: tuple[tuple[str, float], ...] = ()
