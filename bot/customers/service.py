"""Customer profiles: validation, upsert, tags, and the masked summary agents see in lists.

Phone and e-mail are PII: lists and logs show them masked (138****5678, a***@example.com); the
full values are returned only when someone opens the profile itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import structlog
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, field_validator

from bot.core.patterns import ID_RULE, SPACE, matches, valid_id
from bot.customers.model import Customer

if TYPE_CHECKING:
    from bot.store import Store

log = structlog.get_logger(__name__)

# Each text rule is one JSON Schema pattern, stated in /api/openapi.json and applied here as is
# (bot.core.patterns.matches): blank clears the field, surrounding spaces are trimmed.
_S = SPACE
EMAIL_PATTERN = rf"^[{_S}]*(?:[^@{_S}]+@[^@{_S}]+\.[^@{_S}.]{{2,}}[{_S}]*)?$"
# An optional +, then 5-20 ASCII digits among spaces, dashes and parentheses.
PHONE_PATTERN = rf"^[{_S}]*(?:\+?(?:[-(){_S}]*[0-9]){{5,20}}[-(){_S}]*)?$"
LANGUAGE_PATTERN = rf"^[{_S}]*[A-Za-z]{{2,3}}(?:-[A-Za-z0-9]{{2,8}})?[{_S}]*$"
MAX_TAG = 32
# 1-32 characters once trimmed; kept as the operator spelled them ("VIP" stays "VIP").
TAG_PATTERN = rf"^[{_S}]*[^{_S}](?:[\w\W]{{0,{MAX_TAG - 2}}}[^{_S}])?[{_S}]*$"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_TAGS = 50

def _integral(v: Any) -> Any:
    # JSON Schema's integer includes 68.0; a fraction, a string or a boolean stays refused.
    return int(v) if isinstance(v, float) and v.is_integer() else v


JsonInt = Annotated[StrictInt, BeforeValidator(_integral)]
DERIVED = ("customer_id", "tickets_count", "satisfaction_score")  # accepted on input, never stored


class CustomerUpdate(BaseModel):
    """Fields an operator may set. Omitted fields stay as they are; null clears a text field.

    The seed's profile JSON loads as written: `customer_id` (must equal the id the caller names;
    checked by `check_customer_id`), and the derived `tickets_count` and `satisfaction_score`,
    accepted and ignored (they are computed from the tickets and ratings on every read)."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = None
    tickets_count: JsonInt | None = Field(None, ge=0)
    satisfaction_score: float | None = None
    name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    tags: list[str] | None = Field(None, max_length=MAX_TAGS)
    total_orders: JsonInt | None = Field(None, ge=0, le=10_000_000)
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
        if not matches(EMAIL_PATTERN, v):
            raise ValueError("not a valid e-mail address")
        return v.strip()

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if not matches(PHONE_PATTERN, v):
            raise ValueError("not a valid phone number (5-20 digits, optional +, spaces, dashes)")
        return v.strip()

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str]:
        return normalize_tags(v or [])

    @field_validator("total_spent", "satisfaction_score")
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
        try:  # YYYY-MM-DD exactly: fromisoformat alone also takes "20240531" and "2024-W22-5"
            if not _DATE.fullmatch(v):
                raise ValueError
            day = date.fromisoformat(v)
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
        if not matches(LANGUAGE_PATTERN, v):  # checked before lower(): "K" (Kelvin sign) lowers to k
            raise ValueError("must be a language code like zh or en")
        return v.strip().lower()

    def check_customer_id(self, customer_id: str) -> None:
        """A `customer_id` in the body must name the profile being written (ValueError otherwise)."""
        if self.customer_id is not None and self.customer_id != customer_id:
            raise ValueError(f"customer_id: {self.customer_id!r} differs from the profile's id {customer_id!r}")

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent (explicit null included), ready for the repository;
        the id and the derived fields are not stored."""
        data = self.model_dump(include=self.model_fields_set - set(DERIVED))
        for key in ("tags",):
            if key in data and data[key] is None:
                data[key] = []
        for key in ("total_orders", "total_spent"):
            if key in data and data[key] is None:
                data.pop(key)  # numbers cannot be cleared; null means "leave as is"
        return data


def update_schema(purchase_date: dict[str, Any]) -> dict[str, Any]:
    """CustomerUpdate as JSON Schema, with the same limits and patterns (`purchase_date`: a $ref)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "customer_id": {"type": ["string", "null"], "description": "if given, the id in the path"},
            "tickets_count": {"type": ["integer", "null"], "minimum": 0,
                              "description": "derived: accepted and ignored"},
            "satisfaction_score": {"type": ["number", "null"], "description": "derived: accepted and ignored"},
            "name": {"type": ["string", "null"], "maxLength": 100},
            "email": {"type": ["string", "null"], "maxLength": 254, "pattern": EMAIL_PATTERN},
            "phone": {"type": ["string", "null"], "maxLength": 32, "pattern": PHONE_PATTERN,
                      "description": "5-20 digits, optional +, spaces, dashes, parentheses"},
            "tags": {"type": ["array", "null"], "items": {"type": "string", "pattern": TAG_PATTERN},
                     "maxItems": MAX_TAGS},
            "total_orders": {"type": ["integer", "null"], "minimum": 0, "maximum": 10_000_000},
            "total_spent": {"type": ["number", "null"], "minimum": 0, "maximum": 1e12},
            "last_purchase": purchase_date,
            "language": {"type": ["string", "null"], "pattern": LANGUAGE_PATTERN},
        },
        "description": "Omitted fields stay as they are; null or blank clears a text field.",
    }


def tag_key(tag: str) -> str:
    """What tags are compared by: case-insensitive and trimmed ("VIP", " vip " and "Vip" are one)."""
    return tag.strip().lower()  # lower(), as agent skills are: a customer tag may name a skill


def tag_keys(tags: Iterable[str]) -> frozenset[str]:
    return frozenset(tag_key(t) for t in tags)


def normalize_tags(tags: Iterable[str], *, strict: bool = True) -> list[str]:
    """Stripped and deduplicated case-insensitively (the first spelling wins: ["VIP", "vip"] is
    ["VIP"]); the operator's spelling is kept, and rules such as agents.priority_tags compare by
    `tag_key`. `strict` rejects bad tags (input); otherwise they are dropped (old rows)."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        t = tag.strip()
        if not t or len(t) > MAX_TAG:  # TAG_PATTERN says the same
            if strict:
                raise ValueError(f"each tag must be 1-{MAX_TAG} characters")
            continue
        if tag_key(t) not in seen:
            seen.add(tag_key(t))
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
    """The id rule of every API id field and path (bot.core.patterns.ID_PATTERN)."""
    return valid_id(customer_id)


class CustomerService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, customer_id: str) -> Customer | None:
        return await self._store.customers.get(customer_id)

    async def upsert(self, customer_id: str, update: CustomerUpdate) -> tuple[Customer, bool]:
        """Create or update a profile; returns it and whether it was created."""
        if not valid_customer_id(customer_id):
            raise ValueError(f"customer_id: must be {ID_RULE}")
        update.check_customer_id(customer_id)
        created = await self._store.customers.upsert(customer_id, update.changes())
        log.info("customer_upserted", customer_id=customer_id, created=created, fields=sorted(update.model_fields_set))
        customer = await self._store.customers.get(customer_id)
        assert customer is not None
        return customer, created

    async def tags(self, customer_id: str) -> tuple[str, ...]:
        """The customer's tags as spelled, for routing rules and proactive flows (compare them with
        `tag_key`); deduplicated on read too, for rows saved before tags were normalised."""
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
