"""What the rest of the system may ask of storage: one protocol per aggregate.

Backends (bot/store/sqlite/, later bot/store/postgres/) implement these; services and actions
depend only on the protocols, so a backend is chosen by config alone. Domain records come from
their domains (bot/conversation/model.py, bot/tickets/model.py, ...); stores return them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from bot.agents.model import Agent
from bot.channels.model import ChannelRecord
from bot.channels.outbox import OutboxItem
from bot.conversation.model import Conversation, MessageRecord, TurnRecord
from bot.csat.model import Rating
from bot.customers.model import ConsentRecord, Customer
from bot.handoff.model import Handoff
from bot.kb.faq import FaqEntry
from bot.store.report_protocols import InsightReader, ReportReader, ReportStore
from bot.tickets.model import AgentLoad, Ticket, TicketEvent, TicketFilter

Row = Any  # a mapping-like row: row["column"]
Mutation = Callable[[Ticket], tuple[Ticket, list[TicketEvent]]]
Chooser = Callable[[list[AgentLoad]], tuple[str, str] | None]  # -> (agent id, reason) or None


class UnknownRecord(LookupError):
    """A ticket, agent or conversation id that does not exist."""

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind, self.ident = kind, ident


class Database(Protocol):
    """The backend's connection: raw SQL for migrations, tools and tests (`?` placeholders)."""

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Any]: ...

    async def close(self) -> None: ...


class FaqStore(Protocol):
    """FAQ rows: the source of truth of the knowledge base (the vector index is rebuilt from it)."""

    async def list_faqs(self) -> list[FaqEntry]: ...

    async def get_faq(self, faq_id: str) -> FaqEntry | None: ...

    async def count(self) -> int: ...

    async def upsert_faqs(self, entries: Sequence[FaqEntry]) -> tuple[int, int]: ...

    async def delete_faq(self, faq_id: str) -> bool: ...

    # The change feed (each write above appends to it in its transaction) and small KB facts.
    async def get_faqs(self, ids: Sequence[str]) -> dict[str, FaqEntry]: ...

    async def record_reindex(self) -> None: ...

    async def last_change(self) -> int: ...

    async def changes_since(self, seq: int, limit: int = 10_000) -> list[tuple[int, str | None, str]]: ...

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


class ConversationStore(Protocol):
    """Conversations and the atomic write of one turn (state, messages, decision, dedupe row)."""

    async def latest_for(self, customer_id: str, channel: str) -> Conversation | None: ...

    async def get(self, conversation_id: str) -> Conversation | None: ...

    async def create(self, customer_id: str, channel: str, language: str, state: str = "bot") -> Conversation: ...

    async def idle(self, before: str, states: tuple[str, ...], limit: int = 500) -> list[Conversation]: ...

    async def record_turn(self, turn: TurnRecord) -> None: ...

    async def save(self, conversation: Conversation) -> None: ...

    async def drain(self) -> None: ...

    def forget_customer(self, customer_id: str) -> None:
        """Drop whatever the store caches of the customer's conversations."""
        ...


class MessageLog(Protocol):
    """The transcript and the stored decisions of a conversation."""

    async def add_message(self, message: MessageRecord) -> None: ...

    async def messages(
        self, conversation_id: str, *, limit: int = 200, before_id: int | None = None
    ) -> list[MessageRecord]: ...

    async def decisions(self, conversation_id: str) -> list[dict[str, Any]]: ...

    async def add_outbound(self, message: MessageRecord, conversation: Conversation) -> MessageRecord:
        """The message and its outbox row in one transaction; the stored message (with its seq)."""
        ...

    async def messages_after(self, conversation_id: str, after: int, limit: int = 200) -> list[MessageRecord]: ...

    async def customer_messages(
        self, channel: str, customer_id: str, after: int, limit: int = 200
    ) -> list[MessageRecord]: ...


