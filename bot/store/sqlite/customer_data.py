"""Everything held about one customer: the agent's history view, the export, and the erasure.

Erasure is one transaction. The profile row goes; the customer's conversations, tickets, ratings
and handoffs move to a fresh anonymous id (`erased-<random>`, not derivable from the old one) with
their text blanked — message bodies, slots, decision and handoff reasons, ticket titles,
descriptions, resolutions and comments, rating comments — while every row, time, route, score and
status stays, so reports count the same. Dedupe rows (they hold the replies) and consent records
are deleted (the audit event keeps how many). With
`secure_delete` on for the transaction and a WAL checkpoint after it, the old text does not linger
in free pages of the database file either.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.conversation.model import Conversation
from bot.core.clock import dumps, now_iso
from bot.store.sqlite.customers import CustomerRepo
from bot.store.sqlite.database import Database
from bot.tickets.model import Ticket, TicketEvent

if TYPE_CHECKING:
    from bot.store.sqlite.conversations import ConversationRepo

ANON_PREFIX = "erased-"
_CONVS = "SELECT id FROM conversations WHERE customer_id = ?1"
_TICKETS = f"SELECT id FROM tickets WHERE customer_id = ?1 OR conversation_id IN ({_CONVS})"


def subject(customer_id: str) -> str:
    """The audit trail's name for a customer: a digest, so it keeps no readable id."""
    return hashlib.sha256(f"customer:{customer_id}".encode()).hexdigest()


