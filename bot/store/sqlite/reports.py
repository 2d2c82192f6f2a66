"""Report queries, computed in SQL: counts, shares and duration statistics over a time window.

Each method takes the window `[start, end)` as store timestamps (UTC ISO-8601 text) and returns
plain rows; bot/reports/service.py turns them into report records and documents what each one means.
The SQL lives in bot/store/sqlite/report_sql.py.

Reports read through their own connections (`ReportRepo.reader()`), opened for one report and
closed after it: a report's queries then run in parallel on up to `readers` cores (sqlite3 lets
go of the GIL while a query runs), and — WAL readers never block the writer — a long report does
not hold up the shared connection that serves customer turns. Each connection reads in one
transaction, so its figures come from one snapshot.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from bot.store.sqlite import report_sql as q
from bot.store.sqlite.database import Database
from bot.store.sqlite.insight import InsightQueries

Row = dict[str, Any]
Counts = list[tuple[str | None, int]]

DURATIONS = {
    "bot_first_response": q.BOT_FIRST_RESPONSE,
    "bot_resolution": q.BOT_RESOLUTION,
    "human_first_response": q.HUMAN_FIRST_RESPONSE,
    "handle_time": q.HANDLE_TIME,
    "ticket_first_response": q.TICKET_FIRST_RESPONSE,
    "ticket_resolution": q.TICKET_RESOLUTION,
}
AGENT_DURATIONS = {
    "first_response": q.AGENT_FIRST_RESPONSE,
    "handle_time": q.AGENT_HANDLE_TIME,
    "ticket_resolution": q.AGENT_TICKET_RESOLUTION,
}


class ReportRepo:
    def __init__(self, db: Database, *, readers: int | None = None) -> None:
        self._db = db
        self._readers = readers or max(1, min(4, os.cpu_count() or 1))

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[ReportReader]:
        """Read connections for one report; an in-memory database is read through its own one."""
        if str(self._db.path) == ":memory:":
            yield ReportReader(_Shared(self._db))
            return
        conns: list[aiosqlite.Connection] = []
        try:
            for _ in range(self._readers):
                conn = await aiosqlite.connect(str(self._db.path), isolation_level=None)
                conns.append(conn)
                conn.row_factory = sqlite3.Row
                for pragma in (
                    "PRAGMA query_only=ON",
                    "PRAGMA busy_timeout=5000",
                    "PRAGMA temp_store=MEMORY",
                    "PRAGMA cache_size=-16384",
                    "BEGIN",
                ):
                    await conn.execute(pragma)
            yield ReportReader(_Pool(conns))
        finally:
            for conn in conns:
                await conn.close()  # ends the read transaction too


class _Shared:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def fetchall(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        return await self._db.fetchall(sql, params)


class _Pool:
    """Each query takes a free connection, so concurrent queries run on different threads."""

    def __init__(self, conns: list[aiosqlite.Connection]) -> None:
        self._free: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for conn in conns:
            self._free.put_nowait(conn)

    async def fetchall(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        conn = await self._free.get()
        try:
            return list(await conn.execute_fetchall(sql, params))
        finally:
            self._free.put_nowait(conn)


class ReportReader(InsightQueries):
    def __init__(self, source: _Shared | _Pool) -> None:
        self._source = source

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return [dict(r) for r in await self._source.fetchall(sql, params)]

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Row:
        rows = await self._rows(sql, params)
        assert len(rows) == 1  # aggregate queries return exactly one row
        return rows[0]

    async def _counts(self, sql: str, params: tuple[Any, ...]) -> Counts:
        return [(r["key"], int(r["n"])) for r in await self._rows(sql, params)]

    async def duration(self, name: str, start: str, end: str) -> Row:
        """{n, avg, median, p95} in seconds for one of DURATIONS."""
        return await self._one(DURATIONS[name], (start, end))

    async def agent_duration(self, name: str, agent_id: str, start: str, end: str) -> Row:
        return await self._one(AGENT_DURATIONS[name], (start, end, agent_id))

    async def conversations(self, start: str, end: str) -> Row:
        """{total, with_agent, handed_off, both_} of conversations created in the window."""
        return await self._one(q.CONVERSATIONS, (start, end))

    async def tickets(self, start: str, end: str) -> Row:
        """{created, done, unassigned} of tickets created in the window."""
        return await self._one(q.TICKETS, (start, end))

    async def handoffs_queued(self, start: str, end: str) -> int:
        return int((await self._one(q.HANDOFFS_QUEUED, (start, end)))["n"])

    async def channels(self, start: str, end: str) -> Counts:
        return await self._counts(q.CHANNELS, (start, end))

    async def intents(self, start: str, end: str) -> Counts:
        return await self._counts(q.INTENTS, (start, end))

    async def ticket_types(self, start: str, end: str) -> Counts:
        return await self._counts(q.TICKET_TYPES, (start, end))

    async def sla(self, start: str, end: str, agent_id: str | None = None) -> Row:
        """{met_response, ok_response, late_response, met_resolution, ok_resolution, late_resolution}."""
        if agent_id is None:
            return await self._one(q.SLA, (start, end))
        return await self._one(q.AGENT_SLA, (start, end, agent_id))

    async def csat(self, start: str, end: str, agent_id: str | None = None) -> Row:
        """{n, avg, satisfied, s1..s5} of ratings given in the window."""
        if agent_id is None:
            return await self._one(q.CSAT, (start, end))
        return await self._one(q.AGENT_CSAT, (start, end, agent_id))

    async def agent_loads(self, start: str, end: str) -> list[Row]:
        """Every agent: {agent_id, name, tickets, resolved, handoffs}, busiest first."""
        return await self._rows(q.AGENT_LOADS, (start, end))

    async def daily(self, start: str, end: str, dates: list[str]) -> list[Row]:
        """One row per date (YYYY-MM-DD, UTC): conversations, tickets_created, tickets_resolved."""
        return await self._rows(q.DAILY, (start, end, json.dumps(dates)))

    async def agent(self, agent_id: str) -> Row | None:
        rows = await self._rows(q.AGENT, (agent_id,))
        return rows[0] if rows else None

    async def agent_tickets(self, agent_id: str, start: str, end: str) -> int:
        return int((await self._one(q.AGENT_TICKETS, (start, end, agent_id)))["n"])

    async def agent_handoffs(self, agent_id: str, start: str, end: str) -> Row:
        """{n, conversations}: the agent's episodes queued in the window, distinct conversations."""
        return await self._one(q.AGENT_HANDOFFS, (start, end, agent_id))

    async def csat_by_agent(self, start: str, end: str) -> list[Row]:
        return await self._rows(q.CSAT_BY_AGENT, (start, end))

    async def csat_by_channel(self, start: str, end: str) -> list[Row]:
        return await self._rows(q.CSAT_BY_CHANNEL, (start, end))

    async def low_ratings(self, start: str, end: str, max_score: int = 2, limit: int = 20) -> list[Row]:
        return await self._rows(q.LOW_RATINGS, (start, end, max_score, limit))
