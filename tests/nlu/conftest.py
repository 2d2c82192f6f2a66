"""Shared fixtures: the shipped intents, classifier and sentiment model are built once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.intent_spec import IntentCatalog, load_intents
from bot.nlu.intents import IntentClassifier
from bot.nlu.sentiment import SentimentAnalyzer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def catalog() -> IntentCatalog:
    return load_intents(REPO / "intents")


@pytest.fixture(scope="session")
def classifier(catalog: IntentCatalog) -> IntentClassifier:
    return IntentClassifier.train(catalog)


@pytest.fixture(scope="session")
def analyzer() -> SentimentAnalyzer:
    return SentimentAnalyzer.load(REPO / "knowledge" / "models")
