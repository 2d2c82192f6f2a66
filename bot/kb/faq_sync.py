"""The knowledge base alone, for commands that need nothing else (search_kb, add_faq, import_faq,
reindex): the store and the KB, without training intents or loading the dialogue (seconds saved).
Also the start-time sync of `knowledge_base.faq_file`."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog

from bot.config import ConfigError, Settings
from bot.kb.faq_file import FaqFileError, load_faq_file
from bot.kb.knowledge_base import KnowledgeBase
from bot.store.factory import open_store

log = structlog.get_logger(__name__)
_DIGEST_KEY = "faq_file_sha256"
Progress = Callable[[int, int], None]


async def sync_faq_file(settings: Settings, kb: KnowledgeBase) -> tuple[int, int]:
    """Upsert the entries of `knowledge_base.faq_file` by id (the file is not a full replacement).
    A missing or malformed file stops the start with one line naming it (a ConfigError)."""
    if settings.knowledge_base.faq_file is None or not settings.knowledge_base.enabled:
        return 0, 0
    path = settings.path(settings.knowledge_base.faq_file)
    try:
        entries = load_faq_file(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FaqFileError as exc:
        raise ConfigError(f"knowledge_base.faq_file: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"knowledge_base.faq_file: {path}: {exc.strerror}") from None
    # The file is synced only when it changed since the last sync: an operator's edit of a shipped
    # id (add_faq, the API) is not undone by the next start.
    if await kb.store.get_meta(_DIGEST_KEY) == digest:
        log.info("faq_file_unchanged", path=str(path), entries=len(entries))
        return 0, 0
    # Only changed entries are written, so a restart does not re-embed the whole file.
    changed = [e for e in entries if kb.get(e.id) != e]
    added, updated = await kb.upsert(changed) if changed else (0, 0)
    await kb.store.set_meta(_DIGEST_KEY, digest)
    log.info("faq_file_synced", path=str(path), entries=len(entries), added=added, updated=updated)
    return added, updated


@asynccontextmanager
async def open_knowledge_base(
    settings: Settings, *, sync_faqs: bool = True, progress: Progress | None = None, defer_index: bool = False
) -> AsyncIterator[KnowledgeBase]:
    """The KB of `settings`; `defer_index`: its writes leave Chroma to the next service start."""
    store = await open_store(settings)
    try:
        kb = await KnowledgeBase.open(settings, store.faqs, progress=progress)
        kb.defer_index = defer_index
        try:
            if sync_faqs:
                await sync_faq_file(settings, kb)
            yield kb
            await kb.settled()
        finally:
            await kb.close()
    finally:
        await store.close()
