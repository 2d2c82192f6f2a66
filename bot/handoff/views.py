"""What agents see: the queue board and one conversation, with the customer card masked.

Phone and e-mail stay masked on the card. `mask_text` (an agent reading under
privacy.mask_for_agents) masks them in the messages too (bot/customers/masking.py); an agent sees
one in full only by revealing it (POST /api/customers/{id}/reveal, audited), and only for a
customer they serve or may pick up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.customers import masking
from bot.customers.service import summarize
from bot.handoff.results import Forbidden, NotFound

if TYPE_CHECKING:
    from bot.handoff.model import Handoff
    from bot.store import Store

LAST_MESSAGES = 5
BOARD_LIMIT = 100
UNDELIVERED_LIMIT = 50


def _wait_seconds(h: Handoff, now: datetime) -> int:
    return int((now - datetime.fromisoformat(h.queued_at)).total_seconds())


def _messages(rows: list[Any], mask_text: bool) -> list[dict[str, Any]]:
    out = [m.as_dict() for m in rows]
    return masking.messages(out) if mask_text else out


async def _card(store: Store, h: Handoff, now: datetime, last: int, mask_text: bool) -> dict[str, Any]:
    customer = await store.customers.get(h.customer_id)
    messages = await store.messages.messages(h.conversation_id, limit=last)
    return {
        "conversation_id": h.conversation_id,
        "handoff_id": h.id,
        "channel": h.channel,
        "reason": h.reason,
        "priority": h.priority,
        "skill": h.skill,
        "language": h.language,
        "ticket_id": h.ticket_id,
        "agent_id": h.agent_id,
        "queued_at": h.queued_at,
        "assigned_at": h.assigned_at,
        "wait_seconds": _wait_seconds(h, now),
        "customer": summarize(customer, masked=True) if customer else {"id": h.customer_id},
        "last_messages": _messages(messages, mask_text),
    }


async def board(store: Store, agent_id: str | None, *, last: int = LAST_MESSAGES,
                mask_text: bool = False) -> dict[str, Any]:
    """The waiting queue (service order, with positions) and the caller's own chats.
    For the admin (agent_id None) "mine" lists every conversation currently with an agent."""
    now = datetime.now(UTC)
    waiting = await store.handoffs.waiting(limit=BOARD_LIMIT)
    queue = []
    for position, h in enumerate(waiting, 1):
        queue.append({**await _card(store, h, now, last, mask_text), "position": position})
    if agent_id is not None:
        active = await store.handoffs.assigned_to(agent_id)
    else:
        counts = await store.handoffs.active_counts()
        active = [h for a in sorted(counts) for h in await store.handoffs.assigned_to(a)]
    mine = [await _card(store, h, now, last, mask_text) for h in active[:BOARD_LIMIT]]
    return {"queue": queue, "mine": mine}


async def conversation_view(store: Store, conversation_id: str, agent_id: str | None,
                            *, limit: int = 200, mask_text: bool = False) -> dict[str, Any]:
    """One conversation for the console: transcript, handoff, masked customer card and the
    messages that could not be delivered (`undelivered`). An agent
    may open it while it waits in the queue or is assigned to them."""
    conv = await store.conversations.get(conversation_id)
    if conv is None:
        raise NotFound("conversation", conversation_id)
    handoff = await store.handoffs.open_for(conversation_id)
    if agent_id is not None and conv.agent_id != agent_id and not (
        handoff is not None and handoff.assigned_at is None
    ):
        raise Forbidden(f"conversation {conversation_id} is not assigned to you", state=conv.state)
    customer = await store.customers.get(conv.customer_id)
    messages = await store.messages.messages(conversation_id, limit=limit)
    undelivered = await _undelivered(store, conversation_id)
    return {
        "conversation_id": conv.id,
        "state": conv.state,
        "channel": conv.channel,
        "language": conv.language,
        "agent_id": conv.agent_id,
        "handoff": handoff.as_dict() if handoff else None,
        "customer": summarize(customer, masked=True) if customer else {"id": conv.customer_id},
        "messages": _messages(messages, mask_text),
        "undelivered": masking.messages(undelivered) if mask_text else undelivered,
    }


async def _undelivered(store: Store, conversation_id: str) -> list[dict[str, Any]]:
    """Messages to the customer that the delivery service gave up on (dead letters), newest first."""
    items, _total = await store.outbox.list(status="failed", conversation_id=conversation_id,
                                            limit=UNDELIVERED_LIMIT)
    return [item.as_dict() for item in items]
