"""FAQ rows: the source of truth of the knowledge base (Chroma is only an index of it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.core.clock import dumps, now_iso
from bot.kb.faq import FaqEntry
from bot.store.sqlite.database import Database

_COLUMNS = "id, question, similar_questions, answers, category, tags, language"


def _entry(row: Any) -> FaqEntry:
    return FaqEntry.model_validate(
        {
            "id": row["id"],
            "question": row["question"],
            "similar_questions": json.loads(row["similar_questions"]),
            "answers": json.loads(row["answers"]),
            "category": row["category"],
            "tags": json.loads(row["tags"]),
            "language": row["language"],
        }
    )


class FaqRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_faqs(self) -> list[FaqEntry]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM faqs ORDER BY id")
        return [_entry(r) for r in rows]

    async def get_faq(self, faq_id: str) -> FaqEntry | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM faqs WHERE id = ?", (faq_id,))
        return _entry(row) if row else None

    async def count(self) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) AS n FROM faqs")
        return int(row["n"]) if row else 0

    async def upsert_faqs(self, entries: Sequence[FaqEntry]) -> tuple[int, int]:
        """Insert or replace by id in one transaction; returns (added, updated)."""
        if not entries:
            return 0, 0
        ids = [e.id for e in entries]
        existing: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = await self._db.fetchall(
                f"SELECT id FROM faqs WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            existing.update(r["id"] for r in rows)
        ts = now_iso()
        rows_out = [
            (
                e.id,
                e.question,
                dumps(list(e.similar_questions)),
                dumps(e.answers),
                e.category,
                dumps(list(e.tags)),
                e.language,
                ts,
                ts,
            )
            for e in entries
        ]
        async with self._db.transaction() as conn:
            await conn.executemany(
            """INSERT INTO faqs (id, question, similar_questions, answers, category, tags, language,
                                 created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET question = excluded.question,
                   similar_questions = excluded.similar_questions, answers = excluded.answers,
                   category = excluded.category, tags = excluded.tags, language = excluded.language,
                   updated_at = excluded.updated_at""",
            rows_out,
            )
            await conn.executemany(
                "INSERT INTO kb_changes (faq_id, op, at) VALUES (?, 'upsert', ?)",
                [(i, ts) for i in dict.fromkeys(ids)],
            )
        updated = len(existing)
        return len(set(ids)) - updated, updated

    async def delete_faq(self, faq_id: str) -> bool:
        async with self._db.transaction() as conn:
            cur = await conn.execute("DELETE FROM faqs WHERE id = ?", (faq_id,))
            if cur.rowcount > 0:
                await conn.execute("INSERT INTO kb_changes (faq_id, op, at) VALUES (?, 'delete', ?)",
                                   (faq_id, now_iso()))
            return cur.rowcount > 0

    async def get_faqs(self, ids: Sequence[str]) -> dict[str, FaqEntry]:
        out: dict[str, FaqEntry] = {}
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            rows = await self._db.fetchall(
                f"SELECT {_COLUMNS} FROM faqs WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update((r["id"], _entry(r)) for r in rows)
        return out

    async def record_reindex(self) -> None:
        await self._db.execute("INSERT INTO kb_changes (faq_id, op, at) VALUES (NULL, 'reindex', ?)", (now_iso(),))

    async def last_change(self) -> int:
        row = await self._db.fetchone("SELECT COALESCE(MAX(seq), 0) AS seq FROM kb_changes")
        return int(row["seq"]) if row else 0

    async def changes_since(self, seq: int, limit: int = 10_000) -> list[tuple[int, str | None, str]]:
        """(seq, faq id, op) after `seq`, oldest first."""
        rows = await self._db.fetchall(
            "SELECT seq, faq_id, op FROM kb_changes WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
        )
        return [(int(r["seq"]), r["faq_id"], r["op"]) for r in rows]

    async def get_meta(self, key: str) -> str | None:
        row = await self._db.fetchone("SELECT value FROM kb_meta WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO kb_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
