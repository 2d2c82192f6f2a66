"""The retention job in the running service: it purges in the background while turns answer."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.config import load_settings
from bot.customers.retention import RetentionPurge
from bot.store import Store
from tests.api.test_customers_privacy import say, services
from tests.conftest import write_project

OLD = (datetime.now(UTC) - timedelta(days=90)).isoformat(timespec="microseconds")


async def old_closed(store: Store, n: int, per: int = 5) -> None:
    """n closed conversations of 90 days ago, `per` messages each, written straight to the store."""
    await store.db.executemany(
        """INSERT INTO customers (id, created_at, updated_at) VALUES (?, ?, ?)""",
        [(f"old-{i}", OLD, OLD) for i in range(n)])
    await store.db.executemany(
        """INSERT INTO conversations (id, customer_id, channel, state, created_at, updated_at, last_message_at,
                                      closed_at) VALUES (?, ?, 'api', 'closed', ?, ?, ?, ?)""",
        [(f"conv-old-{i}", f"old-{i}", OLD, OLD, OLD, OLD) for i in range(n)])
    await store.db.executemany(
        """INSERT INTO messages (conversation_id, direction, sender, text, created_at)
           VALUES (?, 'in', 'customer', ?, ?)""",
        [(f"conv-old-{i}", f"我的手机 1390000{i:04d} 第{j}条", OLD) for i in range(n) for j in range(per)])


async def test_the_job_purges_in_the_background_while_messages_answer(client: TestClient) -> None:
    store = services(client).store
    await old_closed(store, 300)
    events: list[tuple[str, Any]] = []
    purge = RetentionPurge(store, 30, batch=20, pause=0.01)

    async def run() -> None:
        report = await purge.purge(progress=lambda done, total: events.append(("batch", done)))
        events.append(("done", report.purged.get("messages")))

    job = asyncio.create_task(run())
    while not job.done():
        turn = await say(client, "live-customer", "你好")  # POST /api/message, answered meanwhile
        assert turn["replies"]
        events.append(("turn", turn["route"]))
    await job
    kinds = [k for k, _ in events]
    first, last = kinds.index("batch"), len(kinds) - 1 - kinds[::-1].index("batch")
    assert "turn" in kinds[first:last], kinds  # turns answered between the batches, not after them all
    assert ("done", 1500) in events
    with sqlite3.connect(Path(store.db.path)) as db:
        assert db.execute("SELECT COUNT(*) FROM messages WHERE conversation_id LIKE 'conv-old-%' AND text != ''"
                          ).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM messages WHERE conversation_id LIKE 'conv-old-%'").fetchone()[0] == 1500


async def test_the_service_starts_the_job_when_retention_is_set(tmp_path: Path) -> None:
    settings = load_settings(write_project(tmp_path, {"privacy": {"retention_days": 30}}), env={})
    async with TestClient(TestServer(create_app(settings, background=True))) as c:
        await old_closed(services(c).store, 5)
        for _ in range(200):  # the job's first run is at start; these rows came after it
            if any(t.get_name() == "retention-purge" for t in asyncio.all_tasks()):
                break
            await asyncio.sleep(0.01)
        assert any(t.get_name() == "retention-purge" for t in asyncio.all_tasks())
        assert (await say(c, "someone", "你好"))["replies"]
