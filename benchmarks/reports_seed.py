"""Synthetic support history for the reports benchmark, deterministic per seed.

90 days of conversations on five channels (more in the day than at night), customer/bot turns
with router decisions, ~20% handed to one of 50 agents (queue wait, first reply, handle time),
tickets (one per every other conversation) with priorities, SLA due times, pauses, breaches and
audit events, and CSAT ratings after closed conversations. Written with plain sqlite3
`executemany` in one transaction per table, foreign keys off: the schema comes from migrations.
"""

from __future__ import annotations

import gc
import math
import random
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from benchmarks.reports_gen import AGENTS, CHANNELS, DAYS, HOURS, INTENTS, ROUTES, Iso, accumulate, picker
from benchmarks.reports_tickets import insert_ratings, insert_tickets


class Seeder:
    def __init__(self, path: Path, *, tickets: int, messages: int, now: datetime, seed: int = 7) -> None:
        self.path, self.n_tickets, self.n_messages = path, tickets, messages
        self.now = now.timestamp()
        self.rng = random.Random(seed)
        self.iso = Iso()
        self.counts: dict[str, int] = {}
        self.ticket_of: dict[str, str] = {}  # conversation id → its ticket (for ratings)

    def run(self, progress: Callable[[str], None] | None = None) -> dict[str, int]:
        conn = sqlite3.connect(self.path, isolation_level=None)
        # Millions of live tuples make the cyclic GC rescan them over and over (seeding took 2x as
        # long); nothing here forms cycles.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for pragma in ("PRAGMA foreign_keys=OFF", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-262144"):
                conn.execute(pragma)
            # Building an index once over sorted data is several times faster than growing it row by
            # row, so the migrations' secondary indexes are dropped and re-created afterwards.
            indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall()
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            # The first-response triggers too: the generator writes the columns they would keep.
            triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
            for name, _ in triggers:
                conn.execute(f'DROP TRIGGER "{name}"')
            for name, step in (
                ("agents", self._agents),
                ("conversations and messages", self._conversations),
                ("tickets", lambda conn: insert_tickets(self, conn)),
                ("ratings", lambda conn: insert_ratings(self, conn)),
            ):
                if progress:
                    progress(f"seeding {name}")
                conn.execute("BEGIN")
                step(conn)
                conn.execute("COMMIT")
            if progress:
                progress("building indexes")
            for _, sql in indexes + triggers:
                conn.execute(sql)
            # No ANALYZE: the service never runs it, so the planner here plans as it does in production.
        finally:
            conn.close()
            if gc_was_enabled:
                gc.enable()
        return self.counts

    def _insert(
        self, conn: sqlite3.Connection, table: str, columns: str, rows: list[tuple[Any, ...]], order: int | None = None
    ) -> None:
        """`order`: the column holding the row's time; rows go in in time order, as a live system
        appends them (ids and pages follow time, which range scans of a window rely on)."""
        if order is not None:
            rows.sort(key=itemgetter(order))
        marks = ", ".join("?" * len(columns.split(",")))
        conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def _agents(self, conn: sqlite3.Connection) -> None:
        ts = self.iso(self.now - DAYS * 86400)
        rows = [
            (f"agent{i:02d}", f"Agent {i:02d}", '["general"]', '["zh"]', 5, "online", f"hash{i}", ts)
            for i in range(1, AGENTS + 1)
        ]
        self._insert(
            conn, "agents", "id, name, skills, languages, max_concurrent_chats, status, token_hash, created_at", rows
        )
        # A few busy agents, a long tail: weights 1/rank^0.7.
        self.agent_ids = [r[0] for r in rows]
        self.agent_cum = list(accumulate([round(1000 / (i + 1) ** 0.7) for i in range(AGENTS)]))

    def _agent(self) -> str:
        return self.rng.choices(self.agent_ids, cum_weights=self.agent_cum)[0]

    def _start_time(self) -> float:
        day = self.rng.random() * DAYS
        hour = self.rng.choices(range(24), weights=HOURS)[0]
        base = math.floor(self.now / 86400 - day) * 86400
        ts = base + hour * 3600 + self.rng.random() * 3600
        # The latest conversations start an hour or two ago, so their turns are all in the past.
        return min(ts, self.now - 3600 - self.rng.random() * 3600)

    def _conversations(self, conn: sqlite3.Connection) -> None:
        rng, iso = self.rng, self.iso
        channel, route = picker(rng, CHANNELS), picker(rng, ROUTES)
        intent = picker(rng, tuple((name, round(100 / (i + 1))) for i, name in enumerate(INTENTS)))
        convs: list[tuple[Any, ...]] = []
        msgs: list[tuple[Any, ...]] = []
        decisions: list[tuple[Any, ...]] = []
        handoffs: list[tuple[Any, ...]] = []
        self.closed: list[tuple[str, float, str | None, str]] = []  # (conv id, closed ts, agent, customer)
        self.conv_meta: list[tuple[str, float, str, str]] = []  # (id, created ts, channel, customer)
        remaining, i = self.n_messages, 0
        while remaining > 0:
            k = min(remaining, rng.randint(2, 8))
            remaining -= k
            cid, customer, ch, t = f"c{i:07d}", f"u{rng.randrange(60_000):05d}", channel(), self._start_time()
            i += 1
            handoff = rng.random() < 0.2 and k >= 3
            agent = self._agent() if handoff and rng.random() > 0.05 else None
            t_msg, first_bot = t, None
            for j in range(k):
                if j % 2 == 0:
                    msgs.append((cid, "in", "customer", None, "顾客消息", iso(t_msg)))
                    decisions.append(
                        (
                            cid,
                            "handoff" if handoff and j == 2 else route(),
                            "seed",
                            "{}",
                            "zh",
                            intent() if rng.random() > 0.1 else None,
                            iso(t_msg),
                        )
                    )
                    t_msg += rng.lognormvariate(0.2, 0.6)  # the bot answers in about a second
                else:
                    sender = "agent" if agent and j > 2 else "bot"
                    first_bot = first_bot or iso(t_msg)
                    msgs.append((cid, "out", sender, agent if sender == "agent" else None, "回复", iso(t_msg)))
                    t_msg += rng.uniform(15, 120)
            had_agent = 0
            if handoff:
                queued = t_msg + 0.5
                assigned = first = ended = None
                if agent:
                    had_agent = 1
                    assigned = queued + rng.expovariate(1 / 90)
                    first = assigned + rng.expovariate(1 / 40)
                    ended = first + rng.lognormvariate(math.log(360), 0.7)
                    t_msg = ended
                else:
                    ended = queued + rng.expovariate(1 / 300)  # abandoned in the queue
                    t_msg = ended
                handoffs.append(
                    (
                        cid,
                        customer,
                        ch,
                        "customer_request",
                        "normal",
                        agent,
                        iso(queued),
                        iso(assigned) if assigned and assigned < self.now else None,
                        iso(first) if first and first < self.now else None,
                        iso(ended) if ended < self.now else None,
                        ("resolved" if agent else "abandoned") if ended < self.now else None,
                    )
                )
            closed = t_msg + 300
            done = closed < self.now
            convs.append(
                (
                    cid,
                    customer,
                    ch,
                    "closed" if done else ("agent" if agent else "bot"),
                    had_agent,
                    agent,
                    iso(t),
                    iso(t_msg),
                    iso(t_msg),
                    iso(closed) if done else None,
                    iso(t),
                    first_bot,
                )
            )
            self.conv_meta.append((cid, t, ch, customer))
            if done:
                self.closed.append((cid, closed, agent, customer))
        customers = sorted({c[1] for c in convs})
        first_ts = iso(self.now - DAYS * 86400 - 86400)
        self._insert(conn, "customers", "id, created_at, updated_at", [(c, first_ts, first_ts) for c in customers])
        self._insert(
            conn,
            "conversations",
            "id, customer_id, channel, state, had_agent, agent_id, created_at, updated_at, last_message_at, closed_at, "
            "first_customer_message_at, first_bot_reply_at",
            convs,
            order=6,
        )
        self._insert(conn, "messages", "conversation_id, direction, sender, agent_id, text, created_at", msgs, order=5)
        self._insert(
            conn,
            "decisions",
            "conversation_id, route, reason, scores, language, intent, created_at",
            decisions,
            order=6,
        )
        self._insert(
            conn,
            "handoffs",
            "conversation_id, customer_id, channel, reason, priority, agent_id, "
            "queued_at, assigned_at, first_agent_reply_at, ended_at, outcome",
            handoffs,
            order=6,
        )


def seed(
    path: Path,
    *,
    tickets: int,
    messages: int,
    now: datetime | None = None,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Fill the (migrated, empty) database at `path`; returns the row count per table."""
    return Seeder(path, tickets=tickets, messages=messages, now=now or datetime.now(UTC), seed=seed).run(progress)
