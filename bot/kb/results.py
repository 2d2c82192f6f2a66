"""What a knowledge-base search returns, and how the API and the CLI show it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kb.faq import FaqEntry

# P(right) from which an answer to a typo-corrected question is given (bot/kb/typos.py).
TYPO_ANSWER_BAR = 0.8


@dataclass(frozen=True)
class KBResult:
    entry: FaqEntry
    score: float  # calibrated 0..1
    matched_text: str
    matched: bool  # score >= the configured threshold


def confident(results: list[KBResult]) -> bool:
    return bool(results) and results[0].matched


def corrected(original: list[KBResult], again: list[KBResult], threshold: float) -> list[KBResult]:
    """The typo-corrected query's results (`again`, matched only from TYPO_ANSWER_BAR) when they
    clear the threshold, else the original's. A correction is a guess ("截长图" became "截长途",
    a call-charges FAQ): it answers only when near certain; below that its entries come back
    unmatched, as suggestions."""
    return again if again and again[0].score >= threshold else original


def result_dict(r: KBResult, language: str | None = None) -> dict[str, object]:
    """One result as the HTTP search and `search_kb --json` show it."""
    e = r.entry
    return {
        "id": e.id,
        "question": e.question,
        "answer": e.answer_for(language or e.language),
        "score": round(r.score, 4),
        "matched": r.matched,
        "matched_text": r.matched_text,
        "category": e.category,
        "tags": list(e.tags),
    }
