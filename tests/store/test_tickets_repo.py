"""TicketRepo: ids from the counters table, one transaction per write, filters and paging."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.store import Store
from bot.store.protocols import UnknownRecord
from bot.tickets.model import Ticket, TicketEvent, TicketFilter

TS = "2025-03-03T09:00:00.000000+00:00"


def draft(customer: str = "c1", **kw: object) -> Ticket:
    base = Ticket(id="", customer_id=customer, title="t", created_at=TS, updated_at=TS,
                  sla_response_due="2025-03-03T10:00:00.000000+00:00",
                  sla_resolution_due="2025-03-04T09:00:00.000000+00:00")
    return replace(base, **kw)


def created(actor: str = "admin") -> list[TicketEvent]:
    return [TicketEvent("", actor, "created", None, "open", None, TS)]


async def count(store: Store, table: str) -> int:
    row = await store.db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
    return row["n"]


async def test_ids_come_from_the_counter_and_never_repeat(store: Store) -> None:
    first = await store.tickets.create(draft(), created())
    assert first.id == "TK-000001"
    many = await asyncio.gather(*(store.tickets.create(draft(f"c{i}"), created()) for i in range(30)))
    ids = {t.id for t in many}
    assert len(ids) == 30 and "TK-000031" in ids
    row = await store.db.fetchone("SELECT value FROM counters WHERE name = 'ticket'")
    assert row["value"] == 31


async def test_round_trip_and_customer_row(store: Store) -> None:
    t = await store.tickets.create(draft("new-customer", tags=("vip", "退款"), type="refund"), created())
    assert await store.tickets.get(t.id) == t
    assert (await store.tickets.get(t.id)).tags == ("vip", "退款")
    assert [e.kind for e in await store.tickets.events(t.id)] == ["created"]
    customer = await store.db.fetchone("SELECT id FROM customers WHERE id = 'new-customer'")
    assert customer is not None
    # An existing customer profile is left as it is.
    await store.tickets.create(draft("new-customer"), created())
    assert await count(store, "customers") == 1
    assert await store.tickets.get("TK-404") is None


async def test_bad_reference_writes_nothing(store: Store) -> None:
    with pytest.raises(UnknownRecord) as err:
        await store.tickets.create(draft("ghost-customer", conversation_id="nope"), created())
    assert (err.value.kind, err.value.ident) == ("conversation", "nope")
    with pytest.raises(UnknownRecord):
        await store.tickets.create(draft(assignee="ghost"), created())
    for table in ("tickets", "ticket_events", "customers", "counters"):
        assert await count(store, table) == 0, table


async def test_a_refused_change_rolls_back(store: Store) -> None:
    t = await store.tickets.create(draft(), created())

    def boom(ticket: Ticket) -> tuple[Ticket, list[TicketEvent]]:
        raise ValueError("refused")

    with pytest.raises(ValueError):
        await store.tickets.mutate(t.id, boom)

    def reassign(ticket: Ticket) -> tuple[Ticket, list[TicketEvent]]:
        return replace(ticket, assignee="ghost"), [TicketEvent(t.id, "a", "assigned", None, "ghost", None, TS)]

    with pytest.raises(UnknownRecord) as err:
        await store.tickets.mutate(t.id, reassign)
    assert err.value.kind == "agent"
    assert await store.tickets.get(t.id) == t and len(await store.tickets.events(t.id)) == 1
    with pytest.raises(UnknownRecord) as err:
        await store.tickets.mutate("TK-999999", reassign)
    assert err.value.ident == "TK-999999"


async def test_list_filters_and_pages(store: Store) -> None:
    await store.db.execute(
        """INSERT INTO agents (id, name, max_concurrent_chats, status, token_hash, created_at)
           VALUES ('alice', 'Alice', 5, 'online', 'h', ?)""", (TS,))
    for i in range(25):
        ts = f"2025-03-03T09:{i:02d}:00.000000+00:00"
        await store.tickets.create(
            draft(f"c{i % 3}", status="open" if i % 2 else "closed", priority=("low", "urgent")[i % 2],
                  assignee="alice" if i % 5 == 0 else None, created_at=ts, updated_at=ts),
            created(),
        )
    page, total = await store.tickets.list(TicketFilter(), limit=10, offset=0)
    assert total == 25 and [t.id for t in page][:2] == ["TK-000025", "TK-000024"]  # newest first
    last, _ = await store.tickets.list(TicketFilter(), limit=10, offset=20)
    assert [t.id for t in last] == [f"TK-{n:06d}" for n in range(5, 0, -1)]
    open_urgent, total = await store.tickets.list(
        TicketFilter(statuses=("open",), priorities=("urgent",)), limit=50, offset=0)
    assert total == 12 and all(t.status == "open" and t.priority == "urgent" for t in open_urgent)
    mine, total = await store.tickets.list(TicketFilter(assignee="alice", customer_id="c0"), limit=50, offset=0)
    assert total == 2 and {t.id for t in mine} == {"TK-000001", "TK-000016"}
    either, total = await store.tickets.list(TicketFilter(statuses=("open", "closed")), limit=1, offset=0)
    assert total == 25 and len(either) == 1


async def test_breach_is_marked_once_and_only_while_running(store: Store) -> None:
    running = await store.tickets.create(draft(status="in_progress"), created())
    paused = await store.tickets.create(draft(status="waiting_customer"), created())
    answered = await store.tickets.create(draft(first_response_at=TS), created())
    later = "2025-03-03T11:00:00.000000+00:00"
    overdue = await store.tickets.overdue("response", later)
    assert [t.id for t in overdue] == [running.id]
    assert await store.tickets.overdue("response", TS) == []  # not yet due
    ids = [running.id, paused.id, answered.id]
    flagged = await store.tickets.mark_breaches(ids, "response", later, "sla")
    assert [(t.id, t.response_breached, t.resolution_breached) for t in flagged] == [(running.id, True, False)]
    assert await store.tickets.mark_breaches(ids, "response", later, "sla") == []
    assert await store.tickets.overdue("response", later) == []
    assert [e.kind for e in await store.tickets.events(running.id)] == ["created", "sla_breach"]
    assert [e.kind for e in await store.tickets.events(paused.id)] == ["created"]


async def test_breach_queries_use_the_partial_indexes(store: Store) -> None:
    from bot.store.sqlite.tickets import _BREACH_QUERIES

    for clock, index in (("response", "tickets_sla_response"), ("resolution", "tickets_sla_resolution")):
        plan = await store.db.fetchall("EXPLAIN QUERY PLAN " + _BREACH_QUERIES[clock], (TS, 10))
        assert any(index in row["detail"] for row in plan), [row["detail"] for row in plan]
