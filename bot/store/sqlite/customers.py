"""Customer profiles. The row is created on first contact (by the conversation repository) and
filled in by operators or integrations; ticket count and satisfaction are computed, never stored,
so they cannot drift from the tickets and ratings tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.conversation.model import dumps, now_iso
from bot.store.sqlite.database import Database

# Columns an upsert may set (validated by the service); anything else is a programming error.
EDITABLE = ("name", "email", "phone", "tags", "total_orders", "total_spent", "last_purchase", "language")

_SELECT = """SELECT c.*,
    (SELECT COUNT(*) FROM tickets t WHERE t.customer_id = c.id) AS tickets_count,
    (SELECT AVG(r.score) FROM ratings r WHERE r.customer_id = c.id) AS satisfaction_score
    FROM customers c WHERE c.id = ?"""


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
            "id": self.id, "name": self.name, "email": self.email, "phone": self.phone,
            "tags": list(self.tags), "total_orders": self.total_orders, "total_spent": self.total_spent,
            "last_purchase": self.last_purchase, "language": self.language,
            "first_channel": self.first_channel, "tickets_count": self.tickets_count,
            "satisfaction_score": self.satisfaction_score, "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class CustomerRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, customer_id: str) -> Customer | None:
        row = await self._db.fetchone(_SELECT, (customer_id,))
        return Customer.from_row(row) if row else None

    async def upsert(self, customer_id: str, changes: dict[str, Any]) -> bool:
        """Create the profile or update the given columns only; True when it was created."""
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        values = {k: dumps(list(v)) if k == "tags" else v for k, v in changes.items()}
        ts = now_iso()
        cols = ["id", *values, "created_at", "updated_at"]
        updates = ", ".join(f"{c} = excluded.{c}" for c in [*values, "updated_at"])
        async with self._db.transaction() as conn:
            cur = await conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,))
            existed = await cur.fetchone() is not None
            await conn.execute(
                f"""INSERT INTO customers ({", ".join(cols)}) VALUES ({", ".join("?" for _ in cols)})
                    ON CONFLICT(id) DO UPDATE SET {updates}""",
                (customer_id, *values.values(), ts, ts),
            )
        return not existed

    async def tags(self, customer_id: str) -> tuple[str, ...]:
        row = await self._db.fetchone("SELECT tags FROM customers WHERE id = ?", (customer_id,))
        return tuple(json.loads(row["tags"])) if row else ()
