"""Conversations, their messages and decisions, and the processed-message ids used for dedupe."""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import aiosqlite

from bot.conversation.model import Conversation, DecisionRecord, MessageRecord, TurnRecord
from bot.core.clock import dumps, now_iso
from bot.store.sqlite.database import BatchWriter, Database

_UPDATE_CONVERSATION = """UPDATE conversations SET state = ?, language = ?, slots = ?, flow = ?,
    fallback_count = ?, agent_id = ?, priority = ?, handoff_reason = ?, queued_at = ?, had_agent = ?,
    updated_at = ?, last_message_at = ?, closed_at = ? WHERE id = ?"""
_INSERT_MESSAGE = """INSERT INTO messages (conversation_id, direction, sender, agent_id, text, created_at, meta)
    VALUES (?, ?, ?, ?, ?, ?, ?)"""
_INSERT_OUTBOX = """INSERT INTO outbox (message_id, conversation_id, channel, customer_id, status,
    next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)"""
_INSERT_DECISION = """INSERT INTO decisions (conversation_id, route, reason, scores, language, intent,
    sentiment, faq_id, ticket_id, needs_review, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_INSERT_PROCESSED = """INSERT INTO processed_messages (channel, customer_id, message_id, conversation_id,
    result, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"""


def _conversation_row(c: Conversation) -> tuple[Any, ...]:
    return (
        c.state,
        c.language,
        dumps(c.slots),
        c.flow,
        c.fallback_count,
        c.agent_id,
        c.priority,
        c.handoff_reason,
        c.queued_at,
        int(c.had_agent),
        c.updated_at or now_iso(),
        c.last_message_at or now_iso(),
        c.closed_at,
        c.id,
    )


def _message_row(m: MessageRecord) -> tuple[Any, ...]:
    meta = dumps(m.meta) if m.meta else "{}"
    return (m.conversation_id, m.direction, m.sender, m.agent_id, m.text, m.created_at, meta)


async def insert_with_outbox(conn: aiosqlite.Connection, message: MessageRecord, conv: Conversation) -> int:
    """The message and its outbox row, in the caller's transaction; returns the message's seq."""
    cur = await conn.execute(_INSERT_MESSAGE, _message_row(message))
    seq = int(cur.lastrowid or 0)
    if message.direction == "out":
        ts = now_iso()
        await conn.execute(_INSERT_OUTBOX, (seq, conv.id, conv.channel, conv.customer_id, ts, ts, ts))
    return seq


def _decision_row(d: DecisionRecord) -> tuple[Any, ...]:
    return (
        d.conversation_id,
        d.route,
        d.reason,
        dumps(d.scores),
        d.language,
        d.intent,
        d.sentiment,
        d.faq_id,
        d.ticket_id,
        int(d.needs_review),
        d.created_at,
    )


async def _flush_turns(conn: aiosqlite.Connection, turns: list[TurnRecord]) -> None:
    # Order matters for foreign keys: conversations exist already; messages and decisions follow.
    await conn.executemany(_UPDATE_CONVERSATION, [_conversation_row(t.conversation) for t in turns])
    messages = [_message_row(m) for t in turns if not t.outbox for m in t.messages]
    if messages:
        await conn.executemany(_INSERT_MESSAGE, messages)
    for t in turns:  # WebSocket turns: each reply gets its outbox row beside it
        if t.outbox:
            for m in t.messages:
                await insert_with_outbox(conn, m, t.conversation)
    decisions = [_decision_row(t.decision) for t in turns if t.decision]
    if decisions:
        await conn.executemany(_INSERT_DECISION, decisions)
    # The conversation is the sender's own (looked up or created by customer), so its customer_id
    # is the message's: dedupe is per (channel, customer, message_id).
    processed = [
        (t.processed[0], t.conversation.customer_id, t.processed[1], t.conversation.id, t.processed[2], now_iso())
        for t in turns
        if t.processed
    ]
    if processed:
        await conn.executemany(_INSERT_PROCESSED, processed)


class ConversationRepo:
    """Conversations with a write-through cache of each customer's latest one.

    The cache saves a database hop per message; it is coherent because every write of a
    conversation in this process goes through this repository.
    """

    CACHE_SIZE = 20_000

    def __init__(self, db: Database) -> None:
        self._db = db
        self._turns: BatchWriter[TurnRecord] = BatchWriter(db, _flush_turns)
        self._latest: OrderedDict[tuple[str, str], Conversation] = OrderedDict()

    def _remember(self, conv: Conversation) -> None:
        key = (conv.customer_id, conv.channel)
        cached = self._latest.get(key)
        if cached is not None and cached.id != conv.id and cached.created_at > conv.created_at:
            return  # an older conversation changed; the customer's latest stays
        self._latest[key] = conv
        self._latest.move_to_end(key)
        if len(self._latest) > self.CACHE_SIZE:
            self._latest.popitem(last=False)

    def forget_customer(self, customer_id: str) -> None:
        """Drop the customer's cached conversations (after an erasure: they start afresh)."""
        for key in [k for k in self._latest if k[0] == customer_id]:
            del self._latest[key]

    def forget_conversations(self, keys: list[tuple[str, str, str]]) -> None:
        """Drop cached conversations by (customer_id, channel, id) (after a retention purge)."""
        for customer_id, channel, conversation_id in keys:
            cached = self._latest.get((customer_id, channel))
            if cached is not None and cached.id == conversation_id:
                del self._latest[(customer_id, channel)]

    async def latest_for(self, customer_id: str, channel: str) -> Conversation | None:
        cached = self._latest.get((customer_id, channel))
        if cached is not None:
            return cached
        row = await self._db.fetchone(
            """SELECT * FROM conversations WHERE customer_id = ? AND channel = ?
               ORDER BY created_at DESC LIMIT 1""",
            (customer_id, channel),
        )
        if row is None:
            return None
        conv = Conversation.from_row(row)
        self._remember(conv)
        return conv

    async def get(self, conversation_id: str) -> Conversation | None:
        row = await self._db.fetchone("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        return Conversation.from_row(row) if row else None

    async def create(self, customer_id: str, channel: str, language: str, state: str = "bot") -> Conversation:
        ts = now_iso()
        conv = Conversation(
            id=uuid.uuid4().hex,
            customer_id=customer_id,
            channel=channel,
            state=state,
            language=language,
            created_at=ts,
            updated_at=ts,
            last_message_at=ts,
        )
        async with self._db.transaction() as conn:
            await conn.execute(
                """INSERT INTO customers (id, language, first_channel, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING""",
                (customer_id, language, channel, ts, ts),
            )
            await conn.execute(
                """INSERT INTO conversations (id, customer_id, channel, state, language, created_at,
                       updated_at, last_message_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (conv.id, customer_id, channel, state, language, ts, ts, ts),
            )
        self._remember(conv)
        return conv

    async def idle(self, before: str, states: tuple[str, ...], limit: int = 500) -> list[Conversation]:
        """Open conversations in `states` whose last message is older than `before`."""
        rows = await self._db.fetchall(
            f"""SELECT * FROM conversations WHERE closed_at IS NULL AND last_message_at < ?
                AND state IN ({",".join("?" * len(states))}) ORDER BY last_message_at LIMIT ?""",
            (before, *states, limit),
        )
        return [Conversation.from_row(r) for r in rows]

    async def record_turn(self, turn: TurnRecord) -> None:
        """Persist a turn; returns once it is committed (batched with concurrent turns)."""
        await self._turns.submit(turn)
        self._remember(turn.conversation)

    async def save(self, conversation: Conversation) -> None:
        """Write a conversation's state outside a turn (agent actions, inactivity close)."""
        await self._db.execute(_UPDATE_CONVERSATION, _conversation_row(conversation))
        self._remember(conversation)

    async def add_message(self, message: MessageRecord) -> None:
        await self._db.execute(_INSERT_MESSAGE, _message_row(message))

    async def processed_result(self, channel: str, customer_id: str, message_id: str) -> dict[str, Any] | None:
        """The stored answer to this customer's message `message_id` on `channel`, if it was processed."""
        row = await self._db.fetchone(
            "SELECT result FROM processed_messages WHERE channel = ? AND customer_id = ? AND message_id = ?",
            (channel, customer_id, message_id),
        )
        return json.loads(row["result"]) if row else None

    async def remember(
        self, channel: str, customer_id: str, message_id: str, conversation_id: str, result: dict[str, Any]
    ) -> None:
        """Mark a message handled outside a turn (the widget's offline form) so a resend is not."""
        await self._db.execute(_INSERT_PROCESSED, (channel, customer_id, message_id, conversation_id,
                                                   dumps(result), now_iso()))

    async def messages(
        self, conversation_id: str, *, limit: int = 200, before_id: int | None = None
    ) -> list[MessageRecord]:
        """The transcript, oldest first; `limit` newest messages before `before_id`."""
        rows = await self._db.fetchall(
            """SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? AND id < ?
                              ORDER BY id DESC LIMIT ?) ORDER BY id""",
            (conversation_id, before_id if before_id is not None else 2**62, limit),
        )
        return [
            MessageRecord.from_row(r)
            for r in rows
        ]

    async def add_outbound(self, message: MessageRecord, conversation: Conversation) -> MessageRecord:
        """A message for the customer outside their turn, with its outbox row, in one transaction."""
        async with self._db.transaction() as conn:
            seq = await insert_with_outbox(conn, message, conversation)
        return replace(message, id=seq)

    async def messages_after(self, conversation_id: str, after: int, limit: int = 200) -> list[MessageRecord]:
        """The transcript's messages with seq > after, oldest first (API customers catching up)."""
        rows = await self._db.fetchall(
            "SELECT * FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?",
            (conversation_id, after, limit),
        )
        return [MessageRecord.from_row(r) for r in rows]

    async def customer_messages(
        self, channel: str, customer_id: str, after: int, limit: int = 200
    ) -> list[MessageRecord]:
        """The messages of every conversation the customer had on the channel, seq > after, oldest
        first; after <= 0: the newest `limit` (a fresh page's history)."""
        if after > 0:
            rows = await self._db.fetchall(
                """SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
                   WHERE c.customer_id = ? AND c.channel = ? AND m.id > ? ORDER BY m.id LIMIT ?""",
                (customer_id, channel, after, limit),
            )
        else:
            rows = await self._db.fetchall(
                """SELECT * FROM (SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
                   WHERE c.customer_id = ? AND c.channel = ? ORDER BY m.id DESC LIMIT ?) ORDER BY id""",
                (customer_id, channel, limit),
            )
        return [MessageRecord.from_row(r) for r in rows]

    async def decisions(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = await self._db.fetchall(
            "SELECT * FROM decisions WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        return [{**dict(r), "scores": json.loads(r["scores"]), "needs_review": bool(r["needs_review"])} for r in rows]

    async def drain(self) -> None:
        await self._turns.drain()