class OutboxStore(Protocol):
    """Messages on their way to customers (bot/channels/outbox.py): due rows, outcomes, dead letters."""

    async def claim_due(self, now: str, lease_until: str, limit: int = 100) -> list[OutboxItem]: ...

    async def take_for_reply(self, message_ids: Sequence[int], now: str) -> list[OutboxItem]:
        """Rows of these messages no delivery has touched, marked sent: the caller answers with
        them in the platform's response (WeChat's passive reply). Never also sent by a round."""
        ...

    async def mark(self, item_id: int, status: str, attempts: int, next_attempt_at: str, error: str | None) -> None: ...

    async def get(self, item_id: int) -> OutboxItem | None: ...

    async def waiting_before(self, channel: str, customer_id: str, item_id: int) -> str | None: ...

    async def retry(self, item_id: int) -> bool: ...

    async def list(
        self, *, status: str | None = None, conversation_id: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[OutboxItem], int]: ...

    async def counts(self) -> dict[str, int]: ...


class ProcessedMessages(Protocol):
    """Answers already given, by (channel, customer, platform message id): retries get them back."""

    async def processed_result(self, channel: str, customer_id: str, message_id: str) -> dict[str, Any] | None: ...

    async def remember(
        self, channel: str, customer_id: str, message_id: str, conversation_id: str, result: dict[str, Any]
    ) -> None: ...


class TicketStore(Protocol):
    """Tickets and their audit events; every write stores the row and its events together."""

    async def create(self, draft: Ticket, events: Sequence[TicketEvent], choose: Chooser | None = None) -> Ticket: ...

    async def mutate(self, ident: str, change: Mutation) -> tuple[Ticket, Ticket, list[TicketEvent]]: ...

    async def get(self, ident: str) -> Ticket | None: ...

    async def events(self, ident: str) -> list[TicketEvent]: ...

    async def list(self, f: TicketFilter, *, limit: int, offset: int) -> tuple[list[Ticket], int]: ...

    async def visible_to(self, ticket_id: str, agent_id: str) -> bool:
        """Assigned to the agent, or of a conversation in an open handoff theirs or unassigned."""
        ...

    async def agent_exists(self, agent_id: str) -> bool: ...

    async def overdue(self, clock: str, now: str, limit: int = 500) -> list[Ticket]: ...

    async def mark_breaches(self, ids: Sequence[str], clock: str, now: str, actor: str) -> list[Ticket]: ...


class AgentStore(Protocol):
    """Agents: profile, presence and the hash of their API token."""

    async def add(self, agent: Agent, token_hash: str) -> None: ...

    async def get(self, agent_id: str) -> Agent | None: ...

    async def by_token_hash(self, token_hash: str) -> Agent | None: ...

    async def list(self, status: str | None = None) -> list[Agent]: ...

    async def set_status(self, agent_id: str, status: str, at: str) -> bool: ...

    async def replace_token(self, agent_id: str, token_hash: str, at: str) -> bool: ...

    async def touch(self, agent_id: str, at: str) -> None: ...

    async def idle_since(self, status: str, before: str) -> list[Agent]: ...

    async def online_with_load(self) -> list[tuple[str, str, str, int, str | None, int]]: ...

    async def mark_away(self, agent_ids: list[str], before: str) -> None: ...


class HandoffStore(Protocol):
    """Handoff episodes: the queue (waiting, by priority then age) and who holds which chat."""

    async def create(self, h: Handoff) -> Handoff: ...

    async def claim(self, handoff_id: int, agent_id: str, at: str) -> bool: ...

    async def unclaim(self, handoff_id: int) -> None: ...

    async def set_ticket(self, handoff_id: int, ticket_id: str) -> None: ...

    async def end(self, handoff_id: int, at: str, outcome: str) -> None: ...

    async def first_reply(self, handoff_id: int, at: str) -> bool: ...

    async def open_for(self, conversation_id: str) -> Handoff | None: ...

    async def last_for(self, conversation_id: str) -> Handoff | None: ...

    async def waiting(self, limit: int = 500) -> list[Handoff]: ...

    async def assigned_to(self, agent_id: str) -> list[Handoff]: ...

    async def position(self, h: Handoff) -> int: ...

    async def active_counts(self) -> dict[str, int]: ...

    async def visible_to(self, customer_id: str, agent_id: str) -> bool: ...


