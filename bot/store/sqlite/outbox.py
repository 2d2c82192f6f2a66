"""The outbox table: claim due rows with a lease, record the outcome, list for operators."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.channels.outbox import OutboxItem
from bot.conversation.model import MessageRecord
from bot.core.clock import now_iso
from bot.store.sqlite.database import Database

_SELECT = """SELECT o.*, m.id AS m_id, m.conversation_id AS m_conversation_id, m.direction, m.sender,
    m.agent_id, m.text, m.created_at AS m_created_at, m.meta
    FROM outbox o JOIN messages m ON m.id = o.message_id"""


def _item(r: Any) -> OutboxItem:
    message = MessageRecord(
        id=r["m_id"], conversation_id=r["m_conversation_id"], direction=r["direction"], sender=r["sender"],
        agent_id=r["agent_id"], text=r["text"], created_at=r["m_created_at"],
        meta=json.loads(r["meta"]) if r["meta"] else {},
    )
    return OutboxItem(
        id=r["id"], message=message, conversation_id=r["conversation_id"], channel=r["channel"],
        customer_id=r["customer_id"], status=r["status"], attempts=r["attempts"],
        next_attempt_at=r["next_attempt_at"], last_error=r["last_error"], created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim_due(self, now: str, lease_until: str, limit: int = 100) -> list[OutboxItem]:
        """Pending rows due by `now`, oldest first, leased until `lease_until` so that another
        drain (or worker) does not send them too; a crash mid-send retries after the lease."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE outbox SET next_attempt_at = ? WHERE id IN (
                       SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                       ORDER BY id LIMIT ?) RETURNING id""",
                (lease_until, now, limit),
            )
            ids = [r[0] for r in await cur.fetchall()]
        return await self._items(ids)

    async def take_for_reply(self, message_ids: Sequence[int], now: str) -> list[OutboxItem]:
        """The rows of `message_ids` that no delivery has touched yet (pending, never attempted,
        not leased), marked sent because the caller delivers them itself (a passive reply in
        the platform's HTTP response). One conditional update: a delivery round's claim and
        this take cannot both win a row."""
        if not message_ids:
            return []
        marks = ",".join("?" * len(message_ids))
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                f"""UPDATE outbox SET status = 'sent', attempts = 1, next_attempt_at = ?, last_error = NULL,
                        updated_at = ?
                    WHERE message_id IN ({marks}) AND status = 'pending' AND attempts = 0
                      AND next_attempt_at <= ? RETURNING id""",
                (now, now, *message_ids, now),
            )
            ids = [r[0] for r in await cur.fetchall()]
        return await self._items(ids)

    async def waiting_before(self, channel: str, customer_id: str, item_id: int) -> str | None:
        """When the last earlier message still on its way to this customer is due, or None: a
        later message must not overtake it (rate limits keep each customer's order)."""
        row = await self._db.fetchone(
            """SELECT next_attempt_at FROM outbox WHERE customer_id = ? AND channel = ? AND status = 'pending'
               AND id < ? ORDER BY id DESC LIMIT 1""",
            (customer_id, channel, item_id),
        )
        return row["next_attempt_at"] if row else None

    async def _items(self, ids: Sequence[int]) -> list[OutboxItem]:
        if not ids:
            return []
        rows = await self._db.fetchall(f"{_SELECT} WHERE o.id IN ({','.join('?' * len(ids))}) ORDER BY o.id", ids)
        return [_item(r) for r in rows]

    async def mark(self, item_id: int, status: str, attempts: int, next_attempt_at: str, error: str | None) -> None:
        await self._db.execute(
            """UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?
               WHERE id = ?""",
            (status, attempts, next_attempt_at, error, now_iso(), item_id),
        )

    async def get(self, item_id: int) -> OutboxItem | None:
        row = await self._db.fetchone(f"{_SELECT} WHERE o.id = ?", (item_id,))
        return _item(row) if row else None

    async def retry(self, item_id: int) -> bool:
        """A dead letter (or a held row) back to pending, due now; False when there is none."""
        ts = now_iso()
        return await self._db.execute(
            """UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?
               WHERE id = ? AND status IN ('failed', 'held')""",
            (ts, ts, item_id),
        ) > 0

    async def list(
        self, *, status: str | None = None, conversation_id: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[OutboxItem], int]:
        where, params = [], []
        if status is not None:
            where.append("o.status = ?")
            params.append(status)
        if conversation_id is not None:
            where.append("o.conversation_id = ?")
            params.append(conversation_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = await self._db.fetchone(f"SELECT COUNT(*) AS n FROM outbox o{clause}", params)
        rows = await self._db.fetchall(f"{_SELECT}{clause} ORDER BY o.id DESC LIMIT ? OFFSET ?",
                                       [*params, limit, offset])
        return [_item(r) for r in rows], int(total["n"]) if total else 0

    async def counts(self) -> dict[str, int]:
        rows = await self._db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}
