"""Handoff episodes (migration 2): one row per stretch a conversation spends with (or waiting for)
one human. Queued rows have no agent; a transfer ends the row and opens a new one for the next
agent, so per-agent figures (wait, first reply, handle time, CSAT) come straight from here.
"""

from __future__ import annotations

from bot.handoff.model import Handoff
from bot.store.sqlite.database import Database

# SQL rank of a priority: urgent first. Unknown values sort with normal.
_RANK = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'low' THEN 3 ELSE 2 END"


class HandoffRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, h: Handoff) -> Handoff:
        """Insert a handoff; when it is born assigned, stamp the agent's last assignment too."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                """INSERT INTO handoffs (conversation_id, customer_id, channel, reason, priority, skill,
                       language, ticket_id, agent_id, queued_at, assigned_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (h.conversation_id, h.customer_id, h.channel, h.reason, h.priority, h.skill, h.language,
                 h.ticket_id, h.agent_id, h.queued_at, h.assigned_at),
            )
            if h.agent_id is not None:
                await conn.execute("UPDATE agents SET last_assigned_at = ? WHERE id = ?", (h.assigned_at, h.agent_id))
            new_id = cur.lastrowid
        assert new_id is not None
        return Handoff(**{**h.as_dict(), "id": new_id})

    async def claim(self, handoff_id: int, agent_id: str, at: str) -> bool:
        """Assign a waiting handoff; False if someone else got it first (exactly one claim wins)."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                """UPDATE handoffs SET agent_id = ?, assigned_at = ?
                   WHERE id = ? AND assigned_at IS NULL AND ended_at IS NULL""",
                (agent_id, at, handoff_id),
            )
            if cur.rowcount != 1:
                return False
            await conn.execute("UPDATE agents SET last_assigned_at = ? WHERE id = ?", (at, agent_id))
        return True

    async def unclaim(self, handoff_id: int) -> None:
        """Undo a claim whose conversation could not be updated (keeps the queue truthful)."""
        await self._db.execute("UPDATE handoffs SET agent_id = NULL, assigned_at = NULL WHERE id = ?", (handoff_id,))

    async def set_ticket(self, handoff_id: int, ticket_id: str) -> None:
        await self._db.execute("UPDATE handoffs SET ticket_id = ? WHERE id = ?", (ticket_id, handoff_id))

    async def end(self, handoff_id: int, at: str, outcome: str) -> None:
        await self._db.execute(
            "UPDATE handoffs SET ended_at = ?, outcome = ? WHERE id = ? AND ended_at IS NULL",
            (at, outcome, handoff_id),
        )

    async def first_reply(self, handoff_id: int, at: str) -> bool:
        """Stamp the first agent reply; True only the first time."""
        return await self._db.execute(
            "UPDATE handoffs SET first_agent_reply_at = ? WHERE id = ? AND first_agent_reply_at IS NULL",
            (at, handoff_id),
        ) == 1

    async def open_for(self, conversation_id: str) -> Handoff | None:
        row = await self._db.fetchone(
            "SELECT * FROM handoffs WHERE conversation_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
            (conversation_id,),
        )
        return Handoff.from_row(row) if row else None

    async def last_for(self, conversation_id: str) -> Handoff | None:
        row = await self._db.fetchone(
            "SELECT * FROM handoffs WHERE conversation_id = ? ORDER BY id DESC LIMIT 1", (conversation_id,)
        )
        return Handoff.from_row(row) if row else None

    async def waiting(self, limit: int = 500) -> list[Handoff]:
        """The queue, in service order: priority (urgent first), then first come first served."""
        rows = await self._db.fetchall(
            f"""SELECT * FROM handoffs WHERE ended_at IS NULL AND assigned_at IS NULL
                ORDER BY {_RANK}, queued_at, id LIMIT ?""",
            (limit,),
        )
        return [Handoff.from_row(r) for r in rows]

    async def assigned_to(self, agent_id: str) -> list[Handoff]:
        rows = await self._db.fetchall(
            """SELECT * FROM handoffs WHERE agent_id = ? AND ended_at IS NULL AND assigned_at IS NOT NULL
               ORDER BY assigned_at""",
            (agent_id,),
        )
        return [Handoff.from_row(r) for r in rows]

    async def position(self, h: Handoff) -> int:
        """1-based place in the queue (1 = next to be served)."""
        row = await self._db.fetchone(
            f"""SELECT COUNT(*) AS ahead FROM handoffs WHERE ended_at IS NULL AND assigned_at IS NULL
                AND ({_RANK} < ? OR ({_RANK} = ? AND (queued_at < ? OR (queued_at = ? AND id < ?))))""",
            (rank(h.priority), rank(h.priority), h.queued_at, h.queued_at, h.id),
        )
        return (row["ahead"] if row else 0) + 1

    async def active_counts(self) -> dict[str, int]:
        """Open assigned handoffs per agent: each agent's current number of chats."""
        rows = await self._db.fetchall(
            """SELECT agent_id, COUNT(*) AS n FROM handoffs
               WHERE ended_at IS NULL AND assigned_at IS NOT NULL GROUP BY agent_id"""
        )
        return {r["agent_id"]: r["n"] for r in rows}

    async def visible_to(self, customer_id: str, agent_id: str) -> bool:
        """Whether this agent is serving (or may pick up) one of the customer's conversations."""
        row = await self._db.fetchone(
            """SELECT 1 FROM handoffs WHERE customer_id = ? AND ended_at IS NULL
               AND (agent_id = ? OR assigned_at IS NULL) LIMIT 1""",
            (customer_id, agent_id),
        )
        return row is not None


def rank(priority: str) -> int:
    return {"urgent": 0, "high": 1, "low": 3}.get(priority, 2)
