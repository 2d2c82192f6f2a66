"""Tickets and ratings of the reports benchmark's synthetic history (see benchmarks/reports_seed.py).

Ticket rows follow the SLA clock of bot/tickets/sla_clock.py: a pause for the customer shifts the
resolution due time and adds to paused_seconds when it ends; a resolved ticket's clock stands
still from resolved_at, and closing adds that stretch too.
"""

from __future__ import annotations

import math
import sqlite3
from typing import TYPE_CHECKING, Any

from benchmarks.reports_gen import PRIORITIES, SCORES, TYPES, picker

if TYPE_CHECKING:
    from benchmarks.reports_seed import Seeder


def insert_tickets(seeder: Seeder, conn: sqlite3.Connection) -> None:
    """Tickets (one per every other conversation) with SLA clocks, pauses, breaches and audit events."""
    rng, iso, now = seeder.rng, seeder.iso, seeder.now
    ttype, prio = picker(rng, TYPES), picker(rng, PRIORITIES)
    rows: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    seeder.ticket_of.clear()
    n_conv = len(seeder.conv_meta)
    for i in range(seeder.n_tickets):
        cid, conv_ts, ch, customer = seeder.conv_meta[i * n_conv // seeder.n_tickets]
        tid = f"T{i:07d}"
        seeder.ticket_of[cid] = tid
        created = min(conv_ts + 60, now - 1)
        p, _, resp_target, res_target = prio()
        assignee = seeder._agent() if rng.random() < 0.92 else None
        ev = [(tid, "bot", "created", None, "open", created)]
        first = created + rng.expovariate(1 / (resp_target * 0.6))
        first_at = first if first < now else None
        resp_breached = int(first > created + resp_target and created + resp_target < now)
        pause = rng.expovariate(1 / 14400) if rng.random() < 0.25 else 0.0
        running = rng.lognormvariate(math.log(res_target * 0.4), 0.8)
        resolved = first + running + pause
        status, resolved_at, closed_at, paused_at, paused_s = "open", None, None, None, 0
        res_due = created + res_target
        cancelled = rng.random() < 0.03
        if first_at is not None:
            ev.append((tid, assignee or "agent", "first_response", None, None, first_at))
            ev.append((tid, assignee or "agent", "status", "open", "in_progress", first_at))
            status = "in_progress"
        if cancelled:
            status, closed_at = "cancelled", min(created + rng.expovariate(1 / 3600), now)
            ev.append((tid, "admin", "status", "in_progress" if first_at else "open", "cancelled", closed_at))
            resolved = math.inf
        elif first_at is not None and pause:
            wait_start = first + running / 2
            if wait_start < now:
                ev.append((tid, assignee or "agent", "status", "in_progress", "waiting_customer", wait_start))
                if wait_start + pause < now:
                    paused_s = round(pause)
                    res_due += pause
                    ev.append((tid, "customer", "status", "waiting_customer", "in_progress", wait_start + pause))
                else:
                    status, paused_at = "waiting_customer", wait_start
        res_breached = int(running > res_target and created + res_target + paused_s < now and not cancelled)
        if resolved < now:
            status, resolved_at, paused_at = "resolved", resolved, resolved
            ev.append((tid, assignee or "agent", "status", "in_progress", "resolved", resolved))
            close = resolved + rng.expovariate(1 / 86400)
            if close < now and rng.random() < 0.7:
                status, closed_at, paused_at = "closed", close, None
                paused_s += round(close - resolved)  # the clock stood still while resolved
                res_due += close - resolved
                ev.append((tid, "system", "status", "resolved", "closed", close))
        if assignee:
            ev.insert(1, (tid, "admin", "assigned", None, assignee, created + 1))
        for clock, flagged, due in (
            ("response", resp_breached, created + resp_target),
            ("resolution", res_breached, res_due),
        ):
            if flagged:
                ev.append((tid, "sla", "sla_breach", None, clock, due))
        rows.append(
            (
                tid,
                customer,
                cid,
                ttype(),
                p,
                status,
                "工单",
                assignee,
                ch,
                iso(created + resp_target),
                iso(res_due),
                iso(first_at) if first_at else None,
                iso(resolved_at) if resolved_at else None,
                iso(closed_at) if closed_at else None,
                iso(paused_at) if paused_at else None,
                paused_s,
                resp_breached,
                res_breached,
                iso(created),
                iso(max(e[-1] for e in ev)),
            )
        )
        events.extend((*e[:-1], iso(e[-1])) for e in ev)
    seeder._insert(
        conn,
        "tickets",
        "id, customer_id, conversation_id, type, priority, status, title, assignee, "
        "channel, sla_response_due, sla_resolution_due, first_response_at, resolved_at, closed_at, "
        "paused_at, paused_seconds, response_breached, resolution_breached, created_at, updated_at",
        rows,
        order=18,
    )
    seeder._insert(conn, "ticket_events", "ticket_id, actor, kind, from_status, to_status, created_at", events, order=5)


def insert_ratings(seeder: Seeder, conn: sqlite3.Connection) -> None:
    """CSAT after 30% of the closed conversations."""
    rng, iso = seeder.rng, seeder.iso
    score = picker(rng, SCORES)
    rows = []
    for cid, closed, agent, customer in seeder.closed:
        if rng.random() < 0.3:
            at = closed + rng.uniform(10, 600)
            if at < seeder.now:
                s = score()
                rows.append((cid, seeder.ticket_of.get(cid), agent, customer, s, "太慢了" if s <= 2 else None, iso(at)))
    seeder._insert(
        conn,
        "ratings",
        "conversation_id, ticket_id, agent_id, customer_id, score, comment, created_at",
        rows,
        order=6,
    )
