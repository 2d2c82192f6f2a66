"""Persistence: the store protocols bundled per backend, opened and closed together.

`bot.store.factory.open_store(settings)` picks the backend from `storage.backend`; everything
else sees only `Store`, whose fields are typed by bot/store/protocols.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.protocols import (
    AgentStore,
    ChannelStore,
    ConsentStore,
    ConversationStore,
    CustomerDataStore,
    CustomerStore,
    Database,
    FaqStore,
    HandoffStore,
    MessageLog,
    OutboxStore,
    ProcessedMessages,
    RatingStore,
    ReportStore,
    RetentionStore,
    TicketStore,
)


@dataclass(frozen=True)
class Store:
    db: Database
    faqs: FaqStore
    conversations: ConversationStore
    messages: MessageLog
    processed: ProcessedMessages
    channels: ChannelStore
    tickets: TicketStore
    agents: AgentStore
    customers: CustomerStore
    ratings: RatingStore
    reports: ReportStore
    handoffs: HandoffStore
    customer_data: CustomerDataStore
    retention: RetentionStore
    outbox: OutboxStore
    consents: ConsentStore

    async def close(self) -> None:
        await self.conversations.drain()
        await self.db.close()


__all__ = ["Store"]
