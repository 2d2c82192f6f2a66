"""The store: the database plus one repository per domain, opened and closed together."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import ConfigError, Settings
from bot.store.sqlite.agents import AgentRepo
from bot.store.sqlite.channels import ChannelRepo
from bot.store.sqlite.conversations import ConversationRepo
from bot.store.sqlite.customers import CustomerRepo
from bot.store.sqlite.database import Database
from bot.store.sqlite.faqs import FaqRepo
from bot.store.sqlite.handoffs import HandoffRepo
from bot.store.sqlite.ratings import RatingRepo
from bot.store.sqlite.reports import ReportRepo
from bot.store.sqlite.tickets import TicketRepo

SQLITE_FILE = "bot.sqlite3"


@dataclass(frozen=True)
class Store:
    db: Database
    faqs: FaqRepo
    conversations: ConversationRepo
    channels: ChannelRepo
    tickets: TicketRepo
    agents: AgentRepo
    customers: CustomerRepo
    ratings: RatingRepo
    reports: ReportRepo
    handoffs: HandoffRepo

    @classmethod
    def over(cls, db: Database) -> Store:
        return cls(
            db=db,
            faqs=FaqRepo(db),
            conversations=ConversationRepo(db),
            channels=ChannelRepo(db),
            tickets=TicketRepo(db),
            agents=AgentRepo(db),
            customers=CustomerRepo(db),
            ratings=RatingRepo(db),
            reports=ReportRepo(db),
            handoffs=HandoffRepo(db),
        )

    async def close(self) -> None:
        await self.conversations.drain()
        await self.db.close()


async def open_store(settings: Settings) -> Store:
    if settings.storage.backend != "sqlite":
        raise ConfigError(
            "storage.backend: only 'sqlite' is implemented in this release; postgres is planned"
        )
    db = await Database.open(settings.data_dir / SQLITE_FILE)
    return Store.over(db)
