"""The handoff queue: assignment to agents, queue positions, agent actions (filled in by the
handoff work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.agents import AgentDirectory
    from bot.config import Settings
    from bot.customers import CustomerService
    from bot.dialogue.machine import ConversationMachine
    from bot.locks import ConversationLocks
    from bot.outbox import Outbox
    from bot.store import Store
    from bot.tickets import TicketService


class HandoffQueue:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        agents: AgentDirectory,
        customers: CustomerService,
        tickets: TicketService,
        machine: ConversationMachine,
        outbox: Outbox,
        locks: ConversationLocks,
    ) -> None:
        self._settings = settings
        self._store = store
        self._agents = agents
        self._customers = customers
        self._tickets = tickets
        self._machine = machine
        self._outbox = outbox
        self._locks = locks