def _rows(rows: list[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


class CustomerDataRepo:
    def __init__(self, db: Database, customers: CustomerRepo, conversations: ConversationRepo) -> None:
        self._db = db
        self._customers = customers
        self._conversations = conversations

    # -- reading -------------------------------------------------------------------------------

    async def history(self, customer_id: str, *, limit: int, offset: int) -> dict[str, Any]:
        """The customer's conversations, tickets and ratings, newest first, one page of each."""
        conversations = await self._db.fetchall(
            """SELECT c.id, c.channel, c.state, c.language, c.agent_id, c.created_at, c.last_message_at,
                      c.closed_at, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS messages
               FROM conversations c WHERE c.customer_id = ? ORDER BY c.created_at DESC, c.rowid DESC
               LIMIT ? OFFSET ?""", (customer_id, limit, offset))
        tickets = await self._db.fetchall(
            """SELECT id, title, type, priority, status, assignee, conversation_id, created_at, updated_at,
                      resolved_at, closed_at FROM tickets WHERE customer_id = ?
               ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?""", (customer_id, limit, offset))
        ratings = await self._db.fetchall(
            """SELECT id, score, comment, agent_id, ticket_id, conversation_id, created_at FROM ratings
               WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?""",
            (customer_id, limit, offset))
        totals = await self._db.fetchone(
            """SELECT (SELECT COUNT(*) FROM conversations WHERE customer_id = ?1) AS conversations,
                      (SELECT COUNT(*) FROM tickets WHERE customer_id = ?1) AS tickets,
                      (SELECT COUNT(*) FROM ratings WHERE customer_id = ?1) AS ratings""", (customer_id,))
        return {"conversations": _rows(conversations), "tickets": _rows(tickets), "ratings": _rows(ratings),
                "totals": dict(totals) if totals else {}}

    async def export(self, customer_id: str) -> dict[str, Any] | None:
        """Every row held about the customer, nested: None when there is no profile."""
        customer = await self._customers.get(customer_id)
        if customer is None:
            return None
        conversations = []
        for row in await self._db.fetchall(
                "SELECT * FROM conversations WHERE customer_id = ? ORDER BY created_at, rowid", (customer_id,)):
            conv = Conversation.from_row(row)
            messages = await self._db.fetchall(
                """SELECT id, direction, sender, agent_id, text, created_at FROM messages
                   WHERE conversation_id = ? ORDER BY id""", (conv.id,))
            decisions = await self._conversations.decisions(conv.id)
            conversations.append({**dict(row), "slots": conv.slots, "had_agent": conv.had_agent,
                                  "messages": _rows(messages), "decisions": decisions})
        tickets = []
        for row in await self._db.fetchall(
                f"SELECT * FROM tickets WHERE id IN ({_TICKETS}) ORDER BY created_at, rowid", (customer_id,)):
            ticket = Ticket.from_row(row)
            events = await self._db.fetchall("SELECT * FROM ticket_events WHERE ticket_id = ? ORDER BY id",
                                             (ticket.id,))
            tickets.append({**ticket.as_dict(), "events": [TicketEvent.from_row(e).as_dict() for e in events]})
        ratings = await self._db.fetchall(
            f"""SELECT * FROM ratings WHERE customer_id = ?1 OR conversation_id IN ({_CONVS})
                ORDER BY created_at, id""", (customer_id,))
        handoffs = await self._db.fetchall(
            "SELECT * FROM handoffs WHERE customer_id = ? ORDER BY queued_at, id", (customer_id,))
        consents = await self._db.fetchall(
            "SELECT id, channel, status, source, created_at AS at FROM consents WHERE customer_id = ? ORDER BY id",
            (customer_id,))
        return {"profile": customer, "conversations": conversations, "tickets": tickets,
                "ratings": _rows(ratings), "handoffs": _rows(handoffs), "consents": _rows(consents)}

    async def erased_before(self, customer_id: str) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM privacy_events WHERE subject = ? AND kind = 'erased' LIMIT 1", (subject(customer_id),))
        return row is not None

    async def channels_of(self, customer_id: str) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT DISTINCT channel FROM conversations WHERE customer_id = ? ORDER BY channel", (customer_id,))
        return [r["channel"] for r in rows]

    async def record(self, customer_id: str, kind: str, actor: str, detail: dict[str, Any]) -> None:
        """An audit event (exported, erased, revealed, consent, ...): who, when, what kind of
        thing; counts and field names only, never the data itself."""
        await self._db.execute(
            "INSERT INTO privacy_events (subject, kind, actor, detail, created_at) VALUES (?, ?, ?, ?, ?)",
            (subject(customer_id), kind, actor, dumps(detail), now_iso()))

    async def audit(self, customer_id: str, *, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """The customer's audit events, newest first, and how many there are (an erased
        customer's stay: they are filed under the digest)."""
        key = subject(customer_id)
        rows = await self._db.fetchall(
            """SELECT id, kind, actor, detail, created_at FROM privacy_events WHERE subject = ?
               ORDER BY id DESC LIMIT ? OFFSET ?""", (key, limit, offset))
        total = await self._db.fetchone("SELECT COUNT(*) AS n FROM privacy_events WHERE subject = ?", (key,))
        events = [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]
        return events, int(total["n"]) if total else 0

    # -- erasing -------------------------------------------------------------------------------

    async def erase(self, customer_id: str, actor: str) -> dict[str, int] | None:
        """Erase the customer (see the module docstring); the counts of what was blanked, or None
        when there is no profile (nothing written)."""
        await self._conversations.drain()  # turns committed before, not half after
        async with self._db.transaction() as conn:
            found = await _one(conn, "SELECT created_at, first_channel FROM customers WHERE id = ?", (customer_id,))
            if found is None:
                return None
            await conn.execute("PRAGMA secure_delete = ON")
            try:
                counts = await _erase(conn, customer_id, found, actor)
            finally:
                await conn.execute("PRAGMA secure_delete = OFF")
        self._conversations.forget_customer(customer_id)
        await self._db.checkpoint()
        return counts


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...]) -> Any:
    async with conn.execute(sql, params) as cur:
        return await cur.fetchone()


async def _changed(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...]) -> int:
    cur = await conn.execute(sql, params)
    return cur.rowcount


