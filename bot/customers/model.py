"""A customer profile as agents and reports see it; ticket count and CSAT are derived."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

EDITABLE = ("name", "email", "phone", "tags", "total_orders", "total_spent", "last_purchase", "language")


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    tags: tuple[str, ...] = ()
    total_orders: int = 0
    total_spent: float = 0.0
    last_purchase: str | None = None
    language: str | None = None
    first_channel: str | None = None
    tickets_count: int = 0
    satisfaction_score: float | None = None  # mean CSAT 1–5, None before the first rating
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def from_row(cls, row: Any) -> Customer:
        score = row["satisfaction_score"]
        return cls(
            id=row["id"], name=row["name"], email=row["email"], phone=row["phone"],
            tags=tuple(json.loads(row["tags"])), total_orders=row["total_orders"],
            total_spent=row["total_spent"], last_purchase=row["last_purchase"], language=row["language"],
            first_channel=row["first_channel"], tickets_count=row["tickets_count"],
            satisfaction_score=round(score, 2) if score is not None else None,
            created_at=row["created_at"], updated_at=row["updated_at"],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "customer_id": self.id, "name": self.name, "email": self.email, "phone": self.phone,
            "tags": list(self.tags), "total_orders": self.total_orders, "total_spent": self.total_spent,
            "last_purchase": self.last_purchase, "language": self.language,
            "first_channel": self.first_channel, "tickets_count": self.tickets_count,
            "satisfaction_score": self.satisfaction_score, "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


CONSENT_STATUSES = ("opt_in", "opt_out")


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One opt-in or opt-out of proactive messages on a channel, with when and where it came from."""

    customer_id: str
    channel: str
    status: str  # opt_in | opt_out
    source: str
    created_at: str
    id: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> ConsentRecord:
        return cls(customer_id=row["customer_id"], channel=row["channel"], status=row["status"],
                   source=row["source"], created_at=row["created_at"], id=row["id"])

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "channel": self.channel, "status": self.status, "source": self.source,
                "at": self.created_at}
