"""A hand-built support history with known timestamps around a fixed `NOW`.

Every figure the reports compute from it is worked out by hand in tests/reports/test_stats.py.
Rows go in through plain SQL, so the store's triggers (first customer message / first bot reply)
fire as they do in production.

NOW = 2025-03-10 12:00 UTC. The 7d window is [2025-03-04 00:00, 2025-03-10 12:00).

Conversations (channel, created, events):
  C1 web      03-05 10:00   customer 10:00:00, bot 10:00:02, customer 10:01, bot 10:01:01; closed 10:05
  C2 web      03-06 09:00   bot 09:00:00 (proactive, before the customer), customer 09:00:10, bot 09:00:14;
                            closed 09:10
  C3 wechat   03-07 14:00   customer 14:00:00, bot 14:00:01; handoff queued 14:00:05, Alice assigned 14:01:05,
                            first reply 14:02:05, ended 14:12:05; had_agent; closed 14:12:05
  C4 wechat   03-08 20:00   customer 20:00:00, bot 20:00:03; handoff queued 20:00:10, never assigned,
                            ended 20:05:10 (abandoned); had_agent 0; closed 20:05:10
  C5 app      03-09 11:00   customer 11:00:00, bot 11:00:10; handoff queued 11:00:20, Bob 11:00:50, reply
                            11:01:20, ended 11:21:20; transfer: queued = assigned Alice 11:21:20, reply
                            11:22:20, still open; had_agent; open
  C6 telegram 03-10 08:00   customer 08:00:00, no bot reply yet; open
  C7 web      03-02 10:00   (before the window) customer 10:00:00, bot 10:00:05; handoff queued 10:01,
                            Alice 10:02, reply 10:03, ended 03-04 01:00 (inside the window)
  C8 phone    03-04 00:00   (exactly at the window start) customer 00:00:00, bot 00:00:00.5; an agent
                            joined without a handoff row (had_agent 1); closed 00:30
  C9 web      03-10 12:00   (exactly NOW: outside, the window end is exclusive) customer 12:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.store.sqlite.database import Database

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def t(stamp: str) -> str:
    """ "03-05 10:00:02.5" → the store's ISO text in March 2025."""
    day, clock = stamp.split(" ")
    parts = clock.split(":")
    h, m = int(parts[0]), int(parts[1])
    s = float(parts[2]) if len(parts) > 2 else 0.0
    dt = datetime(2025, int(day[:2]), int(day[3:]), h, m, int(s), round((s % 1) * 1e6), tzinfo=UTC)
    return dt.isoformat(timespec="microseconds")


# id, channel, created, had_agent, closed, state
CONVERSATIONS = [
    ("C1", "web", "03-05 10:00", 0, "03-05 10:05", "closed"),
    ("C2", "web", "03-06 09:00", 0, "03-06 09:10", "closed"),
    ("C3", "wechat", "03-07 14:00", 1, "03-07 14:12:05", "closed"),
    ("C4", "wechat", "03-08 20:00", 0, "03-08 20:05:10", "closed"),
    ("C5", "app", "03-09 11:00", 1, None, "agent"),
    ("C6", "telegram", "03-10 08:00", 0, None, "bot"),
    ("C7", "web", "03-02 10:00", 1, "03-04 01:00", "closed"),
    ("C8", "phone", "03-04 00:00", 1, "03-04 00:30", "closed"),
    ("C9", "web", "03-10 12:00", 0, None, "bot"),
]

