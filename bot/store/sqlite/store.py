"""The SQLite backend's store: one connection (WAL) and a repository per protocol over it."""

from __future__ import annotations

from pathlib import Path

from bot.store import Store
from bot.store.sqlite.agents import AgentRepo
from bot.store.sqlite.channels import ChannelRepo
from bot.store.sqlite.consents import ConsentRepo
from bot.store.sqlite.conversations import ConversationRepo
from bot.store.sqlite.customer_data import CustomerDataRepo
from bot.store.sqlite.customers import CustomerRepo
from bot.store.sqlite.database import Database
from bot.store.sqlite.faqs import FaqRepo
from bot.store.sqlite.handoffs import HandoffRepo
from bot.store.sqlite.outbox import OutboxRepo
from bot.store.sqlite.ratings import RatingRepo
from bot.store.sqlite.reports import ReportRepo
from bot.store.sqlite.retention import RetentionRepo
from bot.store.sqlite.tickets import TicketRepo

SQLITE_FILE = "bot.sqlite3"


def sqlite_store(db: Database) -> Store:
    conversations = ConversationRepo(db)
    customers = CustomerRepo(db)
    return Store(
        db=db,
        faqs=FaqRepo(db),
        conversations=conversations,
        messages=conversations,  # one table family: a turn writes all three in one transaction
        processed=conversations,
        channels=ChannelRepo(db),
        tickets=TicketRepo(db),
        agents=AgentRepo(db),
        customers=customers,
        ratings=RatingRepo(db),
        reports=ReportRepo(db),
        handoffs=HandoffRepo(db),
        customer_data=CustomerDataRepo(db, customers, conversations),
        retention=RetentionRepo(db, conversations),
        outbox=OutboxRepo(db),
        consents=ConsentRepo(db),
    )


async def open_sqlite_store(data_dir: Path) -> Store:
    return sqlite_store(await Database.open(data_dir / SQLITE_FILE))
