"""Customer profiles. The row is created on first contact (by the conversation repository) and
filled in by operators or integrations; ticket count and satisfaction are computed, never stored,
so they cannot drift from the tickets and ratings tables."""

from __future__ import annotations

import json
from typing import Any

from bot.core.clock import dumps, now_iso
from bot.customers.model import EDITABLE, Customer
from bot.store.sqlite.database import Database

# Columns an upsert may set (validated by the service); anything else is a programming error.

_SELECT = """SELECT c.*,
    (SELECT COUNT(*) FROM tickets t WHERE t.customer_id = c.id) AS tickets_count,
    (SELECT AVG(r.score) FROM ratings r WHERE r.customer_id = c.id) AS satisfaction_score
    FROM customers c WHERE c.id = ?"""


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
