"""CSAT ratings: one row per answered survey, linked to the agent and ticket it rates."""

from __future__ import annotations

from bot.csat.model import Rating
from bot.store.sqlite.database import Database


class RatingRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, rating: Rating) -> Rating:
        if not 1 <= rating.score <= 5:
            raise ValueError(f"score must be 1-5, got {rating.score}")
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                """INSERT INTO ratings (conversation_id, ticket_id, agent_id, customer_id, score, comment,
                       created_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (rating.conversation_id, rating.ticket_id, rating.agent_id, rating.customer_id,
                 rating.score, rating.comment, rating.created_at),
            )
            new_id = cur.lastrowid
        return Rating(**{**rating.as_dict(), "id": new_id})

    async def for_conversation(self, conversation_id: str) -> list[Rating]:
        rows = await self._db.fetchall(
            "SELECT * FROM ratings WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        return [Rating(**dict(r)) for r in rows]

    async def average_for_agent(self, agent_id: str) -> tuple[float | None, int]:
        row = await self._db.fetchone(
            "SELECT AVG(score) AS avg, COUNT(*) AS n FROM ratings WHERE agent_id = ?", (agent_id,)
        )
        if row is None or not row["n"]:
            return None, 0
        return round(row["avg"], 2), row["n"]
