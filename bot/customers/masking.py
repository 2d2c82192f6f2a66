"""What an agent reads of a customer when `privacy.mask_for_agents` is on: phone numbers and
e-mail addresses masked wherever customer data reaches them.

Free text (messages, ticket titles, descriptions and comments, rating comments) goes through the
log masking (bot.logs.mask: phone-shaped numbers → 138****78, e-mails → a***@example.com), the
profile's own fields through mask_phone / mask_email (138****5678). Order numbers, dates and ids
are not phone-shaped and stay readable. An agent sees one value in full only by revealing it
(POST /api/customers/{id}/reveal), which the audit trail records; the admin sees everything.
"""

from __future__ import annotations

from typing import Any

from bot.customers.service import mask_email, mask_phone
from bot.logs import mask as mask_text

REVEALABLE = ("phone", "email")
_TICKET_TEXT = ("title", "description", "resolution")


def _text(value: Any) -> Any:
    return mask_text(value) if isinstance(value, str) and value else value


def customer_id(ident: str) -> str:
    """A customer id as a report shows it: enough to tell two apart, not to look one up (ids are
    often phone numbers or platform open ids)."""
    if len(ident) >= 8:
        return f"{ident[:2]}****{ident[-2:]}"
    return f"{ident[:1]}***{ident[-1:]}" if len(ident) >= 4 else "***"


def profile(customer: dict[str, Any]) -> dict[str, Any]:
    """A profile dict (Customer.as_dict()) with phone and e-mail masked and `masked: true`."""
    return {**customer, "phone": mask_phone(customer.get("phone")), "email": mask_email(customer.get("email")),
            "masked": True}


def messages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Transcript messages (MessageRecord.as_dict()) with PII in their text masked."""
    return [{**m, "text": _text(m.get("text"))} for m in rows]


def ticket(data: dict[str, Any]) -> dict[str, Any]:
    """A ticket dict (TicketView.as_dict()): title, description, resolution and comments masked."""
    out = {**data, **{k: _text(data.get(k)) for k in _TICKET_TEXT if k in data}}
    if isinstance(data.get("events"), list):
        out["events"] = [{**e, "comment": _text(e.get("comment"))} for e in data["events"]]
    return out


def history(data: dict[str, Any]) -> dict[str, Any]:
    """The profile's history page: ticket titles and rating comments masked."""
    return {
        **data,
        "tickets": [{**t, "title": _text(t.get("title"))} for t in data.get("tickets", [])],
        "ratings": [{**r, "comment": _text(r.get("comment"))} for r in data.get("ratings", [])],
    }


__all__ = ["REVEALABLE", "customer_id", "history", "mask_text", "messages", "profile", "ticket"]
