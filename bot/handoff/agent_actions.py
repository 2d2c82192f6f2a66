"""What agents do with a handed-off conversation: accept, reply, transfer, close.

Each action takes the conversation's lock (it runs outside the customer's turn), re-reads the
conversation under it, and refuses with Forbidden (not yours), Conflict (wrong state, already
taken) or NotFound. Of two agents accepting the same handoff at once, the lock orders them and
the conditional claim in the store lets exactly one win; the other gets Conflict.

Capacity: an agent never holds more chats than `max_concurrent_chats`, whether the chat comes from
the queue, an accept or a transfer. The seat count is read and the seat taken under the queue's
assignment lock, so two assignments cannot both see the same free seat (AgentFull otherwise).
A transfer also needs the target to be online (AgentUnavailable): away means "no new chats".

Going offline hands the agent's open chats back to the queue (`requeue_chats_of`); away keeps them.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from bot.conversation.model import Conversation, MessageRecord, now_iso
from bot.conversation.texts import join_sentences, text
from bot.core.events import MAX_MESSAGE_CHARS, OutboundMessage, Reply
from bot.handoff.results import Conflict, Forbidden, InvalidAction, NotFound
from bot.handoff.signals import QUEUE
from bot.store.sqlite.handoffs import Handoff

if TYPE_CHECKING:
    from bot.agents.directory import AgentDirectory
    from bot.channels.outbox import Outbox
    from bot.conversation.machine import ConversationMachine
    from bot.core.locks import ConversationLocks
    from bot.csat.survey import RatingFlow
    from bot.handoff.signals import ChangeFeed
    from bot.store import Store
    from bot.store.sqlite.agents import Agent
    from bot.tickets.service import TicketService

log = structlog.get_logger(__name__)


class AgentFull(Conflict):
    """The agent already has `max_concurrent_chats` open chats (409 agent_full)."""

    code = "agent_full"


class AgentUnavailable(Conflict):
    """A transfer target who is not online: away and offline agents take no new chats (409)."""

    code = "agent_unavailable"


class AgentActions:
    """Mixed into HandoffQueue, which provides these attributes and `drain_queue`."""

    _store: Store
    _agents: AgentDirectory
    _tickets: TicketService
    _machine: ConversationMachine
    _outbox: Outbox
    _locks: ConversationLocks
    _assigning: asyncio.Lock
    changes: ChangeFeed
    rating: RatingFlow

    async def drain_queue(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def _waiting_reply(self, language: str, position: int) -> Reply:
        raise NotImplementedError

    async def accept(self, agent: Agent, conversation_id: str) -> Conversation:
        """Take a queued conversation. Conflict when it is not queued (e.g. taken a moment ago)."""
        conv = await self._conversation(conversation_id)
        async with self._locks.hold(conv.channel, conv.customer_id):
            conv = await self._conversation(conversation_id)
            handoff = await self._store.handoffs.open_for(conv.id)
            if conv.state != "queued" or handoff is None or handoff.assigned_at is not None:
                raise Conflict(
                    f"conversation {conv.id} is not waiting in the queue (state {conv.state})",
                    state=conv.state, agent_id=conv.agent_id,
                )
            async with self._assigning:
                await self._check_seat(agent)
                claimed = await self._store.handoffs.claim(handoff.id, agent.id, now_iso())
            if not claimed:
                raise Conflict(f"conversation {conv.id} was accepted by another agent", state="agent")
            conv = await self._start_chat(conv, handoff, agent.id, "assign", agent_name=agent.name)
        log.info("handoff_accepted", conversation_id=conv.id, agent_id=agent.id)
        return conv

    async def reply(self, agent: Agent, conversation_id: str, text_: str) -> MessageRecord:
        """Send the customer a message as this agent (403 unless the conversation is theirs)."""
        body = text_.strip()
        if not body or len(body) > MAX_MESSAGE_CHARS:
            raise InvalidAction("text", f"must be 1-{MAX_MESSAGE_CHARS} characters")
        conv = await self._conversation(conversation_id)
        async with self._locks.hold(conv.channel, conv.customer_id):
            conv = self._mine(await self._conversation(conversation_id), agent)
            at = now_iso()
            message = MessageRecord(conv.id, "out", "agent", body, created_at=at, agent_id=agent.id)
            await self._store.conversations.add_message(message)
            await self._store.conversations.save(replace(conv, updated_at=at, last_message_at=at))
            await self._outbox.deliver(OutboundMessage(conv.channel, conv.customer_id, conv.id,
                                                       (Reply("text", body),)))
            handoff = await self._store.handoffs.open_for(conv.id)
            if handoff is not None and await self._store.handoffs.first_reply(handoff.id, at):
                await self._first_response(handoff)
        self.changes.notify(agent.id)
        return message

    async def transfer(self, agent: Agent, conversation_id: str, to_agent_id: str | None) -> Conversation:
        """Pass the conversation to another agent, or (to_agent_id None) back to the bot."""
        conv = await self._conversation(conversation_id)
        target = None
        if to_agent_id is not None:
            if to_agent_id == agent.id:
                raise InvalidAction("to_agent_id", "is you; pick another agent or null for the bot")
            target = await self._agents.get(to_agent_id)
            if target is None:
                raise NotFound("agent", to_agent_id)
        async with self._locks.hold(conv.channel, conv.customer_id):
            conv = self._mine(await self._conversation(conversation_id), agent)
            handoff = await self._store.handoffs.open_for(conv.id)
            at = now_iso()
            if target is None:
                if handoff is not None:
                    await self._store.handoffs.end(handoff.id, at, "to_bot")
                conv = self._machine.fire(conv, "to_bot")
                await self._store.conversations.save(conv)
                await self.rating.send(conv, Reply("text", text("back_to_bot", conv.language)))
            else:
                async with self._assigning:
                    target = await self._check_seat(target, need_online=True)
                    if handoff is not None:
                        await self._store.handoffs.end(handoff.id, at, "transferred")
                        await self._store.handoffs.create(replace(
                            handoff, agent_id=target.id, queued_at=at, assigned_at=at, first_agent_reply_at=None,
                            reason=f"transfer from {agent.id}: {handoff.reason}"[:200],
                        ))
                conv = self._machine.fire(conv, "transfer", agent_id=target.id)
                await self._store.conversations.save(conv)
                await self.rating.send(conv, Reply("text", text("agent_joined", conv.language, name=target.name)))
                if handoff is not None:
                    await self._assign_ticket(handoff.ticket_id, target.id)
                self.changes.notify(target.id)
        self.changes.notify(agent.id)
        log.info("handoff_transferred", conversation_id=conv.id, agent_id=agent.id,
                 to=target.id if target else "bot")
        await self.drain_queue()  # the agent has a free seat now
        return conv

    async def close(self, agent: Agent, conversation_id: str) -> Conversation:
        """End the chat: the conversation moves to `rating` and the customer gets the CSAT prompt."""
        conv = await self._conversation(conversation_id)
        async with self._locks.hold(conv.channel, conv.customer_id):
            conv = self._mine(await self._conversation(conversation_id), agent)
            handoff = await self._store.handoffs.open_for(conv.id)
            if handoff is not None:
                await self._store.handoffs.end(handoff.id, now_iso(), "closed")
            subject = self.rating.with_subject(conv, agent_id=agent.id,
                                               ticket_id=handoff.ticket_id if handoff else None)
            conv = self._machine.fire(subject, "close_by_agent")
            await self._store.conversations.save(conv)
            await self.rating.send(conv, self.rating.prompt(conv.language))
        self.changes.notify(agent.id)
        log.info("handoff_closed", conversation_id=conv.id, agent_id=agent.id)
        await self.drain_queue()
        return conv

    async def requeue_chats_of(self, agent_id: str) -> list[str]:
        """Hand an agent's open chats back to the queue (they went offline): each episode ends as
        `requeued`, a new waiting one keeps its ticket, priority, skill and language, the customer
        is told their place, and free agents pick them up. Returns the requeued conversation ids.

        Call after the agent's status changed (so the drain cannot give the chats straight back)
        and never from inside a customer's turn: it takes each conversation's lock."""
        moved: list[str] = []
        for handoff in await self._store.handoffs.assigned_to(agent_id):
            conv = await self._store.conversations.get(handoff.conversation_id)
            if conv is None:
                continue
            async with self._locks.hold(conv.channel, conv.customer_id):
                if await self._requeue_one(handoff, agent_id):
                    moved.append(handoff.conversation_id)
        if moved:
            self.changes.notify(QUEUE, agent_id)
            log.info("handoff_requeued", agent_id=agent_id, count=len(moved))
            await self.drain_queue()
        return moved

    async def _requeue_one(self, handoff: Handoff, agent_id: str) -> bool:
        """One chat, under its conversation lock; False when it moved on meanwhile (closed, transferred)."""
        conv = await self._store.conversations.get(handoff.conversation_id)
        current = await self._store.handoffs.open_for(handoff.conversation_id)
        if conv is None or conv.state != "agent" or conv.agent_id != agent_id \
                or current is None or current.id != handoff.id:
            return False
        # agent → bot → queued: the machine has no direct agent → queued edge, and both steps are
        # pure (no I/O), so the customer never sees the intermediate `bot` state.
        queued = self._machine.fire(self._machine.fire(conv, "to_bot"), "request_handoff")
        at = now_iso()
        async with self._assigning:
            await self._store.handoffs.end(handoff.id, at, "requeued")
            # A new episode queued now: its wait is measured from the requeue, not the first queueing.
            waiting = await self._store.handoffs.create(replace(
                handoff, id=0, agent_id=None, queued_at=at, assigned_at=None, first_agent_reply_at=None,
                ended_at=None, outcome=None,
            ))
        await self._store.conversations.save(queued)
        position = await self._store.handoffs.position(waiting)
        lang = queued.language
        told = join_sentences(lang, text("agent_left", lang), self._waiting_reply(lang, position).text)
        await self.rating.send(queued, Reply("text", told))
        return True

    # -- shared with the queue -------------------------------------------------------------------

    async def _check_seat(self, agent: Agent, *, need_online: bool = False) -> Agent:
        """Refuse an assignment the agent has no room for; call under `_assigning`. Re-reads the
        agent: status and capacity may have changed since the caller looked it up."""
        fresh = await self._agents.get(agent.id) or agent
        if need_online and fresh.status != "online":
            raise AgentUnavailable(f"agent {fresh.id} is {fresh.status} and takes no new chats",
                                   agent_id=fresh.id, agent_status=fresh.status)
        active = len(await self._store.handoffs.assigned_to(fresh.id))
        if active >= fresh.max_concurrent_chats:
            raise AgentFull(f"agent {fresh.id} already has {active} of {fresh.max_concurrent_chats} chats",
                            agent_id=fresh.id, active_chats=active, max_concurrent_chats=fresh.max_concurrent_chats)
        return fresh

    async def _start_chat(self, conv: Conversation, handoff: Handoff, agent_id: str, trigger: str,
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
        await self.rating.send(new, Reply("text", text("agent_joined", new.language, name=agent_name)))
        await self._assign_ticket(handoff.ticket_id, agent_id)
        self.changes.notify(agent_id)
        return new

    async def _conversation(self, conversation_id: str) -> Conversation:
        conv = await self._store.conversations.get(conversation_id)
        if conv is None:
            raise NotFound("conversation", conversation_id)
        return conv

    @staticmethod
    def _mine(conv: Conversation, agent: Agent) -> Conversation:
        if conv.agent_id != agent.id:
            raise Forbidden(f"conversation {conv.id} is not assigned to you", state=conv.state)
        if conv.state != "agent":  # theirs, but already closed or handed back
            raise Conflict(f"conversation {conv.id} is in state {conv.state}, not with an agent",
                           state=conv.state)
        return conv

    async def _assign_ticket(self, ticket_id: str | None, agent_id: str) -> None:
        """The agent who has the chat owns its ticket (best effort: the chat matters more)."""
        if not ticket_id:
            return
        try:
            view = await self._tickets.get(ticket_id)
            if view.ticket.assignee != agent_id and view.ticket.status not in ("resolved", "closed", "cancelled"):
                await self._tickets.assign(ticket_id, agent_id, actor=agent_id)
        except Exception:
            log.warning("handoff_ticket_assign_failed", ticket_id=ticket_id, exc_info=True)

    async def _first_response(self, handoff: Handoff) -> None:
        if not handoff.ticket_id:
            return
        try:
            await self._tickets.mark_first_response(handoff.ticket_id, datetime.now(UTC),
                                                    actor=handoff.agent_id or "agent")
        except Exception:
            log.warning("ticket_first_response_failed", ticket_id=handoff.ticket_id, exc_info=True)
