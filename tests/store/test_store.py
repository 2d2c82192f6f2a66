"""The store contract; the `store` fixture is parametrized over every backend."""

from __future__ import annotations

import asyncio

import pytest

from bot.conversation.model import DecisionRecord, MessageRecord, TurnRecord
from bot.kb.faq import FaqEntry
from bot.store import Store
from bot.store.sqlite.database import Database
from bot.store.sqlite.store import sqlite_store


def faq(i: int, question: str = "问题", answer: str = "答案") -> FaqEntry:
    return FaqEntry(id=f"f{i}", question=f"{question}{i}", answers={"zh": answer})


async def test_faq_upsert_counts_and_round_trip(store: Store) -> None:
    assert await store.faqs.upsert_faqs([faq(1), faq(2)]) == (2, 0)
    changed = FaqEntry(id="f1", question="新问题", answers={"zh": "a", "en": "b"}, similar_questions=("x",))
    assert await store.faqs.upsert_faqs([changed, faq(3)]) == (1, 1)
    entries = {e.id: e for e in await store.faqs.list_faqs()}
    assert entries["f1"] == changed
    assert len(entries) == 3
    assert await store.faqs.delete_faq("f2") is True
    assert await store.faqs.delete_faq("f2") is False
    assert await store.faqs.count() == 2


async def test_conversation_turns_are_persisted_in_order(store: Store) -> None:
    conv = await store.conversations.create("cust-1", "web", "zh")
    assert (await store.conversations.latest_for("cust-1", "web")) == conv

    async def turn(n: int) -> None:
        msgs = (
            MessageRecord(conv.id, "in", "customer", f"q{n}"),
            MessageRecord(conv.id, "out", "bot", f"a{n}"),
        )
        decision = DecisionRecord(conv.id, "fallback", "no candidate", {"n": n})
        await store.conversations.record_turn(TurnRecord(conv, msgs, decision, ("web", f"m{n}", "{}")))

    # Concurrent turns share transactions (group commit) but every one is durable on return.
    await asyncio.gather(*(turn(n) for n in range(20)))
    texts = [m.text for m in await store.messages.messages(conv.id)]
    assert len(texts) == 40
    assert texts[:2] == ["q0", "a0"]
    assert len(await store.messages.decisions(conv.id)) == 20
    assert await store.processed.processed_result("web", "cust-1", "m7") == {}
    assert await store.processed.processed_result("web", "cust-1", "zzz") is None


async def test_processed_ids_are_per_customer(store: Store) -> None:
    a = await store.conversations.create("cust-a", "web", "zh")
    b = await store.conversations.create("cust-b", "web", "zh")
    for conv, result in ((a, '{"who": "a"}'), (b, '{"who": "b"}')):
        msg = (MessageRecord(conv.id, "in", "customer", "hi"),)
        await store.conversations.record_turn(TurnRecord(conv, msg, None, ("web", "m1", result)))
    assert await store.processed.processed_result("web", "cust-a", "m1") == {"who": "a"}
    assert await store.processed.processed_result("web", "cust-b", "m1") == {"who": "b"}
    assert await store.processed.processed_result("web", "cust-c", "m1") is None


async def test_migration_7_keeps_processed_messages(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.store.sqlite.database as database

    shipped = database.MIGRATIONS
    monkeypatch.setattr(database, "MIGRATIONS", tuple(m for m in shipped if m[0] < 7))
    db = await Database.open(tmp_path / "old.sqlite3")  # a database from before the customer was in the key
    ts = "2025-01-01T00:00:00+00:00"
    await db.execute("INSERT INTO customers (id, created_at, updated_at) VALUES ('cust-1', ?, ?)", (ts, ts))
    await db.execute(
        """INSERT INTO conversations (id, customer_id, channel, state, created_at, updated_at, last_message_at)
           VALUES ('conv-1', 'cust-1', 'web', 'bot', ?, ?, ?)""", (ts, ts, ts))
    await db.execute(
        """INSERT INTO processed_messages (channel, message_id, conversation_id, result, created_at)
           VALUES ('web', 'm1', 'conv-1', '{"route": "faq"}', ?)""", (ts,))
    await db.close()
    monkeypatch.setattr(database, "MIGRATIONS", shipped)
    store = sqlite_store(await Database.open(tmp_path / "old.sqlite3"))
    try:
        row = await store.db.fetchone("SELECT * FROM processed_messages")
        assert row is not None and dict(row) == {
            "channel": "web", "customer_id": "cust-1", "message_id": "m1", "conversation_id": "conv-1",
            "result": '{"route": "faq"}', "created_at": ts,
        }
        # A retry that reaches the upgraded service is still answered from the kept row.
        assert await store.processed.processed_result("web", "cust-1", "m1") == {"route": "faq"}
    finally:
        await store.close()


async def test_a_failing_turn_does_not_sink_its_batch(store: Store) -> None:
    conv = await store.conversations.create("cust-2", "web", "zh")
    good = TurnRecord(conv, (MessageRecord(conv.id, "in", "customer", "hello"),), None)
    bad = TurnRecord(conv, (MessageRecord("no-such-conversation", "in", "customer", "x"),), None)
    results = await asyncio.gather(
        store.conversations.record_turn(good), store.conversations.record_turn(bad), return_exceptions=True
    )
    assert results[0] is None and isinstance(results[1], Exception)
    assert [m.text for m in await store.messages.messages(conv.id)] == ["hello"]


async def test_migrations_are_idempotent(tmp_path) -> None:
    db = await Database.open(tmp_path / "x.sqlite3")
    version = await db.migrate()
    await db.close()
    db = await Database.open(tmp_path / "x.sqlite3")
    assert await db.migrate() == version
    row = await db.fetchone("PRAGMA journal_mode")
    assert row[0] == "wal"
    await db.close()


@pytest.mark.parametrize("enabled", [True, False])
async def test_channels_register(store: Store, enabled: bool) -> None:
    assert await store.channels.add("shop-web", "web", {"color": "blue"}, enabled=enabled) is True
    assert await store.channels.add("shop-web", "web", {}, enabled=enabled) is False
    record = await store.channels.get("shop-web")
    assert record is not None and record.enabled is enabled and record.settings == {}


async def test_channel_state_is_kept_per_channel_and_key(store: Store) -> None:
    assert await store.channels.get_state("telegram", "offset:1") is None
    await store.channels.set_state("telegram", "offset:1", "41")
    await store.channels.set_state("telegram", "offset:1", "42")
    await store.channels.set_state("other", "offset:1", "7")
    assert await store.channels.get_state("telegram", "offset:1") == "42"
    assert await store.channels.get_state("other", "offset:1") == "7"
