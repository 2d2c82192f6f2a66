"""NLU pipeline: language → sentiment → intent, each a pure, synchronous, fast component.

Wiring (done by the app factory, not here)::

    detector = LanguageDetector()
    analyzer = SentimentAnalyzer.load(settings.root / "knowledge" / "models")
    classifier = IntentClassifier.train(load_intents(settings.root / "intents"))

    lang = detector.detect(text, previous=conversation.language)
    mood = analyzer.analyze(text, lang.code)
    intent = classifier.predict(text)

Heavy imports (scikit-learn, jieba) happen inside the functions that need them.
"""

from __future__ import annotations

from bot.nlu.intent_spec import IntentCatalog, IntentSpec, IntentSpecError, SlotSpec, load_intents
from bot.nlu.intents import IntentClassifier, is_question
from bot.nlu.language import LanguageDetector
from bot.nlu.results import IntentResult, LanguageResult, SentimentResult
from bot.nlu.sentiment import STRONGLY_NEGATIVE, SentimentAnalyzer

__all__ = [
    "STRONGLY_NEGATIVE",
    "IntentCatalog",
    "IntentClassifier",
    "IntentResult",
    "IntentSpec",
    "IntentSpecError",
    "LanguageDetector",
    "LanguageResult",
    "SentimentAnalyzer",
    "SentimentResult",
    "SlotSpec",
    "is_question",
    "load_intents",
]
