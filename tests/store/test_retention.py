"""The retention purge in the store: old closed conversations lose their text, nothing else does."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient

from bot.customers.retention import RetentionPurge, cutoff_for
from bot.store.sqlite.retention import COUNT_DUE, NEXT_DUE
from tests.api.test_customers_privacy import customer_with_history, reports, say, services

NOW = datetime.now(UTC)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat(timespec="microseconds")


async def close_at(client: TestClient, conv_id: str, days_ago: float, *, state: str = "closed") -> None:
    ts = ago(days_ago)
    await services(client).store.db.execute(
        "UPDATE conversations SET state = ?, closed_at = ?, last_message_at = ? WHERE id = ?",
        (state, ts if state == "closed" else None, ts, conv_id))


def text_left(db: sqlite3.Connection, conv_id: str) -> dict[str, int]:
    one = lambda sql: db.execute(sql, (conv_id,)).fetchone()[0]  # noqa: E731
    return {
        "messages": one("SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND text != ''"),
        "rows": one("SELECT COUNT(*) FROM messages WHERE conversation_id = ?"),
        "ticket_text": one(
            "SELECT COUNT(*) FROM tickets WHERE conversation_id = ? AND (title != '' OR description != '')"),
        "ticket_comments": one("""SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
                                  WHERE t.conversation_id = ? AND e.comment IS NOT NULL"""),
        "rating_comments": one("SELECT COUNT(*) FROM ratings WHERE conversation_id = ? AND comment IS NOT NULL"),
        "ratings": one("SELECT COUNT(*) FROM ratings WHERE conversation_id = ?"),
        "decision_reasons": one("SELECT COUNT(*) FROM decisions WHERE conversation_id = ? AND reason != ''"),
    }


async def test_purge_blanks_old_closed_conversations_only_and_keeps_the_reports(client: TestClient) -> None:
    old = await customer_with_history(client, "c-old")
    recent = await customer_with_history(client, "c-recent")
    still_open = await customer_with_history(client, "c-open")
    store = services(client).store
    # The old one's ticket is finished (its text goes); the open conversation's ticket is in progress.
    await store.db.execute("UPDATE tickets SET status = 'resolved' WHERE conversation_id = ?", (old,))
    await close_at(client, old, 40)
    await close_at(client, recent, 2)
    await close_at(client, still_open, 40, state="bot")
    before = await reports(client)
    db_path = Path(store.db.path)
    with sqlite3.connect(db_path) as db:
        untouched = {c: text_left(db, c) for c in (recent, still_open)}
        assert text_left(db, old)["messages"] >= 4

    purge = RetentionPurge(store, 30, batch=1)
    assert (await purge.purge(dry_run=True)).due == {"conversations": 1, "messages": untouched[recent]["rows"]}
    report = await purge.purge()
    assert report.purged["conversations"] == 1 and report.purged["messages"] >= 4 and report.batches == 1
    assert report.purged["tickets"] == 1 and report.purged["ratings"] == 1

    with sqlite3.connect(db_path) as db:
        gone = text_left(db, old)
        assert gone["messages"] == gone["ticket_text"] == gone["ticket_comments"] == gone["rating_comments"] == 0
        assert gone["decision_reasons"] == 0
        assert gone["rows"] >= 4 and gone["ratings"] == 1  # the rows stay: counts, times, scores
        assert {c: text_left(db, c) for c in (recent, still_open)} == untouched
        assert db.execute("SELECT purged_at IS NOT NULL FROM conversations WHERE id = ?", (old,)).fetchone()[0]
        assert db.execute("SELECT name FROM customers WHERE id = 'c-old'").fetchone()[0] == "李四"  # profile stays
    assert await reports(client) == before

    again = await purge.purge()
    assert again.due == {"conversations": 0, "messages": 0} and again.purged == {} and again.batches == 0


async def test_a_reopened_conversation_is_due_again_after_it_closes_again(client: TestClient) -> None:
    conv = await customer_with_history(client, "c-back")
    store = services(client).store
    await close_at(client, conv, 70)
    purge = RetentionPurge(store, 30)
    assert (await purge.purge()).purged["conversations"] == 1
    # As if that purge ran 60 days ago: the customer writes, it closes 35 days ago, it is due again.
    await store.db.execute("UPDATE conversations SET purged_at = ? WHERE id = ?", (ago(60), conv))
    turn = await say(client, "c-back", "我又回来了 13912345678")  # re-opens the closed conversation
    assert turn["conversation_id"] == conv and turn["state"] != "closed"
    assert (await purge.purge()).due["conversations"] == 0  # open: not due
    await store.db.execute("UPDATE conversations SET state = 'closed', closed_at = ?, last_message_at = ? WHERE id = ?",
                           (ago(35), ago(35), conv))
    assert (await purge.purge()).purged["conversations"] == 1
    with sqlite3.connect(Path(store.db.path)) as db:
        assert text_left(db, conv)["messages"] == 0


async def test_the_due_query_seeks_the_partial_index(client: TestClient) -> None:
    """Each run seeks the due ones instead of walking every closed conversation again."""
    db = services(client).store.db
    cutoff = cutoff_for(30)
    plans = [await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
             for sql, params in ((COUNT_DUE, (cutoff,)), (NEXT_DUE, (cutoff, 10)))]
    for plan in plans:
        details = " | ".join(row["detail"] for row in plan)
        assert "USING INDEX conversations_purge_due (closed_at<?)" in details, details
        assert "conversations_state" not in details, details
