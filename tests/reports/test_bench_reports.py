"""The reports benchmark seeds what it says and times every report (small sizes here)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.reports import run_reports_bench

# What migration 5's triggers would have kept, recomputed from the messages.
FIRSTS = """SELECT COUNT(*) FROM conversations c WHERE
    c.first_customer_message_at IS NOT (SELECT MIN(created_at) FROM messages m
                                        WHERE m.conversation_id = c.id AND m.sender = 'customer')
    OR c.first_bot_reply_at IS NOT (SELECT MIN(created_at) FROM messages m WHERE m.conversation_id = c.id
                                    AND m.sender = 'bot' AND m.created_at >= c.first_customer_message_at)"""


async def test_bench_seeds_and_times(tmp_path: Path) -> None:
    notes: list[str] = []
    path = tmp_path / "bot.sqlite3"
    report = await run_reports_bench(tickets=300, messages=3000, progress=notes.append, repeat=1, keep=path)
    assert report.rows["tickets"] == 300 and report.rows["messages"] == 3000 and report.rows["agents"] == 50
    assert {t.name for t in report.timings} == {
        "stats 30d",
        "stats 7d",
        "stats 90d",
        "agent_performance 30d",
        "satisfaction_report 30d",
    }
    assert all(t.cold_ms > 0 and t.warm_ms > 0 for t in report.timings)
    assert "stats 30d" in report.render_text() and report.as_dict()["rows"]["tickets"] == 300
    assert any("seeding" in n for n in notes)
    conn = sqlite3.connect(path)
    try:
        # the generator's first-response columns match the messages; triggers and indexes are back
        assert conn.execute(FIRSTS).fetchone()[0] == 0
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')")}
        assert {"messages_first_customer", "messages_first_bot", "decisions_intent", "tickets_resolved"} <= names
        # nothing is stamped in the future
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        for table, column in (
            ("messages", "created_at"),
            ("tickets", "created_at"),
            ("handoffs", "queued_at"),
            ("handoffs", "ended_at"),
            ("ratings", "created_at"),
            ("tickets", "closed_at"),
        ):
            assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} > ?", (now,)).fetchone()[0] == 0
    finally:
        conn.close()
