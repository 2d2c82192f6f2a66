"""The customer insight report's reads (SQL in bot/store/sqlite/insight_sql.py), mixed into the
report reader so they run on its parallel read connections and snapshot like the other reports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.store.sqlite import insight_sql as q

Row = dict[str, Any]


class InsightQueries:
    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        raise NotImplementedError  # the reader's

    async def faq_categories(self, start: str, end: str) -> list[tuple[str | None, int]]:
        return [(r["key"], int(r["n"])) for r in await self._rows(q.FAQ_CATEGORIES, (start, end))]

    async def fallbacks(self, start: str, end: str) -> int:
        return int((await self._rows(q.FALLBACKS, (start, end)))[0]["n"])

    async def fallback_texts(self, start: str, end: str, limit: int) -> list[str]:
        return [r["text"] for r in await self._rows(q.FALLBACK_TEXTS, (start, end, limit))]

    async def sentiment_by_intent(self, start: str, end: str) -> list[Row]:
        """{key, n, negative, neutral, positive} per intent of the customer turns."""
        return await self._rows(q.SENTIMENT_BY_INTENT, (start, end))

    async def sentiment_by_channel(self, start: str, end: str) -> list[Row]:
        return await self._rows(q.SENTIMENT_BY_CHANNEL, (start, end))

    async def csat_by_intent(self, start: str, end: str) -> list[Row]:
        return await self._rows(q.CSAT_BY_INTENT, (start, end))

    async def csat_by_ticket_type(self, start: str, end: str) -> list[Row]:
        return await self._rows(q.CSAT_BY_TICKET_TYPE, (start, end))

    async def repeats(self, start: str, end: str, within_days: int, limit: int) -> tuple[Row, list[Row]]:
        """{customers, repeat_customers, repeat_conversations}, and the `limit` customers with the
        most repeats: {customer_id, conversations, repeats}."""
        rows = await self._rows(q.REPEATS, (start, end, within_days, limit))
        totals = rows[0]
        return ({"customers": totals["conversations"], "repeat_customers": totals["repeats"],
                 "repeat_conversations": totals["repeat_conversations"]},
                [{"customer_id": r["customer_id"], "conversations": r["conversations"], "repeats": r["repeats"]}
                 for r in rows[1:]])

    async def customer_intents(self, start: str, end: str, customers: Sequence[str]) -> list[Row]:
        return await self._rows(q.CUSTOMER_INTENTS, (start, end, json.dumps(list(customers))))

    async def customer_openings(self, start: str, end: str, customers: Sequence[str]) -> list[Row]:
        return await self._rows(q.CUSTOMER_OPENINGS, (start, end, json.dumps(list(customers))))

    async def ticket_customers(self, start: str, end: str, limit: int) -> list[Row]:
        return await self._rows(q.TICKET_CUSTOMERS, (start, end, limit))

    async def customer_tickets(self, start: str, end: str, customers: Sequence[str]) -> list[Row]:
        return await self._rows(q.CUSTOMER_TICKETS, (start, end, json.dumps(list(customers))))

    async def ticket_tags(self, start: str, end: str, limit: int) -> list[Row]:
        return await self._rows(q.TICKET_TAGS, (start, end, limit))

    async def customer_tags(self, start: str, end: str, limit: int) -> list[Row]:
        return await self._rows(q.CUSTOMER_TAGS, (start, end, limit))
