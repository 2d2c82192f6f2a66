"""Wires the object graph once: store → knowledge base → pipeline → dialogue → runtime.

Used by the HTTP app factory and by CLI commands that need the live system (`chat`, `search_kb`),
so both run exactly the same code. No module-level singletons: everything hangs off `Services`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog

from bot.actions.answers import fallback, faq_answer
from bot.actions.base import Action
from bot.config import Settings
from bot.dialogue.manager import DialogueManager
from bot.kb.faq_file import load_faq_file
from bot.kb.knowledge_base import KnowledgeBase
from bot.pipeline.language import LanguageDetector
from bot.pipeline.pipeline import Pipeline
from bot.runtime import Runtime
from bot.store import Store, open_store

log = structlog.get_logger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    knowledge_base: KnowledgeBase
    pipeline: Pipeline
    dialogue: DialogueManager
    runtime: Runtime


def _actions() -> dict[str, Action]:
    return {"faq": faq_answer, "fallback": fallback}


async def sync_faq_file(settings: Settings, kb: KnowledgeBase) -> tuple[int, int]:
    """Upsert the entries of `knowledge_base.faq_file` by id (the file is not a full replacement)."""
    if settings.knowledge_base.faq_file is None:
        return 0, 0
    path = settings.path(settings.knowledge_base.faq_file)
    entries = load_faq_file(path)
    # Only changed entries are written, so a restart does not re-embed the whole file.
    changed = [e for e in entries if kb.get(e.id) != e]
    added, updated = await kb.upsert(changed) if changed else (0, 0)
    log.info("faq_file_synced", path=str(path), entries=len(entries), added=added, updated=updated)
    return added, updated


@asynccontextmanager
async def build_services(
    settings: Settings, *, sync_faqs: bool = True, progress: Progress | None = None
) -> AsyncIterator[Services]:
    store = await open_store(settings)
    try:
        kb = await KnowledgeBase.open(settings, store.faqs, progress=progress)
        try:
            if sync_faqs:
                await sync_faq_file(settings, kb)
            pipeline = Pipeline(language=LanguageDetector(), knowledge_base=kb)
            dialogue = DialogueManager(settings, store, kb, pipeline, _actions())
            runtime = Runtime(store, dialogue)
            yield Services(settings, store, kb, pipeline, dialogue, runtime)
            await runtime.shutdown(settings.server.shutdown_timeout)
        finally:
            await kb.close()
    finally:
        await store.close()
