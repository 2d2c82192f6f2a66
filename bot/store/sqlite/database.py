"""The SQLite connection: WAL mode, migrations, serialized writes and group commit.

One aiosqlite connection serves the process. Every call is a hop to its thread (~85 µs), so
the hot path batches: `BatchWriter` collects the writes of all turns finishing in the same
event-loop iteration and commits them in one transaction with one `executemany` per table,
and each caller waits for its commit (group commit: durable, but not one fsync per turn).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiosqlite
import structlog

from bot.core.private import private_dir, private_file, restrict
from bot.store.sqlite.migrations import MIGRATIONS

log = structlog.get_logger(__name__)
T = TypeVar("T")


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        self._conn = conn
        self.path = path
        # Writes must not interleave with another task's open transaction on the shared connection.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        private = str(path) != ":memory:"
        if private:  # created 0600 before SQLite opens it; SQLite gives -wal/-shm the database's mode
            private_file(private_dir(Path(path).parent) / Path(path).name)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
            "PRAGMA temp_store=MEMORY",
        ):
            await conn.execute(pragma)
        if private:
            for suffix in ("-wal", "-shm"):
                restrict(Path(f"{path}{suffix}"))
        db = cls(conn, path)
        await db.migrate()
        return db

    async def migrate(self) -> int:
        await self._conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        # By set, not by maximum: numbers are reserved per branch, so a lower one can land after a
        # higher one was applied and must still run.
        applied = {r["version"] for r in await self.fetchall("SELECT version FROM schema_version")}
        current = max(applied, default=0)
        for version, sql in MIGRATIONS:
            if version in applied:
                continue
            async with self.transaction() as conn:
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))
            log.info("schema_migrated", version=version)
            current = max(current, version)
        return current

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back whole on any error."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement in its own transaction; returns the number of rows changed."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it (after an erasure: no old text in the WAL)."""
        async with self._write_lock:
            await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        await self._conn.close()


class BatchWriter(Generic[T]):
    """Group commit: items submitted in the same loop iteration share one transaction."""

    def __init__(self, db: Database, flush: Callable[[aiosqlite.Connection, list[T]], Awaitable[None]]):
        self._db = db
        self._flush = flush
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, fut))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await fut

    async def _run(self) -> None:
        await asyncio.sleep(0)  # let the other turns of this iteration join the batch
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._commit([item for item, _ in batch])
            except Exception:
                # One bad item must not sink its neighbours: retry each alone, so only it fails.
                for item, fut in batch:
                    try:
                        await self._commit([item])
                    except Exception as exc:
                        _settle(fut, exc)
                    else:
                        _settle(fut, None)
                continue
            for _, fut in batch:
                _settle(fut, None)

    async def _commit(self, items: list[T]) -> None:
        async with self._db.transaction() as conn:
            await self._flush(conn, items)

    async def drain(self) -> None:
        if self._task is not None:
            await asyncio.shield(self._task)


def _statements(sql: str) -> list[str]:
    """Split a migration into statements; a trigger's BEGIN ... END body keeps its inner `;`."""
    out, buf = [], ""
    for part in sql.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \n\t;"):
        out.append(buf.strip())
    return out


def _settle(fut: asyncio.Future[None], exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is None:
        fut.set_result(None)
    else:
        fut.set_exception(exc)
