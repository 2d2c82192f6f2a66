"""The retention purge: closed conversations older than a cutoff lose their customer text.

What is blanked is the erasure's list (`customer_data.blank_text`), scoped to a batch of
conversations instead of one customer: message bodies, slots, decision and handoff reasons,
rating comments, and the text of the batch's finished tickets (resolved, closed, cancelled; an
open ticket is still being worked on and keeps its text). The dedupe rows of those conversations
(they hold the replies) are deleted. Rows, times, routes, scores and statuses stay, so reports
count the same; the customer's profile is not a conversation's and stays.

Each batch is one short transaction (`BEGIN IMMEDIATE`, `secure_delete` on for it), so turns'
group commits interleave between batches. A purged conversation carries `purged_at`; the partial
index `conversations_purge_due` holds only the ones still due, so a run seeks them and never
rescans. Re-opened and closed again later, a conversation is due again (its new text).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.core.clock import now_iso
from bot.store.sqlite.customer_data import blank_text
from bot.store.sqlite.database import Database

if TYPE_CHECKING:
    from bot.store.sqlite.conversations import ConversationRepo

# Written exactly as the partial index's WHERE, which the due queries name (INDEXED BY): left to
# itself the planner picks conversations_state and walks every closed conversation, purged or not.
_DUE_INDEX = "conversations INDEXED BY conversations_purge_due"
_DUE = "state = 'closed' AND (purged_at IS NULL OR purged_at < closed_at)"
_BATCH = f"SELECT id FROM conversations WHERE id IN (SELECT value FROM json_each(?1)) AND {_DUE}"
_FINISHED = "('resolved', 'closed', 'cancelled')"
COUNT_DUE = f"""SELECT COUNT(*) AS conversations,
    COALESCE(SUM((SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)), 0) AS messages
    FROM conversations c INDEXED BY conversations_purge_due WHERE {_DUE} AND closed_at < ?1 AND last_message_at < ?1"""
NEXT_DUE = f"""SELECT id, customer_id, channel FROM {_DUE_INDEX}
    WHERE {_DUE} AND closed_at < ?1 AND last_message_at < ?1 ORDER BY closed_at LIMIT ?2"""
_TICKETS = f"SELECT id FROM tickets WHERE conversation_id IN ({_BATCH}) AND status IN {_FINISHED}"


class RetentionRepo:
    def __init__(self, db: Database, conversations: ConversationRepo) -> None:
        self._db = db
        self._conversations = conversations

    async def due(self, cutoff: str) -> dict[str, int]:
        """How many conversations (and their messages) a purge with this cutoff would blank."""
        row = await self._db.fetchone(COUNT_DUE, (cutoff,))
        return {"conversations": row["conversations"], "messages": row["messages"]} if row else {}

    async def purge_batch(self, cutoff: str, limit: int) -> dict[str, int]:
        """Blank up to `limit` due conversations in one transaction; the counts of rows changed
        (`conversations` 0: nothing was due)."""
        await self._conversations.drain()  # turns committed before, not half after
        rows = await self._db.fetchall(NEXT_DUE, (cutoff, limit))
        if not rows:
            return {"conversations": 0}
        ids = json.dumps([r["id"] for r in rows])
        async with self._db.transaction() as conn:
            await conn.execute("PRAGMA secure_delete = ON")
            try:
                # The batch's subquery re-checks state under the write lock: one re-opened since
                # the read above is left alone.
                counts = await blank_text(conn, _BATCH, _TICKETS, f"conversation_id IN ({_BATCH})", (ids,))
                cur = await conn.execute(
                    f"""DELETE FROM processed_messages
                        WHERE customer_id IN (SELECT customer_id FROM conversations WHERE id IN ({_BATCH}))
                          AND conversation_id IN ({_BATCH})""", (ids,))
                counts["processed_messages"] = cur.rowcount
                cur = await conn.execute(f"UPDATE conversations SET purged_at = ?2 WHERE id IN ({_BATCH})",
                                         (ids, now_iso()))
                counts["conversations"] = cur.rowcount
            finally:
                await conn.execute("PRAGMA secure_delete = OFF")
        # The repository's cache must not write a purged conversation's old fields back.
        self._conversations.forget_conversations([(r["customer_id"], r["channel"], r["id"]) for r in rows])
        return counts

    async def checkpoint(self) -> None:
        """After a run: the WAL (which holds the old pages) is folded in and truncated."""
        await self._db.checkpoint()

