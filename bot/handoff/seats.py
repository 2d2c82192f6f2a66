"""Agents' seats: the capacity check and the start of a chat, shared by the queue and the desk.

An agent never holds more chats than `max_concurrent_chats`, whether the chat comes from the
queue, an accept or a transfer: the seat count is read and the seat taken under `lock`, so two
assignments cannot both see the same free seat. Lock order: a conversation's lock first, then
this one (never the reverse), so no lock cycle is possible.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.conversation.texts import text
from bot.core.events import Reply
from bot.handoff.results import Conflict

if TYPE_CHECKING:
    from bot.agents.directory import AgentDirectory
    from bot.agents.model import Agent
    from bot.channels.push import CustomerPush
    from bot.conversation.machine import ConversationMachine
    from bot.conversation.model import Conversation
    from bot.handoff.model import Handoff
    from bot.handoff.signals import ChangeFeed
    from bot.handoff.tickets import HandoffTickets
    from bot.store import Store


class AgentFull(Conflict):
    """The agent already has `max_concurrent_chats` open chats (409 agent_full)."""

    code = "agent_full"


class AgentUnavailable(Conflict):
    """A transfer target who is not online: away and offline agents take no new chats (409)."""

    code = "agent_unavailable"


class Seats:
    def __init__(
        self, store: Store, agents: AgentDirectory, machine: ConversationMachine, push: CustomerPush,
        tickets: HandoffTickets, changes: ChangeFeed,
    ) -> None:
        self._store = store
        self._agents = agents
        self._machine = machine
        self._push = push
        self._tickets = tickets
        self._changes = changes
        self.lock = asyncio.Lock()

    async def check(self, agent: Agent, *, need_online: bool = False) -> Agent:
        """Refuse an assignment the agent has no room for; call under `lock`. Re-reads the agent:
        status and capacity may have changed since the caller looked it up."""
        fresh = await self._agents.get(agent.id) or agent
        if need_online and fresh.status != "online":
            raise AgentUnavailable(f"agent {fresh.id} is {fresh.status} and takes no new chats",
                                   agent_id=fresh.id, agent_status=fresh.status)
        active = len(await self._store.handoffs.assigned_to(fresh.id))
        if active >= fresh.max_concurrent_chats:
            raise AgentFull(f"agent {fresh.id} already has {active} of {fresh.max_concurrent_chats} chats",
                            agent_id=fresh.id, active_chats=active, max_concurrent_chats=fresh.max_concurrent_chats)
        return fresh

    async def tell(self, conv: Conversation, reply: Reply) -> None:
        """A message for a customer outside their turn (e.g. their new place in the queue)."""
        await self._push.send(conv, reply)

    async def start_chat(self, conv: Conversation, handoff: Handoff, agent_id: str, trigger: str,
                         *, agent_name: str | None = None) -> Conversation:
        """After a successful claim: move the conversation to `agent` and greet the customer."""
        try:
            new = self._machine.fire(conv, trigger, agent_id=agent_id)
            await self._store.conversations.save(new)
        except Exception:
            await self._store.handoffs.unclaim(handoff.id)  # keep the queue truthful
            raise
        if agent_name is None:
            agent = await self._agents.get(agent_id)
            agent_name = agent.name if agent else agent_id
        await self._push.send(new, Reply("text", text("agent_joined", new.language, name=agent_name)))
        await self._tickets.assign(handoff.ticket_id, agent_id)
        self._changes.notify(agent_id)
        return new