# conversation, sender, agent, at (inserted in this order, oldest first)
MESSAGES = [
    ("C7", "customer", None, "03-02 10:00"),
    ("C7", "bot", None, "03-02 10:00:05"),
    ("C7", "agent", "a1", "03-02 10:03"),
    ("C8", "customer", None, "03-04 00:00"),
    ("C8", "bot", None, "03-04 00:00:00.5"),
    ("C1", "customer", None, "03-05 10:00"),
    ("C1", "bot", None, "03-05 10:00:02"),
    ("C1", "customer", None, "03-05 10:01"),
    ("C1", "bot", None, "03-05 10:01:01"),
    ("C2", "bot", None, "03-06 09:00"),
    ("C2", "customer", None, "03-06 09:00:10"),
    ("C2", "bot", None, "03-06 09:00:14"),
    ("C3", "customer", None, "03-07 14:00"),
    ("C3", "bot", None, "03-07 14:00:01"),
    ("C3", "agent", "a1", "03-07 14:02:05"),
    ("C4", "customer", None, "03-08 20:00"),
    ("C4", "bot", None, "03-08 20:00:03"),
    ("C5", "customer", None, "03-09 11:00"),
    ("C5", "bot", None, "03-09 11:00:10"),
    ("C5", "agent", "a2", "03-09 11:01:20"),
    ("C5", "agent", "a1", "03-09 11:22:20"),
    ("C6", "customer", None, "03-10 08:00"),
    ("C9", "customer", None, "03-10 12:00"),
]

# conversation, route, intent, at
DECISIONS = [
    ("C7", "faq", "refund", "03-02 10:00"),
    ("C8", "faq", "shipping", "03-04 00:00"),
    ("C1", "faq", "refund", "03-05 10:00"),
    ("C1", "faq", "refund", "03-05 10:01"),
    ("C2", "faq", "shipping", "03-06 09:00:10"),
    ("C3", "handoff", "complaint", "03-07 14:00"),
    ("C4", "fallback", None, "03-08 20:00"),
    ("C5", "faq", "refund", "03-09 11:00"),
]

# conversation, agent, queued, assigned, first reply, ended, outcome
HANDOFFS = [
    ("C7", "a1", "03-02 10:01", "03-02 10:02", "03-02 10:03", "03-04 01:00", "resolved"),
    ("C3", "a1", "03-07 14:00:05", "03-07 14:01:05", "03-07 14:02:05", "03-07 14:12:05", "resolved"),
    ("C4", None, "03-08 20:00:10", None, None, "03-08 20:05:10", "abandoned"),
    ("C5", "a2", "03-09 11:00:20", "03-09 11:00:50", "03-09 11:01:20", "03-09 11:21:20", "transferred"),
    ("C5", "a1", "03-09 11:21:20", "03-09 11:21:20", "03-09 11:22:20", None, None),
]

TICKET_COLUMNS = (
    "id, conversation_id, type, status, assignee, channel, created_at, first_response_at, "
    "resolved_at, closed_at, paused_at, paused_seconds, sla_response_due, sla_resolution_due, "
    "response_breached, resolution_breached"
)
# T2: replied late (due 14:20), waited 1 h for the customer, resolved 18:05, closed a day later, so
#     paused_seconds = 3600 + 86400 (the clock also stood still while resolved).
# T3: no reply, both clocks flagged by the monitor. T4: cancelled before its due time.
# T5: created before the window, waited 2 h, resolved late inside it. T7: waiting for the customer.
TICKETS = [
    (
        "T1",
        "C1",
        "refund",
        "resolved",
        "a1",
        "web",
        "03-05 10:02",
        "03-05 10:12",
        "03-05 12:02",
        None,
        "03-05 12:02",
        0,
        "03-05 11:02",
        "03-06 10:02",
        0,
        0,
    ),
    (
        "T2",
        "C3",
        "refund",
        "closed",
        "a1",
        "wechat",
        "03-07 14:05",
        "03-07 14:35",
        "03-07 18:05",
        "03-08 18:05",
        None,
        90000,
        "03-07 14:20",
        "03-08 15:05",
        1,
        0,
    ),
    (
        "T3",
        "C5",
        "logistics",
        "open",
        "a2",
        "app",
        "03-09 11:05",
        None,
        None,
        None,
        None,
        0,
        "03-09 12:05",
        "03-10 11:05",
        1,
        1,
    ),
    (
        "T4",
        None,
        "logistics",
        "cancelled",
        None,
        "phone",
        "03-06 08:00",
        None,
        None,
        "03-06 09:00",
        None,
        0,
        "03-06 09:00",
        "03-07 08:00",
        0,
        0,
    ),
    (
        "T5",
        "C7",
        "general",
        "resolved",
        "a2",
        "web",
        "03-01 09:00",
        "03-01 09:10",
        "03-04 09:00",
        None,
        "03-04 09:00",
        7200,
        "03-01 10:00",
        "03-03 11:00",
        0,
        1,
    ),
    (
        "T6",
        None,
        "refund",
        "in_progress",
        "a1",
        "web",
        "03-10 09:00",
        "03-10 09:30",
        None,
        None,
        None,
        0,
        "03-10 10:00",
        "03-11 09:00",
        0,
        0,
    ),
    (
        "T7",
        None,
        "general",
        "waiting_customer",
        "a2",
        "web",
        "03-08 10:00",
        "03-08 10:20",
        None,
        None,
        "03-08 11:00",
        0,
        "03-08 11:00",
        "03-09 10:00",
        0,
        0,
    ),
]

