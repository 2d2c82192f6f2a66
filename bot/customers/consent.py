"""Consent for proactive messages per customer and channel: opt_in or opt_out, with when and
where it came from (`source`: signup_form, customer_reply, operator, ...).

Operators set it (PUT /api/customers/{id}/consent, `set_consent`); a proactive flow asks
`allows(customer, channel)` before it sends — only an explicit, current opt-in allows (PIPL and
GDPR both want consent to marketing given, not presumed) — and records an opt-out the customer
writes ("退订", "TD", "unsubscribe") through the store's `record_consent`. Every change is audited
(privacy_events, kind consent). Exported with the customer, erased with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.patterns import matches
from bot.customers.model import CONSENT_STATUSES, ConsentRecord

if TYPE_CHECKING:
    from bot.store import Store

# A channel name as add_channel takes it (web, app, wechat, telegram, sms, email, ...).
CHANNEL_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
CHANNEL_RULE = "1-64 ASCII letters, digits, '-' or '_' (e.g. wechat, sms, email)"
MAX_SOURCE = 64


def check(channel: str, status: str, source: str) -> str | None:
    """What is wrong with the input as `field: reason`, or None."""
    if not matches(CHANNEL_PATTERN, channel):
        return f"channel: must be {CHANNEL_RULE}"
    if status not in CONSENT_STATUSES:
        return f"status: must be one of {', '.join(CONSENT_STATUSES)}"
    if not source.strip() or len(source) > MAX_SOURCE:
        return f"source: must be 1-{MAX_SOURCE} characters"
    return None


def state(records: list[ConsentRecord]) -> dict[str, dict[str, Any]]:
    """{channel: {status, source, at}} of the current records."""
    return {r.channel: {"status": r.status, "source": r.source, "at": r.created_at} for r in records}


class Consents:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def set(self, customer_id: str, channel: str, status: str, source: str | None,
                  actor: str) -> ConsentRecord | None:
        """Record the change (source defaults to the actor); None for a customer without a profile."""
        source = (source or actor).strip()
        problem = check(channel, status, source)
        if problem:
            raise ValueError(problem)
        if await self._store.customers.get(customer_id) is None:
            return None
        return await self._store.consents.record_consent(customer_id, channel, status, source, actor=actor)

    async def state(self, customer_id: str) -> dict[str, dict[str, Any]]:
        return state(await self._store.consents.consents(customer_id))

    async def allows(self, customer_id: str, channel: str) -> bool:
        """Whether a proactive message may go to the customer on the channel: a current opt-in."""
        current = await self._store.consents.consent(customer_id, channel)
        return current is not None and current.status == "opt_in"
