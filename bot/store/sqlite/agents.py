"""Agents: profile, presence, hashed API token.

Only the SHA-256 of an agent's token is stored; the plain token is shown once when the agent is
added. Looking a token up by its hash needs no constant-time compare: the hash is the index key
and an attacker learns nothing useful from the timing of a B-tree lookup.
"""

from __future__ import annotations

import sqlite3

from bot.agents.model import Agent, DuplicateAgent
from bot.core.clock import dumps
from bot.store.sqlite.database import Database


class AgentRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, agent: Agent, token_hash: str) -> None:
        try:
            await self._db.execute(
                """INSERT INTO agents (id, name, skills, languages, max_concurrent_chats, status, token_hash,
                       last_seen_at, last_assigned_at, created_at, token_issued_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (agent.id, agent.name, dumps(list(agent.skills)), dumps(list(agent.languages)),
                 agent.max_concurrent_chats, agent.status, token_hash, agent.last_seen_at,
                 agent.last_assigned_at, agent.created_at, agent.token_issued_at or agent.created_at),
            )
        except sqlite3.IntegrityError as exc:
            if "agents.id" in str(exc):
                raise DuplicateAgent(agent.id) from None
            raise

    async def get(self, agent_id: str) -> Agent | None:
        row = await self._db.fetchone("SELECT * FROM agents WHERE id = ?", (agent_id,))
        return Agent.from_row(row) if row else None

    async def by_token_hash(self, token_hash: str) -> Agent | None:
        row = await self._db.fetchone("SELECT * FROM agents WHERE token_hash = ?", (token_hash,))
        return Agent.from_row(row) if row else None

    async def list(self, status: str | None = None) -> list[Agent]:
        if status is None:
            rows = await self._db.fetchall("SELECT * FROM agents ORDER BY id")
        else:
            rows = await self._db.fetchall("SELECT * FROM agents WHERE status = ? ORDER BY id", (status,))
        return [Agent.from_row(r) for r in rows]

    async def set_status(self, agent_id: str, status: str, at: str) -> bool:
        return await self._db.execute(
            "UPDATE agents SET status = ?, last_seen_at = ? WHERE id = ?", (status, at, agent_id)
        ) == 1

    async def replace_token(self, agent_id: str, token_hash: str, at: str) -> bool:
        return await self._db.execute(
            "UPDATE agents SET token_hash = ?, token_issued_at = ? WHERE id = ?", (token_hash, at, agent_id)
        ) == 1

    async def touch(self, agent_id: str, at: str) -> None:
        await self._db.execute("UPDATE agents SET last_seen_at = ? WHERE id = ?", (at, agent_id))

    async def idle_since(self, status: str, before: str) -> list[Agent]:
        """Agents in `status` not seen since `before` (NULL last_seen counts as idle)."""
        rows = await self._db.fetchall(
            "SELECT * FROM agents WHERE status = ? AND (last_seen_at IS NULL OR last_seen_at < ?)",
            (status, before),
        )
        return [Agent.from_row(r) for r in rows]

    async def online_with_load(self) -> list[tuple[str, str, str, int, str | None, int]]:
        """Online agents as assignment needs them, with their open chats, in one query:
        (id, skills json, languages json, max chats, last_assigned_at, active chats)."""
        rows = await self._db.fetchall(
            """SELECT a.id, a.skills, a.languages, a.max_concurrent_chats, a.last_assigned_at,
                      COALESCE(c.n, 0)
               FROM agents a LEFT JOIN (
                   SELECT agent_id, COUNT(*) AS n FROM handoffs
                   WHERE ended_at IS NULL AND assigned_at IS NOT NULL GROUP BY agent_id
               ) c ON c.agent_id = a.id
               WHERE a.status = 'online'"""
        )
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    async def mark_away(self, agent_ids: list[str], before: str) -> None:
        """Set online agents still idle since `before` to away (re-checked in SQL: no lost touch)."""
        await self._db.executemany(
            """UPDATE agents SET status = 'away' WHERE id = ? AND status = 'online'
               AND (last_seen_at IS NULL OR last_seen_at < ?)""",
            [(a, before) for a in agent_ids],
        )
