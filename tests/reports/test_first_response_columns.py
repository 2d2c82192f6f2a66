"""Migration 5 keeps each conversation's first customer message and first bot reply (triggers) and
backfills them for conversations that existed before it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.conversation.model import MessageRecord
from bot.store import Store
from bot.store.sqlite.database import Database, _statements
from bot.store.sqlite.migrations import MIGRATIONS

TS = "2025-03-05T10:00:{:02d}.000000+00:00"


async def test_triggers_keep_the_first_customer_message_and_bot_reply(store: Store) -> None:
    conv = await store.conversations.create("u1", "web", "zh")
    for sender, second in (("bot", 0), ("customer", 5), ("agent", 6), ("bot", 9), ("customer", 20), ("bot", 21)):
        await store.messages.add_message(
            MessageRecord(conv.id, "in" if sender == "customer" else "out", sender, "x", created_at=TS.format(second))
        )
    row = await store.db.fetchone(
        "SELECT first_customer_message_at AS a, first_bot_reply_at AS b FROM conversations WHERE id = ?", (conv.id,)
    )
    # the proactive bot message at :00 precedes the customer; the first reply after :05 is :09
    assert (row["a"], row["b"]) == (TS.format(5), TS.format(9))


async def test_migration_backfills_existing_conversations(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, sql in MIGRATIONS:
        if version >= 5:
            break
        for statement in _statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.execute("INSERT INTO customers (id, created_at, updated_at) VALUES ('u', 'x', 'x')")
    conn.execute("""INSERT INTO conversations (id, customer_id, channel, state, created_at, updated_at,
                    last_message_at) VALUES ('c', 'u', 'web', 'bot', 'x', 'x', 'x')""")
    conn.executemany(
        "INSERT INTO messages (conversation_id, direction, sender, text, created_at) VALUES ('c', 'out', ?, 'x', ?)",
        [("bot", TS.format(1)), ("customer", TS.format(2)), ("bot", TS.format(4))],
    )
    conn.commit()
    conn.close()
    db = await Database.open(path)
    try:
        row = await db.fetchone("SELECT first_customer_message_at AS a, first_bot_reply_at AS b FROM conversations")
        assert row is not None and (row["a"], row["b"]) == (TS.format(2), TS.format(4))
    finally:
        await db.close()


def test_statement_splitter_keeps_trigger_bodies_whole() -> None:
    sql = """CREATE TABLE a (x); CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; SELECT 1; END;
             -- a comment; with a semicolon
             CREATE INDEX i ON a(x);"""
    statements = _statements(sql)
    assert len(statements) == 3 and statements[1].endswith("END;")
