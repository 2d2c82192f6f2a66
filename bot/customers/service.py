"""Customer profiles: validation, upsert, tags, and the masked summary agents see in lists.

Phone and e-mail are PII: lists and logs show them masked (138****5678, a***@example.com); the
full values are returned only when someone opens the profile itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from bot.customers.model import Customer

if TYPE_CHECKING:
    from bot.store import Store

log = structlog.get_logger(__name__)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_PHONE = re.compile(r"\+?[\d\s\-()]+")
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
MAX_ID = 128


class CustomerUpdate(BaseModel):
    """Fields an operator may set. Omitted fields stay as they are; null clears a text field."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    tags: list[str] | None = Field(None, max_length=50)
    total_orders: StrictInt | None = Field(None, ge=0, le=10_000_000)
    total_spent: float | None = Field(None, ge=0, le=1e12)
    last_purchase: str | None = None
    language: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return (v.strip() or None) if v is not None else None

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        if not _EMAIL.fullmatch(v):
            raise ValueError("not a valid e-mail address")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        digits = sum(ch.isdigit() for ch in v)
        if not _PHONE.fullmatch(v) or not 5 <= digits <= 20:
            raise ValueError("not a valid phone number (5-20 digits, optional +, spaces, dashes)")
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str]:
        return normalize_tags(v or [])

    @field_validator("total_spent")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return round(v, 2) if v is not None else None

    @field_validator("last_purchase")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            day = date.fromisoformat(v.strip())
        except ValueError:
            raise ValueError("must be a date like 2024-05-31") from None
        if day > (datetime.now(UTC) + timedelta(days=1)).date():
            raise ValueError("must not be in the future")
        return day.isoformat()

    @field_validator("language")
    @classmethod
    def _language(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip().lower()
        if not _LANG.fullmatch(v):
            raise ValueError("must be a language code like zh or en")
        return v

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent (explicit null included), ready for the repository."""
        data = self.model_dump(include=self.model_fields_set)
        for key in ("tags",):
            if key in data and data[key] is None:
                data[key] = []
        for key in ("total_orders", "total_spent"):
            if key in data and data[key] is None:
                data.pop(key)  # numbers cannot be cleared; null means "leave as is"
        return data


def normalize_tags(tags: Iterable[str], *, strict: bool = True) -> list[str]:
    """Stripped, lowercased, deduplicated (first occurrence wins): " VIP " and "vip" are one tag, and
    rules such as agents.priority_tags match whatever case the CRM sent. `strict` rejects bad tags
    (input); otherwise they are dropped (rows stored before tags were normalised)."""
    out: list[str] = []
    for tag in tags:
        t = tag.strip().lower()
        if not t or len(t) > 32:
            if strict:
                raise ValueError("each tag must be 1-32 characters")
            continue
        if t not in out:
            out.append(t)
    return out


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    compact = re.sub(r"[\s\-()]", "", phone)
    if len(compact) >= 8:
        return compact[:3] + "****" + compact[-4:]
    return "*" * max(len(compact) - 2, 1) + compact[-2:]


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def valid_customer_id(customer_id: str) -> bool:
    return 0 < len(customer_id) <= MAX_ID and customer_id.strip() == customer_id and customer_id.isprintable()


class CustomerService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, customer_id: str) -> Customer | None:
        return await self._store.customers.get(customer_id)

    async def upsert(self, customer_id: str, update: CustomerUpdate) -> tuple[Customer, bool]:
        """Create or update a profile; returns it and whether it was created."""
        if not valid_customer_id(customer_id):
            raise ValueError("customer_id: must be 1-128 printable characters without surrounding spaces")
        created = await self._store.customers.upsert(customer_id, update.changes())
        log.info("customer_upserted", customer_id=customer_id, created=created, fields=sorted(update.model_fields_set))
        customer = await self._store.customers.get(customer_id)
        assert customer is not None
        return customer, created

    async def tags(self, customer_id: str) -> tuple[str, ...]:
        """The customer's tags, for routing rules and proactive flows (normalised on read too:
        profiles saved before tags were normalised may still hold "VIP")."""
        return tuple(normalize_tags(await self._store.customers.tags(customer_id), strict=False))

    async def summary(self, customer_id: str, masked: bool = True) -> dict[str, Any] | None:
        """The customer card: profile plus computed ticket count and CSAT, PII masked by default."""
        c = await self._store.customers.get(customer_id)
        if c is None:
            return None
        return summarize(c, masked=masked)


def summarize(c: Customer, *, masked: bool = True) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "email": mask_email(c.email) if masked else c.email,
        "phone": mask_phone(c.phone) if masked else c.phone,
        "tags": list(c.tags),
        "language": c.language,
        "total_orders": c.total_orders,
        "total_spent": c.total_spent,
        "last_purchase": c.last_purchase,
        "tickets_count": c.tickets_count,
        "satisfaction_score": c.satisfaction_score,
        "masked": masked,
    }