class CustomerStore(Protocol):
    """Customer profiles; ticket count and satisfaction are computed on read."""

    async def get(self, customer_id: str) -> Customer | None: ...

    async def upsert(self, customer_id: str, changes: dict[str, Any]) -> bool: ...

    async def tags(self, customer_id: str) -> tuple[str, ...]: ...


class CustomerDataStore(Protocol):
    """Everything held about one customer: the agent's history, the export, the erasure and
    its audit trail (privacy_events; a digest of the id, counts only)."""

    async def history(self, customer_id: str, *, limit: int, offset: int) -> dict[str, Any]: ...

    async def export(self, customer_id: str) -> dict[str, Any] | None: ...

    async def erase(self, customer_id: str, actor: str) -> dict[str, int] | None:
        """One transaction; the counts of rows blanked, or None when there is no profile."""
        ...

    async def erased_before(self, customer_id: str) -> bool: ...

    async def channels_of(self, customer_id: str) -> list[str]: ...

    async def record(self, customer_id: str, kind: str, actor: str, detail: dict[str, Any]) -> None: ...

    async def audit(self, customer_id: str, *, limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Audit events (id, kind, actor, detail, created_at), newest first, and their total."""
        ...


class ConsentStore(Protocol):
    """Consent for proactive messages per customer and channel (opt_in | opt_out, time, source).
    What a proactive flow asks before it sends (`consent`) and records when a customer opts out."""

    async def record_consent(self, customer_id: str, channel: str, status: str, source: str,
                             *, actor: str = "system") -> ConsentRecord:
        """Append the change and its audit event in one transaction (ValueError for a bad status)."""
        ...

    async def consent(self, customer_id: str, channel: str) -> ConsentRecord | None: ...

    async def consents(self, customer_id: str) -> list[ConsentRecord]:
        """The current state per channel."""
        ...

    async def history(self, customer_id: str) -> list[ConsentRecord]: ...


class RetentionStore(Protocol):
    """The retention purge: closed conversations older than a cutoff lose their customer text
    (the erasure's list), in batches of short transactions; each is purged once."""

    async def due(self, cutoff: str) -> dict[str, int]:
        """{conversations, messages} a purge with this cutoff would blank."""
        ...

    async def purge_batch(self, cutoff: str, limit: int) -> dict[str, int]:
        """One transaction of up to `limit` conversations; counts of rows changed."""
        ...

    async def checkpoint(self) -> None: ...


class RatingStore(Protocol):
    """CSAT ratings."""

    async def add(self, rating: Rating) -> Rating: ...

    async def for_conversation(self, conversation_id: str) -> list[Rating]: ...

    async def average_for_agent(self, agent_id: str) -> tuple[float | None, int]: ...


class ChannelStore(Protocol):
    """Channels registered by operators (settings without secrets), and connectors' small state."""

    async def add(self, name: str, type_: str, settings: dict[str, Any], enabled: bool = True) -> bool: ...

    async def get(self, name: str) -> ChannelRecord | None: ...

    async def list(self) -> list[ChannelRecord]: ...

    # A connector's small durable facts (e.g. a polling offset), by (channel, key).
    async def get_state(self, channel: str, key: str) -> str | None: ...

    async def set_state(self, channel: str, key: str, value: str) -> None: ...



__all__ = [
    "AgentStore", "ChannelStore", "Chooser", "ConsentStore", "ConversationStore", "CustomerDataStore", "CustomerStore",
    "Database", "FaqStore", "HandoffStore", "InsightReader", "MessageLog", "Mutation", "OutboxStore",
    "ProcessedMessages", "RatingStore", "ReportReader", "ReportStore", "Row", "TicketStore", "UnknownRecord",
]
