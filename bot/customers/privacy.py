"""A customer's data rights: the export (everything held, one JSON document), the erasure, and
the audited disclosure of a masked phone number or e-mail to an agent (`reveal`).

All are audited in the store's privacy_events (who, when, counts or the field's name; the customer
only as a digest; never the data itself), which `audit` reads back for operators. The export
includes the consent records (current state per channel and every change).

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
from bot.customers.masking import REVEALABLE
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


@dataclass(frozen=True, slots=True)
class Revealed:
    customer_id: str
    field: str
    value: str | None  # None: the profile has no such value

    def as_dict(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "field": self.field, "value": self.value}


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

    async def reveal(self, customer_id: str, field: str, actor: str) -> Revealed | None:
        """One masked field in full (REVEALABLE: phone, email), audited as `revealed` with who and
        which field, never the value; None for a customer without a profile."""
        if field not in REVEALABLE:
            raise ValueError(f"field: must be one of {', '.join(REVEALABLE)}")
        customer = await self._store.customers.get(customer_id)
        if customer is None:
            return None
        value = customer.phone if field == "phone" else customer.email
        await self._store.customer_data.record(customer_id, "revealed", actor, {"field": field,
                                                                                "empty": value is None})
        log.info("customer_field_revealed", customer_id=customer_id, field=field, actor=actor)
        return Revealed(customer_id, field, value)

    async def viewed(self, customer_id: str, actor: str) -> None:
        """An agent opened the unmasked profile (privacy.mask_for_agents off): audited too."""
        await self._store.customer_data.record(customer_id, "profile_viewed", actor, {"fields": list(REVEALABLE)})

    async def audit(self, customer_id: str, *, limit: int = 100, offset: int = 0) -> dict[str, Any] | None:
        """Who did what with the customer's data, newest first; None when the customer was never
        known (no profile and no event: an erased customer's trail stays readable)."""
        events, total = await self._store.customer_data.audit(customer_id, limit=limit, offset=offset)
        if total == 0 and await self._store.customers.get(customer_id) is None:
            return None
        return {"customer_id": customer_id, "events": events, "total": total, "limit": limit, "offset": offset}

    async def export(self, customer_id: str, actor: str) -> dict[str, Any] | None:
        """The whole record as one document, or None for a customer without a profile."""
        held = await self._store.customer_data.export(customer_id)
        if held is None:
            return None
        profile: Customer = held.pop("profile")
        records = held.pop("consents")
        current: dict[str, Any] = {}
        for r in records:  # oldest first: the last of a channel is its state
            current[r["channel"]] = {"status": r["status"], "source": r["source"], "at": r["at"]}
        doc = {
            "format": EXPORT_FORMAT,
            "exported_at": now_iso(),
            "customer_id": customer_id,
            "profile": profile.as_dict(),
            **held,
            # Pushed messages (agent replies, CSAT prompts, queue updates) are in the conversations'
            # messages; proactive flows (issue 11) do not exist in this version yet.
            "proactive_messages": [],
            "consent": {"current": current, "records": records},
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