async def blank_text(conn: aiosqlite.Connection, convs: str, tickets: str, ratings: str,
                     params: tuple[Any, ...]) -> dict[str, int]:
    """Blank the customer text of the conversations the subquery `convs` selects: message bodies,
    decision and handoff reasons, slots; the tickets `tickets` selects (title, description,
    resolution, comments) and the ratings `ratings` (a WHERE clause) keeps (comments). Rows, times,
    routes, scores and statuses stay. The erasure (one customer) and the retention purge (closed
    conversations by age) both blank through here, so what is "the customer's text" is said once."""
    return {
        "messages": await _changed(
            conn, f"UPDATE messages SET text = '', meta = '{{}}' WHERE conversation_id IN ({convs})", params),
        "decisions": await _changed(
            conn, f"UPDATE decisions SET reason = '' WHERE conversation_id IN ({convs})", params),
        "ticket_events": await _changed(
            conn, f"UPDATE ticket_events SET comment = NULL WHERE ticket_id IN ({tickets})", params),
        "tickets": await _changed(
            conn, f"UPDATE tickets SET title = '', description = '', resolution = NULL WHERE id IN ({tickets})",
            params),
        "ratings": await _changed(conn, f"UPDATE ratings SET comment = NULL WHERE {ratings}", params),
        "handoffs": await _changed(
            conn, f"UPDATE handoffs SET reason = '' WHERE conversation_id IN ({convs})", params),
        "conversations": await _changed(
            conn, f"UPDATE conversations SET slots = '{{}}', handoff_reason = NULL WHERE id IN ({convs})", params),
    }


async def _erase(conn: aiosqlite.Connection, customer_id: str, found: Any, actor: str) -> dict[str, int]:
    anon = ANON_PREFIX + uuid.uuid4().hex
    now = now_iso()
    p = (customer_id, anon, now)
    # The anonymous stand-in keeps only when and where the customer first came (aggregates).
    await conn.execute(
        "INSERT INTO customers (id, first_channel, created_at, updated_at) VALUES (?, ?, ?, ?)",
        (anon, found["first_channel"], found["created_at"], now))
    counts = await blank_text(conn, _CONVS, _TICKETS, f"customer_id = ?1 OR conversation_id IN ({_CONVS})", p[:1])
    # Then the rows move to the anonymous id (the tickets before the conversations: their scope
    # reads the conversations' customer). States and times stay as they were (closing them here
    # would move the reports' durations); an open one is closed by the inactivity job like any
    # other, the customer starts afresh.
    await conn.execute(f"UPDATE tickets SET customer_id = ?2 WHERE id IN ({_TICKETS})", p[:2])
    await conn.execute(
        f"UPDATE ratings SET customer_id = ?2 WHERE customer_id = ?1 OR conversation_id IN ({_CONVS})", p[:2])
    await conn.execute("UPDATE handoffs SET customer_id = ?2 WHERE customer_id = ?1", p[:2])
    # Undelivered messages are not sent after the erasure (their text is gone with the rest).
    counts["outbox"] = await _changed(conn, """UPDATE outbox SET customer_id = ?2, status = CASE status
        WHEN 'pending' THEN 'failed' ELSE status END, last_error = CASE status WHEN 'pending'
        THEN 'customer data erased' ELSE last_error END, updated_at = ?3 WHERE customer_id = ?1""", p)
    await conn.execute("UPDATE conversations SET customer_id = ?2 WHERE customer_id = ?1", p[:2])
    counts["processed_messages"] = await _changed(
        conn, "DELETE FROM processed_messages WHERE customer_id = ?", p[:1])
    # Consent records name the customer and where they said it; only their number stays (here).
    counts["consents"] = await _changed(conn, "DELETE FROM consents WHERE customer_id = ?", p[:1])
    await conn.execute("DELETE FROM customers WHERE id = ?", (customer_id,))
    await conn.execute(
        "INSERT INTO privacy_events (subject, kind, actor, detail, created_at) VALUES (?, 'erased', ?, ?, ?)",
        (subject(customer_id), actor, json.dumps(counts), now))
    return counts


__all__ = ["ANON_PREFIX", "CustomerDataRepo", "blank_text", "subject"]

