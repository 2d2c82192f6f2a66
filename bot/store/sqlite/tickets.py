"""Tickets and their audit events. Every write is one transaction: the row and its events together.

Ids are "TK-000123", drawn from the `counters` table inside the insert transaction, so two
processes sharing the database never hand out the same id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import aiosqlite

from bot.core.clock import dumps
from bot.store.protocols import Chooser, Mutation, UnknownRecord
from bot.store.sqlite.database import Database
from bot.tickets.model import AgentLoad, Ticket, TicketEvent, TicketFilter

COUNTER = "ticket"
ACTIVE_STATUSES = ("open", "in_progress", "waiting_customer")  # count towards an agent's load

_COLUMNS = (
    "customer_id", "conversation_id", "type", "priority", "status", "title", "description", "assignee",
    "tags", "channel", "sla_response_due", "sla_resolution_due", "first_response_at", "resolved_at",
    "closed_at", "paused_at", "paused_seconds", "response_breached", "resolution_breached",
    "created_at", "updated_at", "resolution",
)
_INSERT = f"INSERT INTO tickets (id, {', '.join(_COLUMNS)}) VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})"
_UPDATE = f"UPDATE tickets SET {', '.join(c + ' = ?' for c in _COLUMNS)} WHERE id = ?"
_INSERT_EVENT = """INSERT INTO ticket_events (ticket_id, actor, kind, from_status, to_status, comment, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)"""
# The WHERE clauses repeat the partial indexes of migration 3 word for word, so the scan touches only
# running, unflagged tickets past due (INDEXED BY: the planner's guess on a fresh table is the status index).
_RUNNING = "status IN ('open', 'in_progress')"
_BREACH_QUERIES = {
    "response": f"""SELECT * FROM tickets INDEXED BY tickets_sla_response
        WHERE response_breached = 0 AND first_response_at IS NULL AND {_RUNNING} AND sla_response_due < ?
        ORDER BY sla_response_due LIMIT ?""",
    "resolution": f"""SELECT * FROM tickets INDEXED BY tickets_sla_resolution
        WHERE resolution_breached = 0 AND {_RUNNING} AND sla_resolution_due < ?
        ORDER BY sla_resolution_due LIMIT ?""",
}
# Re-checks the overdue condition, so a ticket paused, answered or flagged meanwhile is left alone.
# The unary + keeps SQLite from scanning by status instead of looking the ids up.
_STILL_RUNNING = "+status IN ('open', 'in_progress')"
_MARK_BREACH = {
    "response": f"""UPDATE tickets SET response_breached = 1, updated_at = ? WHERE id IN ({{ids}})
        AND response_breached = 0 AND first_response_at IS NULL AND {_STILL_RUNNING}
        AND +sla_response_due < ? RETURNING *""",
    "resolution": f"""UPDATE tickets SET resolution_breached = 1, updated_at = ? WHERE id IN ({{ids}})
        AND resolution_breached = 0 AND {_STILL_RUNNING} AND +sla_resolution_due < ? RETURNING *""",
}


def ticket_id(n: int) -> str:
    return f"TK-{n:06d}"


def _values(t: Ticket) -> tuple[Any, ...]:
    return (
        t.customer_id, t.conversation_id, t.type, t.priority, t.status, t.title, t.description, t.assignee,
        dumps(list(t.tags)), t.channel, t.sla_response_due, t.sla_resolution_due, t.first_response_at,
        t.resolved_at, t.closed_at, t.paused_at, t.paused_seconds, int(t.response_breached),
        int(t.resolution_breached), t.created_at, t.updated_at, t.resolution,
    )


def _event_row(e: TicketEvent, ticket: str) -> tuple[Any, ...]:
    return (ticket, e.actor, e.kind, e.from_value, e.to_value, e.comment, e.created_at)


async def _exists(conn: aiosqlite.Connection, table: str, ident: str) -> bool:
    async with conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (ident,)) as cur:
        return await cur.fetchone() is not None


async def _online_agents(conn: aiosqlite.Connection) -> list[AgentLoad]:
    marks = ", ".join("?" * len(ACTIVE_STATUSES))
    sql = f"""SELECT a.id, a.skills, (SELECT COUNT(*) FROM tickets t WHERE t.assignee = a.id
                AND t.status IN ({marks})) AS load FROM agents a WHERE a.status = 'online'"""
    async with conn.execute(sql, ACTIVE_STATUSES) as cur:
        rows = await cur.fetchall()
    agents = []
    for r in rows:
        try:
            skills = json.loads(r["skills"])
        except ValueError:
            skills = []  # a malformed row must not block ticket creation
        names = tuple(str(s) for s in skills) if isinstance(skills, list) else ()
        agents.append(AgentLoad(r["id"], names, r["load"]))
    return agents


def _where(f: TicketFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, values in (("status", f.statuses), ("priority", f.priorities)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    for column, value in (("assignee", f.assignee), ("customer_id", f.customer_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if f.visible_to is not None:
        clauses.append(_VISIBLE)
        params.extend([f.visible_to, f.visible_to])
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


# A ticket an agent may work: assigned to them, or of a conversation in an open handoff that is
# theirs or still waiting in the queue (unassigned). Same reach as HandoffRepo.visible_to.
_VISIBLE = """(assignee = ? OR conversation_id IN (
    SELECT conversation_id FROM handoffs WHERE ended_at IS NULL AND (agent_id = ? OR assigned_at IS NULL)))"""


class TicketRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, draft: Ticket, events: Sequence[TicketEvent], choose: Chooser | None = None
    ) -> Ticket:
        """Insert `draft` (its id is assigned here) with its events; `choose` picks an assignee
        among the online agents when the draft has none. Unknown references raise UnknownRecord."""
        async with self._db.transaction() as conn:
            if draft.customer_id is not None:
                # Like conversations: a ticket for a customer we have not seen creates the profile.
                await conn.execute(
                    """INSERT INTO customers (id, created_at, updated_at) VALUES (?, ?, ?)
                       ON CONFLICT(id) DO NOTHING""",
                    (draft.customer_id, draft.created_at, draft.created_at),
                )
            if draft.conversation_id is not None and not await _exists(conn, "conversations", draft.conversation_id):
                raise UnknownRecord("conversation", draft.conversation_id)
            if draft.assignee is not None and not await _exists(conn, "agents", draft.assignee):
                raise UnknownRecord("agent", draft.assignee)
            async with conn.execute(
                """INSERT INTO counters (name, value) VALUES (?, 1)
                   ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value""",
                (COUNTER,),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            ticket = replace(draft, id=ticket_id(row[0]))
            all_events = list(events)
            if ticket.assignee is None and choose is not None:
                picked = choose(await _online_agents(conn))
                if picked is not None:
                    ticket = replace(ticket, assignee=picked[0])
                    all_events.append(TicketEvent(ticket.id, "auto_assign", "assigned", None, picked[0],
                                                  picked[1], ticket.created_at))
            await conn.execute(_INSERT, (ticket.id, *_values(ticket)))
            await conn.executemany(_INSERT_EVENT, [_event_row(e, ticket.id) for e in all_events])
        return ticket

    async def mutate(self, ident: str, change: Mutation) -> tuple[Ticket, Ticket, list[TicketEvent]]:
        """Read, change (a pure function; may raise to refuse) and write back in one transaction.

        Returns (before, after, new events). Concurrent changes serialize here, so none is lost.
        """
        async with self._db.transaction() as conn:
            async with conn.execute("SELECT * FROM tickets WHERE id = ?", (ident,)) as cur:
                row = await cur.fetchone()
            if row is None:
                raise UnknownRecord("ticket", ident)
            before = Ticket.from_row(row)
            after, events = change(before)
            if after.assignee not in (None, before.assignee) and not await _exists(conn, "agents", after.assignee):
                raise UnknownRecord("agent", after.assignee)
            if after != before:
                await conn.execute(_UPDATE, (*_values(after), ident))
            if events:
                await conn.executemany(_INSERT_EVENT, [_event_row(e, ident) for e in events])
        return before, after, events

    async def get(self, ident: str) -> Ticket | None:
        row = await self._db.fetchone("SELECT * FROM tickets WHERE id = ?", (ident,))
        return Ticket.from_row(row) if row else None

    async def events(self, ident: str) -> list[TicketEvent]:
        rows = await self._db.fetchall("SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id", (ident,))
        return [TicketEvent.from_row(r) for r in rows]

    async def list(self, f: TicketFilter, *, limit: int, offset: int) -> tuple[list[Ticket], int]:
        """Newest first, with the total matching count for paging."""
        where, params = _where(f)
        count = await self._db.fetchone(f"SELECT COUNT(*) AS n FROM tickets{where}", params)
        rows = await self._db.fetchall(
            # rowid follows insertion, so ties on created_at keep id order and the
            # (status|assignee, created_at) indexes deliver rows already sorted.
            f"SELECT * FROM tickets{where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [Ticket.from_row(r) for r in rows], count["n"] if count else 0

    async def visible_to(self, ticket_id: str, agent_id: str) -> bool:
        row = await self._db.fetchone(f"SELECT 1 FROM tickets WHERE id = ? AND {_VISIBLE}",
                                      (ticket_id, agent_id, agent_id))
        return row is not None

    async def agent_exists(self, agent_id: str) -> bool:
        return await self._db.fetchone("SELECT 1 FROM agents WHERE id = ?", (agent_id,)) is not None

    async def overdue(self, clock: str, now: str, limit: int = 500) -> list[Ticket]:
        """Tickets whose running `clock` (response | resolution) passed its due time unflagged."""
        rows = await self._db.fetchall(_BREACH_QUERIES[clock], (now, limit))
        return [Ticket.from_row(r) for r in rows]

    async def mark_breaches(self, ids: Sequence[str], clock: str, now: str, actor: str) -> list[Ticket]:
        """Flag breaches once, with their audit events, in one transaction; returns the tickets
        flagged (those no longer overdue, or flagged by another worker meanwhile, are skipped)."""
        if not ids:
            return []
        sql = _MARK_BREACH[clock].format(ids=", ".join("?" * len(ids)))
        async with self._db.transaction() as conn:
            async with conn.execute(sql, (now, *ids, now)) as cur:
                flagged = [Ticket.from_row(r) for r in await cur.fetchall()]
            await conn.executemany(
                _INSERT_EVENT, [(t.id, actor, "sla_breach", None, clock, None, now) for t in flagged]
            )
        due = "sla_response_due" if clock == "response" else "sla_resolution_due"
        return sorted(flagged, key=lambda t: (getattr(t, due) or "", t.id))
