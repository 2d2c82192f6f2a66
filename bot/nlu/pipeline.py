"""language → sentiment → intent → retrieval, each a typed result; no decisions. Only retrieval
awaits: it runs batched in a worker thread (see bot/kb/batch.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.nlu.analysis import Analysis
from bot.nlu.intents import is_noise

if TYPE_CHECKING:
    from bot.kb.knowledge_base import KnowledgeBase
    from bot.nlu.intents import IntentClassifier
    from bot.nlu.language import LanguageDetector
    from bot.nlu.sentiment import SentimentAnalyzer


@dataclass(frozen=True)
class Pipeline:
    language: LanguageDetector
    knowledge_base: KnowledgeBase
    sentiment: SentimentAnalyzer | None = None
    intents: IntentClassifier | None = None
    # knowledge_base.enabled: false — no retrieval, so no FAQ answers (and no FAQ passages for the LLM).
    use_knowledge_base: bool = True
    # dialogue.languages: the languages the bot answers in; any other is answered in English.
    reply_languages: tuple[str, ...] = ("zh", "en")

    async def analyze(self, text: str, previous_language: str | None) -> Analysis:
        lang = self.language.detect(text, previous=previous_language)
        sentiment = self.sentiment.analyze(text, lang.code) if self.sentiment else None
        intent = self.intents.predict(text) if self.intents else None
        # One letter repeated is no question: near-misses on "退退退…" must not answer the refund FAQ.
        skip = not self.use_knowledge_base or is_noise(text)
        kb_results = () if skip else tuple(await self.knowledge_base.search_batched(text))
        return Analysis(text=text, language=lang, sentiment=sentiment, intent=intent, kb_results=kb_results,
                        answer_language=reply_language(lang.code, self.reply_languages))


def reply_language(detected: str, languages: tuple[str, ...]) -> str:
    """`detected` if the bot answers in it (zh-TW counts as zh), else English, else the first listed."""
    if detected in languages or detected.split("-")[0] in languages:
        return detected
    return "en" if "en" in languages else languages[0]
