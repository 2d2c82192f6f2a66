"""The typed result of understanding one message: what the router decides from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.kb.results import KBResult
    from bot.nlu.results import IntentResult, LanguageResult, SentimentResult


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str
    language: LanguageResult
    sentiment: SentimentResult | None
    intent: IntentResult | None
    kb_results: tuple[KBResult, ...]
    # The language the bot writes in: the customer's when it is one of dialogue.languages, else
    # English (`language` stays what the customer wrote, for sentiment, routing and the LLM).
    answer_language: str | None = None

    @property
    def reply_language(self) -> str:
        return self.answer_language or self.language.code

    @property
    def faq_match(self) -> KBResult | None:
        """The top knowledge-base result if it clears the calibrated threshold."""
        top = self.kb_results[0] if self.kb_results else None
        return top if top is not None and top.matched else None
