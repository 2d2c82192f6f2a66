"""Ticket fixtures: a service over the real store with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings, TicketsConfig
from bot.core.clock import dumps
from bot.notify.notifier import LogNotifier
from bot.store import Store
from bot.tickets.service import TicketService
from bot.tickets.sla_monitor import SlaMonitor

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def notifier() -> LogNotifier:
    return LogNotifier()


@pytest.fixture
def make_service(settings: Settings, store: Store, clock: FakeClock, notifier: LogNotifier
                 ) -> Callable[..., TicketService]:
    def make(**tickets: object) -> TicketService:
        # Validated like the YAML would be: the overrides a test uses must be valid config.
        config = TicketsConfig.model_validate({**settings.tickets.model_dump(), **tickets})
        return TicketService(settings.model_copy(update={"tickets": config}), store, notifier, clock=clock)

    return make


@pytest.fixture
def service(make_service: Callable[..., TicketService]) -> TicketService:
    return make_service(auto_assign=False)


@pytest.fixture
def monitor(settings: Settings, store: Store, service: TicketService, notifier: LogNotifier) -> SlaMonitor:
    return SlaMonitor(settings, store, service, notifier)


async def add_agent(store: Store, agent_id: str, *, skills: list[str] | None = None, status: str = "online") -> None:
    """An agent row written directly (agent management is another module's job)."""
    await store.db.execute(
        """INSERT INTO agents (id, name, skills, languages, max_concurrent_chats, status, token_hash, created_at)
           VALUES (?, ?, ?, '[]', 5, ?, ?, ?)""",
        (agent_id, agent_id.title(), dumps(skills or []), status, f"hash-{agent_id}", T0.isoformat()),
    )
