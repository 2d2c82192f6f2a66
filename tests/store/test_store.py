"""The store contract; the `store` fixture is parametrized over every backend."""

from __future__ import annotations

import asyncio

import pytest

from bot.kb.faq import FaqEntry
from bot.store import Store
from bot.store.database import Database
from bot.store.models import DecisionRecord, MessageRecord, TurnRecord


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
    texts = [m.text for m in await store.conversations.messages(conv.id)]
    assert len(texts) == 40
    assert texts[:2] == ["q0", "a0"]
    assert len(await store.conversations.decisions(conv.id)) == 20
    assert await store.conversations.processed_result("web", "m7") == {}
    assert await store.conversations.processed_result("web", "zzz") is None


async def test_a_failing_turn_does_not_sink_its_batch(store: Store) -> None:
    conv = await store.conversations.create("cust-2", "web", "zh")
    good = TurnRecord(conv, (MessageRecord(conv.id, "in", "customer", "hello"),), None)
    bad = TurnRecord(conv, (MessageRecord("no-such-conversation", "in", "customer", "x"),), None)
    results = await asyncio.gather(
        store.conversations.record_turn(good), store.conversations.record_turn(bad), return_exceptions=True
    )
    assert results[0] is None and isinstance(results[1], Exception)
    assert [m.text for m in await store.conversations.messages(conv.id)] == ["hello"]


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
