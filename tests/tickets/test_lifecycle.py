"""The ticket lifecycle end to end through the service, with its audit trail."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.store import Store
from bot.tickets.lifecycle import STATUSES, TicketLifecycle
from bot.tickets.service import (
    IllegalTransition,
    InvalidTicketInput,
    TicketChanges,
    TicketLocked,
    TicketService,
    UnknownRecord,
)
from tests.tickets.conftest import FakeClock


def trail(view) -> list[tuple[str, str, str | None, str | None, str | None]]:
    return [(e.kind, e.actor, e.from_value, e.to_value, e.comment) for e in view.events]


async def test_full_lifecycle_is_audited(service: TicketService, clock: FakeClock) -> None:
    view = await service.create("cust-1", "退款一直没到账", priority="high", tags=["refund"], actor="admin")
    tid = view.ticket.id
    assert tid == "TK-000001" and view.ticket.status == "open"

    steps = [
        ("in_progress", "alice", "看一下"),
        ("waiting_customer", "alice", "asked for the order number"),
        ("in_progress", "alice", None),
        ("resolved", "alice", "refund re-sent"),
        ("in_progress", "bob", "customer says still missing"),  # reopen
        ("resolved", "bob", None),
        ("closed", "admin", None),
    ]
    for status, actor, comment in steps:
        clock.advance(minutes=5)
        view = await service.update(tid, TicketChanges(status=status, comment=comment), actor=actor)
        assert view.ticket.status == status

    assert trail(view) == [
        ("created", "admin", None, "open", None),
        ("status", "alice", "open", "in_progress", "看一下"),
        ("status", "alice", "in_progress", "waiting_customer", "asked for the order number"),
        ("status", "alice", "waiting_customer", "in_progress", None),
        ("status", "alice", "in_progress", "resolved", "refund re-sent"),
        ("status", "bob", "resolved", "in_progress", "customer says still missing"),
        ("status", "bob", "in_progress", "resolved", None),
        ("status", "admin", "resolved", "closed", None),
    ]
    times = [e.created_at for e in view.events]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert view.ticket.closed_at == times[-1] and view.ticket.resolved_at == times[-2]
    # What the API and CLI print is the same record.
    assert view.as_dict()["events"][1] == {
        "id": view.events[1].id, "kind": "status", "actor": "alice", "from": "open", "to": "in_progress",
        "comment": "看一下", "created_at": times[1],
    }


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ([], "resolved", ["in_progress", "cancelled"]),
        (["in_progress", "resolved", "closed"], "in_progress", []),
        (["cancelled"], "open", []),
        (["in_progress", "waiting_customer"], "cancelled", ["in_progress", "resolved"]),
        (["in_progress", "resolved"], "open", ["in_progress", "closed"]),
    ],
)
async def test_illegal_change_is_refused_with_allowed_states(
    service: TicketService, store: Store, path: list[str], target: str, allowed: list[str]
) -> None:
    tid = (await service.create("c", "t")).ticket.id
    for status in path:
        await service.update(tid, TicketChanges(status=status), actor="a")
    before = await service.get(tid)
    with pytest.raises(IllegalTransition) as err:
        await service.update(tid, TicketChanges(status=target, priority="urgent", comment="x"), actor="a")
    assert err.value.allowed == allowed
    assert target in str(err.value) and (", ".join(allowed) or "none") in str(err.value)
    # Nothing half-written: the priority riding along was not applied either.
    assert await service.get(tid) == before


async def test_close_resolves_first_and_records_every_step(service: TicketService) -> None:
    waiting = (await service.create("c", "waiting")).ticket.id
    await service.update(waiting, TicketChanges(status="in_progress"), actor="a")
    await service.update(waiting, TicketChanges(status="waiting_customer"), actor="a")
    view = await service.close(waiting, actor="admin", comment="no reply in 7 days")
    assert trail(view)[-2:] == [
        ("status", "admin", "waiting_customer", "resolved", "no reply in 7 days"),
        ("status", "admin", "resolved", "closed", None),
    ]
    # An open ticket goes through in_progress: the lifecycle has no open -> resolved step.
    fresh = (await service.create("c", "fresh")).ticket.id
    view = await service.close(fresh, actor="admin")
    assert [(e.from_value, e.to_value) for e in view.events[1:]] == [
        ("open", "in_progress"), ("in_progress", "resolved"), ("resolved", "closed")]
    # Closing again changes nothing; a cancelled ticket cannot be closed.
    again = await service.close(fresh, actor="admin")
    assert again.events == view.events
    cancelled = (await service.create("c", "dup")).ticket.id
    await service.update(cancelled, TicketChanges(status="cancelled"), actor="a")
    with pytest.raises(IllegalTransition) as err:
        await service.close(cancelled, actor="admin")
    assert err.value.allowed == []


async def test_reopen_only_from_resolved(service: TicketService) -> None:
    tid = (await service.create("c", "t")).ticket.id
    with pytest.raises(IllegalTransition):
        await service.reopen(tid, actor="a")
    await service.update(tid, TicketChanges(status="in_progress"), actor="a")
    await service.update(tid, TicketChanges(status="resolved"), actor="a")
    view = await service.reopen(tid, actor="cust", comment="still broken")
    assert view.ticket.status == "in_progress" and view.ticket.resolved_at is None
    assert trail(view)[-1] == ("status", "cust", "resolved", "in_progress", "still broken")


async def test_field_changes_are_audited(service: TicketService, store: Store) -> None:
    from tests.tickets.conftest import add_agent

    await add_agent(store, "alice")
    tid = (await service.create("c", "Old title")).ticket.id
    view = await service.update(
        tid,
        TicketChanges(priority="urgent", assignee="alice", title="New title", tags=("vip", "vip", " refund "),
                      comment="escalated"),
        actor="lead",
    )
    t = view.ticket
    assert (t.priority, t.assignee, t.title, t.tags) == ("urgent", "alice", "New title", ("vip", "refund"))
    assert trail(view)[1:] == [
        ("priority", "lead", "normal", "urgent", "escalated"),
        ("assigned", "lead", None, "alice", None),
        ("edited", "lead", None, "title,tags", None),
    ]
    view = await service.update(tid, TicketChanges(comment="called the customer"), actor="lead")
    assert trail(view)[-1] == ("comment", "lead", None, None, "called the customer")
    view = await service.update(tid, TicketChanges(assignee=None), actor="lead")
    assert view.ticket.assignee is None and trail(view)[-1] == ("assigned", "lead", "alice", None, None)
    # Setting what is already there is not a change.
    same = await service.update(tid, TicketChanges(status="open", title="New title"), actor="lead")
    assert same.events == view.events


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (TicketChanges(status="done"), "status"),
        (TicketChanges(priority="p1"), "priority"),
        (TicketChanges(title="  "), "title"),
        (TicketChanges(title="x" * 201), "title"),
        (TicketChanges(tags=("ok", "")), "tags"),
        (TicketChanges(tags=tuple(f"t{i}" for i in range(21))), "tags"),
        (TicketChanges(), "changes"),
    ],
)
async def test_bad_changes_name_the_field(service: TicketService, changes: TicketChanges, field: str) -> None:
    tid = (await service.create("c", "t")).ticket.id
    with pytest.raises(InvalidTicketInput) as err:
        await service.update(tid, changes, actor="a")
    assert err.value.field == field


@pytest.mark.parametrize("path", [["in_progress", "resolved", "closed"], ["cancelled"]])
@pytest.mark.parametrize(
    "changes",
    [
        TicketChanges(priority="urgent"),
        TicketChanges(title="New title", comment="renamed"),
        TicketChanges(description="more"),
        TicketChanges(assignee="alice"),
        TicketChanges(assignee=None),
        TicketChanges(tags=("vip",)),
        TicketChanges(type="bug"),
    ],
)
async def test_closed_and_cancelled_tickets_refuse_field_changes(
    service: TicketService, store: Store, clock: FakeClock, path: list[str], changes: TicketChanges
) -> None:
    from tests.tickets.conftest import add_agent

    await add_agent(store, "alice")
    tid = (await service.create("c", "t", assignee="alice")).ticket.id
    for status in path:
        await service.update(tid, TicketChanges(status=status), actor="a")
    before = await service.get(tid)
    clock.advance(hours=1)  # a recomputed SLA due time would differ
    with pytest.raises(TicketLocked) as err:
        await service.update(tid, changes, actor="a")
    assert isinstance(err.value, IllegalTransition)  # the API and CLI answer it like one (409 / exit 2)
    assert err.value.current == path[-1] and err.value.allowed == []
    assert f"a {path[-1]} ticket" in str(err.value) and err.value.fields[0] in str(err.value)
    assert await service.get(tid) == before
    if changes.assignee == "alice":
        with pytest.raises(TicketLocked):
            await service.assign(tid, "alice", actor="a")


async def test_closed_ticket_still_takes_comments_and_close_is_refused_with_edits(service: TicketService) -> None:
    tid = (await service.create("c", "t")).ticket.id
    await service.close(tid, actor="a")
    view = await service.update(tid, TicketChanges(comment="customer thanked us"), actor="b")
    assert view.ticket.status == "closed" and trail(view)[-1] == ("comment", "b", None, None, "customer thanked us")
    # Moving into closed or cancelled with an edit riding along is refused whole.
    other = (await service.create("c", "t2")).ticket.id
    before = await service.get(other)
    with pytest.raises(TicketLocked) as err:
        await service.update(other, TicketChanges(status="cancelled", priority="urgent"), actor="a")
    assert (err.value.current, err.value.target, err.value.fields) == ("open", "cancelled", ("priority",))
    assert err.value.allowed == ["in_progress", "cancelled"]
    assert await service.get(other) == before


@pytest.mark.parametrize("actor", ["", "   "])
async def test_every_change_needs_an_actor(service: TicketService, actor: str) -> None:
    with pytest.raises(InvalidTicketInput) as err:
        await service.create("c", "t", actor=actor)
    assert err.value.field == "actor"
    tid = (await service.create("c", "t")).ticket.id
    before = await service.get(tid)
    for call in (
        service.update(tid, TicketChanges(status="in_progress"), actor=actor),
        service.close(tid, actor=actor),
        service.reopen(tid, actor=actor),
        service.mark_first_response(tid, actor=actor),
    ):
        with pytest.raises(InvalidTicketInput) as err:
            await call
        assert err.value.field == "actor"
    assert await service.get(tid) == before
    assert (await service.list()).total == 1


@pytest.mark.parametrize(("page", "page_size", "field"), [
    (0, 50, "page"), (1_000_001, 50, "page"), (10**20, 50, "page"), (1, 0, "page_size"), (1, 10**20, "page_size"),
])
async def test_paging_is_bounded(service: TicketService, page: int, page_size: int, field: str) -> None:
    with pytest.raises(InvalidTicketInput) as err:  # 10**20 once overflowed SQLite's OFFSET
        await service.list(page=page, page_size=page_size)
    assert err.value.field == field
    assert (await service.list(page=1_000_000, page_size=200)).tickets == ()


async def test_unknown_ids(service: TicketService) -> None:
    with pytest.raises(UnknownRecord) as err:
        await service.get("TK-999999")
    assert (err.value.kind, err.value.ident) == ("ticket", "TK-999999")
    with pytest.raises(UnknownRecord):
        await service.update("TK-999999", TicketChanges(status="in_progress"), actor="a")
    tid = (await service.create("c", "t")).ticket.id
    with pytest.raises(UnknownRecord) as err:
        await service.assign(tid, "ghost", actor="a")
    assert (err.value.kind, err.value.ident) == ("agent", "ghost")
    assert (await service.get(tid)).ticket.assignee is None
    with pytest.raises(UnknownRecord) as err:
        await service.create("c", "t", conversation_id="no-such-conversation")
    assert err.value.kind == "conversation"


async def test_resolved_callbacks_run_after_commit(service: TicketService) -> None:
    seen: list[tuple[str, str]] = []

    async def ask_csat(ticket) -> None:
        seen.append((ticket.id, ticket.status))

    async def broken(ticket) -> None:
        raise RuntimeError("survey service down")

    service.on_resolved(broken)
    service.on_resolved(ask_csat)
    tid = (await service.create("c", "t")).ticket.id
    await service.update(tid, TicketChanges(status="in_progress"), actor="a")
    assert seen == []
    view = await service.update(tid, TicketChanges(status="resolved"), actor="a")
    assert view.ticket.status == "resolved"  # the failing callback did not undo the change
    assert seen == [(tid, "resolved")]
    await service.update(tid, TicketChanges(status="closed"), actor="a")
    assert seen == [(tid, "resolved")]


async def test_concurrent_updates_keep_every_audit_event(service: TicketService) -> None:
    tid = (await service.create("c", "t")).ticket.id
    priorities = ["low", "normal", "high", "urgent"]
    await asyncio.gather(*(
        service.update(tid, TicketChanges(priority=priorities[i % 4], comment=f"note {i}"), actor=f"agent{i}")
        for i in range(40)
    ))
    view = await service.get(tid)
    comments = {e.comment for e in view.events if e.comment}
    assert comments == {f"note {i}" for i in range(40)}
    # Each priority event starts where the previous one ended: no update read a stale row.
    chain = [(e.from_value, e.to_value) for e in view.events if e.kind == "priority"]
    assert all(prev[1] == cur[0] for prev, cur in itertools.pairwise(chain))
    assert chain[-1][1] == view.ticket.priority


async def test_concurrent_status_changes_serialize(service: TicketService) -> None:
    tid = (await service.create("c", "t")).ticket.id
    await service.update(tid, TicketChanges(status="in_progress"), actor="a")
    results = await asyncio.gather(
        service.update(tid, TicketChanges(status="waiting_customer"), actor="a"),
        service.update(tid, TicketChanges(status="cancelled"), actor="b"),
        return_exceptions=True,
    )
    # waiting_customer won (first in); cancelling a waiting ticket is illegal, so it was refused whole.
    assert isinstance(results[1], IllegalTransition) and results[1].allowed == ["in_progress", "resolved"]
    statuses = [(e.from_value, e.to_value) for e in (await service.get(tid)).events if e.kind == "status"]
    assert statuses == [("open", "in_progress"), ("in_progress", "waiting_customer")]


def test_lifecycle_matches_the_architecture() -> None:
    machine = TicketLifecycle()
    assert {s: machine.allowed(s) for s in STATUSES} == {
        "open": ["in_progress", "cancelled"],
        "in_progress": ["waiting_customer", "resolved", "cancelled"],
        "waiting_customer": ["in_progress", "resolved"],
        "resolved": ["in_progress", "closed"],
        "closed": [],
        "cancelled": [],
    }
    assert machine.path("open", "closed") == ["in_progress", "resolved", "closed"]


async def test_one_machine_serves_every_ticket(service: TicketService) -> None:
    machine = service.lifecycle._machine
    for i in range(5):
        tid = (await service.create("c", f"t{i}")).ticket.id
        await service.update(tid, TicketChanges(status="in_progress"), actor="a")
    assert service.lifecycle._machine is machine and machine.models == []