# conversation, ticket, agent, score, comment, at
RATINGS = [
    ("C1", "T1", None, 5, None, "03-05 10:06"),
    ("C3", "T2", "a1", 4, None, "03-07 14:13"),
    ("C5", None, "a2", 2, "太慢", "03-09 11:25"),
    ("C4", None, None, 1, "没人理", "03-08 20:06"),
    ("C7", "T5", "a1", 3, None, "03-04 01:05"),
    ("C7", None, "a1", 1, "outside", "03-03 12:00"),
    (None, "T4", None, 4, None, "03-06 09:30"),
]


def _ts(value: Any) -> Any:
    return t(value) if isinstance(value, str) and value[:2] == "03" and value[2] == "-" else value


async def seed(db: Database) -> None:
    created = t("03-01 00:00")
    await db.executemany(
        "INSERT INTO agents (id, name, max_concurrent_chats, token_hash, created_at) VALUES (?, ?, 5, ?, ?)",
        [("a1", "Alice", "h1", created), ("a2", "Bob", "h2", created), ("a3", "Carol", "h3", created)],
    )
    await db.executemany(
        "INSERT INTO customers (id, created_at, updated_at) VALUES (?, ?, ?)",
        [(f"u{c[0]}", created, created) for c in CONVERSATIONS],
    )
    await db.executemany(
        """INSERT INTO conversations (id, customer_id, channel, state, had_agent, created_at, updated_at,
               last_message_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (cid, f"u{cid}", ch, state, had, t(at), t(at), t(at), closed and t(closed))
            for cid, ch, at, had, closed, state in CONVERSATIONS
        ],
    )
    await db.executemany(
        """INSERT INTO messages (conversation_id, direction, sender, agent_id, text, created_at)
           VALUES (?, ?, ?, ?, 'x', ?)""",
        [(c, "in" if s == "customer" else "out", s, a, t(at)) for c, s, a, at in MESSAGES],
    )
    await db.executemany(
        "INSERT INTO decisions (conversation_id, route, reason, intent, created_at) VALUES (?, ?, 'r', ?, ?)",
        [(c, route, intent, t(at)) for c, route, intent, at in DECISIONS],
    )
    await db.executemany(
        """INSERT INTO handoffs (conversation_id, customer_id, channel, reason, agent_id, queued_at, assigned_at,
               first_agent_reply_at, ended_at, outcome) VALUES (?, ?, 'x', 'r', ?, ?, ?, ?, ?, ?)""",
        [(c, f"u{c}", agent, *(_ts(v) for v in rest)) for c, agent, *rest in HANDOFFS],
    )
    await db.executemany(
        f"INSERT INTO tickets ({TICKET_COLUMNS}, title, updated_at) VALUES ({', '.join('?' * 16)}, 't', ?)",
        [(*(_ts(v) for v in row), created) for row in TICKETS],
    )
    await db.executemany(
        """INSERT INTO ratings (conversation_id, ticket_id, agent_id, score, comment, created_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [(c, tk, a, score, comment, t(at)) for c, tk, a, score, comment, at in RATINGS],
    )
