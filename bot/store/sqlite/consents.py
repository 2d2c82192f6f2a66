"""Consent for proactive messages, per customer and channel: an append-only history of opt-ins
and opt-outs (time, source); the newest row of a (customer, channel) is the state. Each change
writes its audit event (privacy_events, kind `consent`: who, channel, status) in the same
transaction, so a later flow engine calling `record_consent` is audited like an operator."""

from __future__ import annotations

from bot.core.clock import dumps, now_iso
from bot.customers.model import CONSENT_STATUSES, ConsentRecord
from bot.store.sqlite.customer_data import subject
from bot.store.sqlite.database import Database

_CURRENT = """SELECT c.* FROM consents c WHERE c.customer_id = ?1 AND c.id = (
    SELECT MAX(id) FROM consents WHERE customer_id = c.customer_id AND channel = c.channel)
    ORDER BY c.channel"""


class ConsentRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_consent(self, customer_id: str, channel: str, status: str, source: str,
                             *, actor: str = "system") -> ConsentRecord:
        """Store an opt-in or opt-out (status: opt_in | opt_out) and its audit event."""
        if status not in CONSENT_STATUSES:
            raise ValueError(f"status: must be one of {', '.join(CONSENT_STATUSES)}")
        at = now_iso()
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO consents (customer_id, channel, status, source, created_at) VALUES (?, ?, ?, ?, ?)",
                (customer_id, channel, status, source, at))
            new_id = cur.lastrowid
            await conn.execute(
                "INSERT INTO privacy_events (subject, kind, actor, detail, created_at) VALUES (?, 'consent', ?, ?, ?)",
                (subject(customer_id), actor, dumps({"channel": channel, "status": status}), at))
        return ConsentRecord(customer_id, channel, status, source, at, new_id)

    async def consent(self, customer_id: str, channel: str) -> ConsentRecord | None:
        """The customer's current consent on the channel; None when they never gave one."""
        row = await self._db.fetchone(
            "SELECT * FROM consents WHERE customer_id = ? AND channel = ? ORDER BY id DESC LIMIT 1",
            (customer_id, channel))
        return ConsentRecord.from_row(row) if row else None

    async def consents(self, customer_id: str) -> list[ConsentRecord]:
        """The current consent per channel, by channel name."""
        return [ConsentRecord.from_row(r) for r in await self._db.fetchall(_CURRENT, (customer_id,))]

    async def history(self, customer_id: str) -> list[ConsentRecord]:
        """Every change, oldest first."""
        rows = await self._db.fetchall("SELECT * FROM consents WHERE customer_id = ? ORDER BY id", (customer_id,))
        return [ConsentRecord.from_row(r) for r in rows]
