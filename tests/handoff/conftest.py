"""A handoff queue over the real store, ticket service, machine and locks (no HTTP, no KB)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.agents.directory import AgentDirectory
from bot.agents.model import Agent
from bot.app import build_handoff
from bot.channels.delivery import Delivery
from bot.channels.registry import ChannelRegistry
from bot.config import Settings, load_settings
from bot.conversation.machine import ConversationMachine
from bot.conversation.model import Conversation
from bot.core.events import OutboundMessage
from bot.core.locks import ConversationLocks
from bot.csat.survey import RatingFlow
from bot.customers.service import CustomerService
from bot.handoff.desk import AgentDesk
from bot.handoff.queue import HandoffOutcome, HandoffQueue
from bot.notify.notifier import LogNotifier
from bot.store import Store
from bot.tickets.service import TicketService
from tests.conftest import write_project


@dataclass
class Env:
    settings: Settings
    store: Store
    agents: AgentDirectory
    tickets: TicketService
    queue: HandoffQueue
    desk: AgentDesk
    survey: RatingFlow
    pushed: list[OutboundMessage]

    async def agent(self, agent_id: str, *, status: str = "online", skills: tuple[str, ...] = (),
                    languages: tuple[str, ...] = ("zh",), max_chats: int = 5) -> Agent:
        await self.agents.add(agent_id, agent_id.title(), skills=skills, languages=languages,
                              max_concurrent_chats=max_chats)
        updated = await self.agents.set_status(agent_id, status)
        assert updated is not None
        return updated

    async def conversation(self, customer_id: str = "cust-1", channel: str = "web") -> Conversation:
        return await self.store.conversations.create(customer_id, channel, "zh")

    async def handoff(self, conv: Conversation | None = None, **kw: object) -> HandoffOutcome:
        """enqueue as the dialogue does: inside the turn, then persist the returned conversation."""
        conv = conv or await self.conversation()
        args: dict = {"reason": "customer asked for a human", "priority": "normal", "skill": None,
                      "language": "zh", **kw}
        outcome = await self.queue.enqueue(conv, **args)
        await self.store.conversations.save(outcome.conversation)
        return outcome

    async def conv(self, conversation_id: str) -> Conversation:
        conv = await self.store.conversations.get(conversation_id)
        assert conv is not None
        return conv

    async def transcript(self, conversation_id: str) -> list[tuple[str, str]]:
        return [(m.sender, m.text) for m in await self.store.messages.messages(conversation_id)]


class InlineDelivery(Delivery):
    """Sends before the action returns, so a test reads what the customer got right after it."""

    async def written(self) -> None:
        await self.drain()


def build_env(settings: Settings, store: Store) -> Env:
    agents = AgentDirectory(settings, store)
    tickets = TicketService(settings, store, LogNotifier())
    channels = ChannelRegistry()
    pushed: list[OutboundMessage] = []

    async def sender(message: OutboundMessage) -> None:
        pushed.append(message)

    channels.register("web", sender)
    h = build_handoff(settings, store, agents, CustomerService(store), tickets, ConversationMachine(),
                      ConversationLocks(), InlineDelivery(store.outbox, channels))
    return Env(settings, store, agents, tickets, h.queue, h.desk, h.survey, pushed)


@pytest.fixture
def env(settings: Settings, store: Store) -> Env:
    return build_env(settings, store)


def hours_excluding_now() -> tuple[str, str]:
    """An online-hours window that starts 2 h from now (local time): (spec, start HH:MM)."""
    now = datetime.now().astimezone()
    start, end = now + timedelta(hours=2), now + timedelta(hours=3)
    return f"{start:%H:%M}-{end:%H:%M}", f"{start:%H:%M}"


@pytest.fixture
async def closed_env(tmp_path: Path, store: Store) -> AsyncIterator[tuple[Env, str]]:
    spec, back = hours_excluding_now()
    settings = load_settings(write_project(tmp_path / "p", {"agents": {"online_hours": spec}}), env={})
    yield build_env(settings, store), back
