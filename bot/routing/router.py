"""The router: a pure function from the turn's typed results and the conversation to a Decision.

Every decision carries its reason and the scores it looked at, and is stored, so "why did the
bot say that" is always answerable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.events import Route
from bot.pipeline.analysis import Analysis
from bot.store.models import Conversation


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    reason: str
    scores: dict[str, Any] = field(default_factory=dict)
    faq_id: str | None = None


def _scores(analysis: Analysis) -> dict[str, Any]:
    top = analysis.kb_results[0] if analysis.kb_results else None
    scores: dict[str, Any] = {"language": analysis.language.code}
    if top is not None:
        scores["faq_top"] = {"id": top.entry.id, "score": round(top.score, 4)}
    if analysis.intent is not None:
        scores["intent"] = {"name": analysis.intent.name, "confidence": round(analysis.intent.confidence, 4)}
    if analysis.sentiment is not None:
        scores["sentiment"] = {"label": analysis.sentiment.label, "score": round(analysis.sentiment.score, 4)}
    return scores


def decide(analysis: Analysis, conversation: Conversation, threshold: float) -> Decision:
    scores = _scores(analysis)
    match = analysis.faq_match
    if match is not None:
        return Decision(
            "faq", f"knowledge base match {match.score:.2f} >= threshold {threshold:.2f}", scores, match.entry.id
        )
    top = analysis.kb_results[0] if analysis.kb_results else None
    why = f"best knowledge base score {top.score:.2f} < threshold {threshold:.2f}" if top else "no candidate"
    return Decision("fallback", why, scores)
