"""Erasure figure: `python run_bot.py bench --erasure [--customer-messages 10000] [--json]`.

Seeds a temporary SQLite store with other customers' traffic (100,000 messages) and three
customers of `--customer-messages` messages each (in 50 conversations, with 20 tickets, their
events and ratings), then times CustomerData.erase for each: the one transaction (with
secure_delete) and the WAL checkpoint after it, as DELETE /api/customers/{id} runs them.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core.clock import now_iso
from bot.customers.privacy import CustomerData
from bot.store import Store
from bot.store.factory import open_store

BACKGROUND_MESSAGES = 100_000
CONVERSATIONS = 50
TICKETS = 20
TEXT = "我的订单 2024120112345 还没到，地址是幸福路 12 号，电话 13812345678"


async def _seed_customer(store: Store, customer_id: str, messages: int) -> None:
    ts = now_iso()
    convs = [uuid.uuid4().hex for _ in range(CONVERSATIONS)]
    async with store.db.transaction() as conn:
        await conn.execute("INSERT INTO customers (id, name, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                           (customer_id, "张三", "13812345678", ts, ts))
        await conn.executemany(
            """INSERT INTO conversations (id, customer_id, channel, state, language, slots, created_at, updated_at,
                   last_message_at, closed_at) VALUES (?, ?, 'web', 'closed', 'zh', '{"order_id": "2024120112345"}',
                   ?, ?, ?, ?)""", [(c, customer_id, ts, ts, ts, ts) for c in convs])
        await conn.executemany(
            """INSERT INTO messages (conversation_id, direction, sender, text, created_at) VALUES (?, ?, ?, ?, ?)""",
            [(convs[i % CONVERSATIONS], "in" if i % 2 == 0 else "out", "customer" if i % 2 == 0 else "bot",
              f"{TEXT} #{i}", ts) for i in range(messages)])
        await conn.executemany(
            """INSERT INTO decisions (conversation_id, route, reason, created_at) VALUES (?, 'faq', ?, ?)""",
            [(convs[i % CONVERSATIONS], f"退款: {TEXT}", ts) for i in range(messages // 2)])
        tickets = [f"{customer_id}-T{i}" for i in range(TICKETS)]
        await conn.executemany(
            """INSERT INTO tickets (id, customer_id, conversation_id, title, description, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(t, customer_id, convs[i], TEXT, TEXT, ts, ts) for i, t in enumerate(tickets)])
        await conn.executemany(
            """INSERT INTO ticket_events (ticket_id, actor, kind, comment, created_at)
               VALUES (?, 'agent', 'comment', ?, ?)""",
            [(t, TEXT, ts) for t in tickets for _ in range(3)])
        await conn.executemany(
            """INSERT INTO ratings (conversation_id, customer_id, score, comment, created_at) VALUES (?, ?, 4, ?, ?)""",
            [(c, customer_id, TEXT, ts) for c in convs[:10]])


async def _seed_background(store: Store, messages: int) -> None:
    ts = now_iso()
    per = 20
    async with store.db.transaction() as conn:
        for start in range(0, messages, 10_000):
            rows = []
            for i in range(start, min(messages, start + 10_000), per):
                cid, conv = f"bg-{i // per}", uuid.uuid4().hex
                await conn.execute("INSERT INTO customers (id, created_at, updated_at) VALUES (?, ?, ?)", (cid, ts, ts))
                await conn.execute(
                    """INSERT INTO conversations (id, customer_id, channel, state, language, created_at, updated_at,
                           last_message_at) VALUES (?, ?, 'web', 'bot', 'zh', ?, ?, ?)""", (conv, cid, ts, ts, ts))
                rows.extend((conv, "in", "customer", f"{TEXT} bg{j}", ts) for j in range(per))
            await conn.executemany(
                "INSERT INTO messages (conversation_id, direction, sender, text, created_at) VALUES (?, ?, ?, ?, ?)",
                rows)


async def run(customer_messages: int, customers: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate({"storage": {"data_dir": tmp}, "root": Path(tmp)})
        store = await open_store(settings)
        try:
            await _seed_background(store, BACKGROUND_MESSAGES)
            ids = [f"bench-erase-{n}" for n in range(customers)]
            for cid in ids:
                await _seed_customer(store, cid, customer_messages)
            await store.db.checkpoint()
            data = CustomerData(store)
            seconds = []
            for cid in ids:
                started = time.perf_counter()
                result = await data.erase(cid, "bench")
                seconds.append(time.perf_counter() - started)
                assert result.status == "erased" and result.counts["messages"] == customer_messages
            left = await store.db.fetchone(
                "SELECT COUNT(*) AS n FROM messages WHERE text != '' AND conversation_id IN "
                "(SELECT id FROM conversations WHERE customer_id LIKE 'erased-%')")
        finally:
            await store.close()
    return {
        "customer_messages": customer_messages, "background_messages": BACKGROUND_MESSAGES,
        "erase_seconds": [round(s, 3) for s in seconds], "median_seconds": round(statistics.median(seconds), 3),
        "max_seconds": round(max(seconds), 3), "text_left": left["n"] if left else None, "target_seconds": 2.0,
    }


def render(report: dict[str, Any]) -> str:
    ok = "✓" if report["max_seconds"] <= report["target_seconds"] else "✗"
    return (f"erasure of a customer with {report['customer_messages']:,} messages "
            f"(store with {report['background_messages']:,} other messages): "
            f"median {report['median_seconds']} s, max {report['max_seconds']} s "
            f"(runs {report['erase_seconds']}) — target ≤ {report['target_seconds']} s {ok}; "
            f"text left: {report['text_left']}")
