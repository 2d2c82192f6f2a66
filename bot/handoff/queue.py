"""The handoff queue: hand a conversation to a human, queue positions, and draining the queue
onto free agents. What agents then do is bot/handoff/desk.py.

Locking: `enqueue`, `relay` and `leave_queue` run inside a customer's turn (the runtime holds the
conversation lock). `drain_queue` takes each conversation's lock, then the seats' lock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from bot.conversation.model import Conversation
from bot.conversation.texts import join_sentences, text
from bot.core.clock import now_iso
from bot.core.events import Reply
from bot.customers.service import tag_keys
from bot.handoff.assignment import AssignmentNeed, choose_agent
from bot.handoff.model import PRIORITIES, Handoff
from bot.handoff.results import HandoffOutcome, RelayOutcome
from bot.handoff.signals import QUEUE

if TYPE_CHECKING:
    from bot.agents.directory import AgentDirectory
    from bot.config import Settings
    from bot.conversation.machine import ConversationMachine
    from bot.core.locks import ConversationLocks
    from bot.customers.service import CustomerService
    from bot.handoff.seats import Seats
    from bot.handoff.signals import ChangeFeed
    from bot.handoff.tickets import HandoffTickets
    from bot.store import Store

log = structlog.get_logger(__name__)


class HandoffQueue:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        agents: AgentDirectory,
        customers: CustomerService,
        machine: ConversationMachine,
        locks: ConversationLocks,
        seats: Seats,
        tickets: HandoffTickets,
        changes: ChangeFeed,
    ) -> None:
        self._settings = settings
        self._store = store
        self._agents = agents
        self._customers = customers
        self._machine = machine
        self._locks = locks
        self._seats = seats
        self._tickets = tickets
        self.changes = changes

    # -- inside a customer's turn (the conversation lock is held by the caller) ------------------

    async def enqueue(
        self,
        conv: Conversation,
        *,
        reason: str,
        priority: str = "normal",
        skill: str | None = None,
        language: str | None = None,
        message: str | None = None,
        ticket_id: str | None = None,
        ticket_type: str | None = None,
        title: str | None = None,
    ) -> HandoffOutcome:
        """Hand the conversation to a human: assign a free agent now, or queue it. A ticket is
        opened either way (or `ticket_id`, one the caller just opened, is linked instead), typed
        `ticket_type` (a flow's type, e.g. 退款) or "handoff"; `skill` only routes to agents.
        Returns the conversation to persist and the replies for the customer."""
        if conv.state in ("queued", "agent"):  # already with (or waiting for) a human
            relayed = await self.relay(conv, message or "")
            open_h = await self._store.handoffs.open_for(conv.id)
            return HandoffOutcome(relayed.conversation, relayed.replies, open_h.ticket_id if open_h else None,
                                  conv.agent_id)
        tags = await self._customers.tags(conv.customer_id)
        priority = self._priority_for(priority if priority in PRIORITIES else "normal", tags)
        language = language or conv.language
        queued = self._machine.fire(conv, "request_handoff", priority=priority, handoff_reason=reason[:200])
        stale = await self._store.handoffs.open_for(conv.id)
        if stale is not None:  # left over from a turn that never committed
            await self._store.handoffs.end(stale.id, now_iso(), "abandoned")
        # Held only for the decision and the row that takes the seat; the ticket is opened after.
        async with self._seats.lock:
            pick = choose_agent(await self._agents.online_loads(), AssignmentNeed.of(skill, language, tags))
            agent_id = pick.agent_id if pick else None
            at = now_iso()
            handoff = await self._store.handoffs.create(Handoff(
                id=0, conversation_id=conv.id, customer_id=conv.customer_id, channel=conv.channel,
                reason=reason[:200], priority=priority, skill=skill, language=language, ticket_id=ticket_id,
                agent_id=agent_id, queued_at=at, assigned_at=at if agent_id else None,
            ))
        if ticket_id is None:
            ticket_id = await self._tickets.open(conv, reason=reason, priority=priority, ticket_type=ticket_type,
                                                 message=message, agent_id=agent_id, title=title)
            if ticket_id is not None:
                await self._store.handoffs.set_ticket(handoff.id, ticket_id)
        elif agent_id is not None:
            await self._tickets.assign(ticket_id, agent_id)  # the caller's ticket has no owner yet
        lang = conv.language
        if agent_id is not None:
            agent = await self._agents.get(agent_id)
            assigned = self._machine.fire(queued, "assign", agent_id=agent_id)
            self.changes.notify(agent_id)
            log.info("handoff_assigned", agent_id=agent_id, reason=reason, waited_ms=0)
            joined = Reply("text", text("agent_joined", lang, name=agent.name if agent else agent_id))
            return HandoffOutcome(assigned, (joined,), ticket_id, agent_id)
        position = await self._store.handoffs.position(handoff)
        self.changes.notify(QUEUE)
        log.info("handoff_queued", reason=reason, priority=priority, position=position)
        reply = self.waiting_reply(lang, position).text
        if ticket_id:
            reply = join_sentences(lang, reply, text("handoff_ticket", lang, ticket_id=ticket_id))
        return HandoffOutcome(queued, (Reply("text", reply),), ticket_id, None, position)

    async def relay(self, conv: Conversation, message: str) -> RelayOutcome:
        """A customer message while a human has (or will have) the conversation: the bot stays
        silent; the message is in the transcript the agent polls, and their long poll wakes up.
        A waiting customer is told their place in the queue again."""
        if conv.state == "agent" and conv.agent_id:
            self.changes.notify(conv.agent_id)
            return RelayOutcome(conv, ())
        if conv.state == "queued":
            self.changes.notify(QUEUE)
            handoff = await self._store.handoffs.open_for(conv.id)
            if handoff is not None and handoff.assigned_at is None:
                position = await self._store.handoffs.position(handoff)
                return RelayOutcome(conv, (self.waiting_reply(conv.language, position),))
        return RelayOutcome(conv, ())

    async def leave_queue(self, conv: Conversation) -> RelayOutcome:
        """A waiting customer cancelled ("算了", "never mind"): end the handoff as cancelled and
        give the conversation back to the bot. The ticket stays open with a note: the request it
        records may still need an answer, and closing it is an agent's call. Once an agent has
        the conversation, cancelling is an ordinary message for them (relayed)."""
        handoff = await self._store.handoffs.open_for(conv.id)
        if conv.state != "queued" or (handoff is not None and handoff.assigned_at is not None):
            return await self.relay(conv, "")
        if handoff is not None:
            await self._store.handoffs.end(handoff.id, now_iso(), "cancelled")
            if handoff.ticket_id:
                await self._tickets.note(handoff.ticket_id, "Customer left the queue before an agent joined.")
        back = self._machine.fire(conv, "to_bot")
        self.changes.notify(QUEUE)  # consoles drop it from the queue and positions move up
        log.info("handoff_cancelled", waited_ms=_ms_since(conv.queued_at) if conv.queued_at else None)
        return RelayOutcome(back, (Reply("text", text("handoff_cancelled", conv.language)),))

    # -- outside turns ---------------------------------------------------------------------------

    async def drain_queue(self) -> list[tuple[str, str]]:
        """Assign waiting conversations to free online agents, urgent first then oldest first.
        Call when an agent goes online or frees a seat, and periodically. Returns (conversation,
        agent) pairs."""
        done: list[tuple[str, str]] = []
        skipped: set[int] = set()
        while True:
            waiting = [h for h in await self._store.handoffs.waiting(limit=50) if h.id not in skipped]
            if not waiting:
                break
            head = waiting[0]
            result = await self._assign_waiting(head)
            if result is None:
                break  # nobody has a free seat: later handoffs cannot be served either
            if result == "":
                skipped.add(head.id)
                continue
            done.append((head.conversation_id, result))
        if done:
            await self._tell_positions()
        return done

    async def _tell_positions(self) -> None:
        """The queue moved: every customer still waiting hears their new place."""
        for h in await self._store.handoffs.waiting(limit=POSITION_UPDATES):
            conv = await self._store.conversations.get(h.conversation_id)
            if conv is None:
                continue
            async with self._locks.hold(conv.channel, conv.customer_id):
                current = await self._store.handoffs.open_for(conv.id)
                conv = await self._store.conversations.get(h.conversation_id)
                if conv is None or conv.state != "queued" or current is None or current.id != h.id:
                    continue
                position = await self._store.handoffs.position(current)
                await self._seats.tell(conv, self.waiting_reply(conv.language, position))

    async def _assign_waiting(self, h: Handoff) -> str | None:
        """Assign one waiting handoff: the agent id, "" if it is no longer waiting, None if no seat."""
        conv = await self._store.conversations.get(h.conversation_id)
        if conv is None:
            await self._store.handoffs.end(h.id, now_iso(), "abandoned")
            return ""
        async with self._locks.hold(conv.channel, conv.customer_id):
            conv = await self._store.conversations.get(h.conversation_id)
            current = await self._store.handoffs.open_for(h.conversation_id)
            if conv is None or conv.state != "queued" or current is None or current.id != h.id:
                await self._store.handoffs.end(h.id, now_iso(), "abandoned")
                return ""
            if current.assigned_at is not None:
                return ""
            tags = await self._customers.tags(conv.customer_id)
            async with self._seats.lock:
                pick = choose_agent(await self._agents.online_loads(), AssignmentNeed.of(h.skill, h.language, tags))
                if pick is None:
                    return None
                if not await self._store.handoffs.claim(h.id, pick.agent_id, now_iso()):
                    return ""
            await self._seats.start_chat(conv, current, pick.agent_id, "assign")
        log.info("handoff_assigned", conversation_id=h.conversation_id, agent_id=pick.agent_id,
                 waited_ms=_ms_since(h.queued_at))
        return pick.agent_id

    # -- helpers ---------------------------------------------------------------------------------

    def _priority_for(self, priority: str, customer_tags: tuple[str, ...]) -> str:
        """Customers with a priority tag (agents.priority_tags, e.g. vip) wait as at least `high`."""
        if tag_keys(customer_tags) & tag_keys(self._settings.agents.priority_tags) and \
                PRIORITIES.index(priority) > PRIORITIES.index("high"):
            return "high"
        return priority

    def waiting_reply(self, language: str, position: int) -> Reply:
        if self._agents.within_online_hours():
            return Reply("text", text("queue_position", language, position=position))
        back = self._agents.next_online_at()
        return Reply("text", text("outside_hours", language, time=back.strftime("%H:%M"),
                                  hours=self._settings.agents.online_hours))



POSITION_UPDATES = 50  # waiting customers told their new place when the queue moves


def _ms_since(iso: str) -> int:
    return int((datetime.now(UTC) - datetime.fromisoformat(iso)).total_seconds() * 1000)
