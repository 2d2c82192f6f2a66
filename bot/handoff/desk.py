"""The agent desk: what agents do with a handed-off conversation — accept, reply, transfer, close.

Each action takes the conversation's lock (it runs outside the customer's turn), re-reads the
conversation under it, and refuses with Forbidden (not yours), Conflict (wrong state, already
taken) or NotFound. Of two agents accepting the same handoff at once, the lock orders them and
the conditional claim in the store lets exactly one win; the other gets Conflict.

Capacity is checked under the seats' lock (bot/handoff/seats.py: AgentFull); a transfer also
needs the target to be online (AgentUnavailable): away means "no new chats".

Going offline hands the agent's open chats back to the queue (`requeue_chats_of`); away keeps them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import structlog

from bot.conversation.model import Conversation, MessageRecord
from bot.conversation.texts import join_sentences, text
from bot.core.clock import now_iso
from bot.core.events import MAX_MESSAGE_CHARS, Reply
from bot.handoff.model import Handoff
from bot.handoff.results import Conflict, Forbidden, InvalidAction, NotFound
from bot.handoff.signals import QUEUE

if TYPE_CHECKING:
    from bot.agents.directory import AgentDirectory
    from bot.agents.model import Agent
    from bot.channels.push import CustomerPush
    from bot.conversation.machine import ConversationMachine
    from bot.core.locks import ConversationLocks
    from bot.csat.survey import RatingFlow
    from bot.handoff.queue import HandoffQueue
    from bot.handoff.seats import Seats
    from bot.handoff.signals import ChangeFeed
    from bot.handoff.tickets import HandoffTickets
    from bot.store import Store

log = structlog.get_logger(__name__)


class AgentDesk:
    """The agent side of a handoff; the queue (bot/handoff/queue.py) is the customer side."""

    def __init__(
        self, store: Store, agents: AgentDirectory, machine: ConversationMachine, locks: ConversationLocks,
        seats: Seats, queue: HandoffQueue, tickets: HandoffTickets, push: CustomerPush, survey: RatingFlow,
        changes: ChangeFeed,
    ) -> None:
        self._store = store
        self._agents = agents
        self._machine = machine
        self._locks = locks
        self._seats = seats
        self._queue = queue
        self._tickets = tickets
        self._push = push
        self._survey = survey
        self.changes = changes

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
            async with self._seats.lock:
                await self._seats.check(agent)
                claimed = await self._store.handoffs.claim(handoff.id, agent.id, now_iso())
            if not claimed:
                raise Conflict(f"conversation {conv.id} was accepted by another agent", state="agent")
            conv = await self._seats.start_chat(conv, handoff, agent.id, "assign", agent_name=agent.name)
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
            await self._store.conversations.save(replace(conv, updated_at=at, last_message_at=at))
            message = await self._push.send(conv, Reply("text", body), sender="agent", agent_id=agent.id, at=at,
                                            agent_name=agent.name)
            handoff = await self._store.handoffs.open_for(conv.id)
            if handoff is not None and await self._store.handoffs.first_reply(handoff.id, at):
                await self._tickets.first_response(handoff)
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
                await self._push.send(conv, Reply("text", text("back_to_bot", conv.language)))
            else:
                async with self._seats.lock:
                    target = await self._seats.check(target, need_online=True)
                    if handoff is not None:
                        await self._store.handoffs.end(handoff.id, at, "transferred")
                        await self._store.handoffs.create(replace(
                            handoff, agent_id=target.id, queued_at=at, assigned_at=at, first_agent_reply_at=None,
                            reason=f"transfer from {agent.id}: {handoff.reason}"[:200],
                        ))
                conv = self._machine.fire(conv, "transfer", agent_id=target.id)
                await self._store.conversations.save(conv)
                await self._push.send(conv, Reply("text", text("agent_joined", conv.language, name=target.name)))
                if handoff is not None:
                    await self._tickets.assign(handoff.ticket_id, target.id)
                self.changes.notify(target.id)
        self.changes.notify(agent.id)
        log.info("handoff_transferred", conversation_id=conv.id, agent_id=agent.id,
                 to=target.id if target else "bot")
        await self._queue.drain_queue()  # the agent has a free seat now
        return conv

    async def close(self, agent: Agent, conversation_id: str, *, keep_ticket_open: bool = False) -> Conversation:
        """End the chat: the conversation moves to `rating` and the customer gets the CSAT prompt;
        the handoff's ticket is resolved unless the agent keeps it open (follow-up work)."""
        conv = await self._conversation(conversation_id)
        async with self._locks.hold(conv.channel, conv.customer_id):
            conv = self._mine(await self._conversation(conversation_id), agent)
            handoff = await self._store.handoffs.open_for(conv.id)
            if handoff is not None:
                await self._store.handoffs.end(handoff.id, now_iso(), "closed")
            subject = self._survey.with_subject(conv, agent_id=agent.id,
                                                ticket_id=handoff.ticket_id if handoff else None)
            conv = self._machine.fire(subject, "close_by_agent")
            await self._store.conversations.save(conv)
            await self._push.send(conv, self._survey.prompt(conv.language), kind="rating_prompt")
        if handoff is not None and not keep_ticket_open:
            # Outside the lock: resolving runs the ticket-resolved hooks, which take it themselves.
            await self._tickets.resolve(handoff.ticket_id, agent.id)
        self.changes.notify(agent.id)
        log.info("handoff_closed", conversation_id=conv.id, agent_id=agent.id)
        await self._queue.drain_queue()
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
            await self._queue.drain_queue()
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
        async with self._seats.lock:
            await self._store.handoffs.end(handoff.id, at, "requeued")
            # A new episode queued now: its wait is measured from the requeue, not the first queueing.
            waiting = await self._store.handoffs.create(replace(
                handoff, id=0, agent_id=None, queued_at=at, assigned_at=None, first_agent_reply_at=None,
                ended_at=None, outcome=None,
            ))
        await self._store.conversations.save(queued)
        position = await self._store.handoffs.position(waiting)
        lang = queued.language
        told = join_sentences(lang, text("agent_left", lang), self._queue.waiting_reply(lang, position).text)
        await self._push.send(queued, Reply("text", told))
        return True

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

