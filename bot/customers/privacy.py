"""A customer's data rights: the export (everything held, one JSON document) and the erasure.

Both are audited in the store's privacy_events (who, when, counts; the customer only as a digest).
Erasing twice is idempotent: the second call finds the tombstone and reports `already_erased`
with nothing erased; a customer never known is `unknown` (the API's 404). Logs carry ids and
counts only.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from bot.core.clock import now_iso
from bot.customers.model import Customer

if TYPE_CHECKING:
    from bot.core.locks import ConversationLocks
    from bot.store import Store

log = structlog.get_logger(__name__)
EXPORT_FORMAT = "customer-export/1"


@dataclass(frozen=True, slots=True)
class Erasure:
    customer_id: str
    status: str  # erased | already_erased | unknown
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "status": self.status,
                "erased": self.status == "erased", "counts": self.counts}


class CustomerData:
    def __init__(self, store: Store, locks: ConversationLocks | None = None,
                 forget: tuple[Callable[[str], None], ...] = ()) -> None:
        self._store = store
        self._locks = locks
        self._forget = forget  # in-process caches keyed by customer (the runtime's dedupe answers)

    async def history(self, customer_id: str, *, page: int, page_size: int) -> dict[str, Any]:
        data = await self._store.customer_data.history(customer_id, limit=page_size,
                                                       offset=(page - 1) * page_size)
        return {**data, "page": page, "page_size": page_size}

    async def export(self, customer_id: str, actor: str) -> dict[str, Any] | None:
        """The whole record as one document, or None for a customer without a profile."""
        held = await self._store.customer_data.export(customer_id)
        if held is None:
            return None
        profile: Customer = held.pop("profile")
        doc = {
            "format": EXPORT_FORMAT,
            "exported_at": now_iso(),
            "customer_id": customer_id,
            "profile": profile.as_dict(),
            **held,
            # Not kept by this version: pushed messages (agent replies, CSAT prompts, queue updates) are
            # in the conversations' messages; there are no proactive flows nor consent records yet.
            "proactive_messages": [],
            "consent": {"records": [], "note": "no consent is recorded for this customer"},
        }
        counts = {"conversations": len(doc["conversations"]), "tickets": len(doc["tickets"]),
                  "ratings": len(doc["ratings"])}
        await self._store.customer_data.record(customer_id, "exported", actor, counts)
        log.info("customer_exported", customer_id=customer_id, actor=actor, **counts)
        return doc

    async def erase(self, customer_id: str, actor: str) -> Erasure:
        """Erase the customer in one transaction, holding their conversation locks (no turn of
        theirs is half-way while it runs), then drop what this process caches of them."""
        channels = await self._store.customer_data.channels_of(customer_id)
        async with AsyncExitStack() as stack:
            if self._locks is not None:
                for channel in channels:
                    await stack.enter_async_context(self._locks.hold(channel, customer_id))
            counts = await self._store.customer_data.erase(customer_id, actor)
        if counts is None:
            status = "already_erased" if await self._store.customer_data.erased_before(customer_id) else "unknown"
            log.info("customer_erase_noop", customer_id=customer_id, status=status, actor=actor)
            return Erasure(customer_id, status)
        self._store.conversations.forget_customer(customer_id)
        for forget in self._forget:
            forget(customer_id)
        log.info("customer_erased", customer_id=customer_id, actor=actor, **counts)
        return Erasure(customer_id, "erased", counts)
