"""tickets.auto_assign: a new unassigned ticket goes to an online agent, skills first, then load."""

from __future__ import annotations

from collections.abc import Callable

from bot.store import Store
from bot.tickets.service import TicketChanges, TicketService
from tests.tickets.conftest import add_agent


async def give(service: TicketService, agent: str, n: int, status: str = "open") -> None:
    for _ in range(n):
        tid = (await service.create("load", "load", assignee=agent)).ticket.id
        if status != "open":
            await service.close(tid, actor="test")


async def test_least_loaded_online_agent_with_matching_skill(
    make_service: Callable[..., TicketService], store: Store
) -> None:
    manual = make_service(auto_assign=False)
    await add_agent(store, "a1", skills=["refund", "billing"])
    await add_agent(store, "a2", skills=["Refund"])
    await add_agent(store, "a3", skills=["shipping"])
    await add_agent(store, "a4", skills=["refund"], status="offline")
    await add_agent(store, "a5", skills=["refund"], status="away")
    await give(manual, "a1", 2)
    await give(manual, "a2", 1)
    await give(manual, "a2", 3, status="closed")  # closed tickets are not load

    auto = make_service(auto_assign=True)
    view = await auto.create("c", "退款", type="refund")
    assert view.ticket.assignee == "a2"
    event = view.events[-1]
    assert (event.kind, event.actor, event.to_value) == ("assigned", "auto_assign", "a2")
    assert event.comment == "skill refund; 1 active tickets"

    # Now a1 and a2 both hold 2: the tie goes to the smaller id. A tag matches like the type does.
    assert (await auto.create("c", "invoice", tags=["billing"])).ticket.assignee == "a1"
    assert (await auto.create("c", "refund again", type="REFUND")).ticket.assignee == "a2"
    # No skill matches: the least-loaded online agent (a3 holds nothing).
    assert (await auto.create("c", "password reset", type="account")).ticket.assignee == "a3"


async def test_nobody_online_leaves_it_unassigned(make_service: Callable[..., TicketService], store: Store) -> None:
    await add_agent(store, "off", skills=["refund"], status="offline")
    view = await make_service(auto_assign=True).create("c", "t", type="refund")
    assert view.ticket.assignee is None and [e.kind for e in view.events] == ["created"]


async def test_auto_assign_off_and_explicit_assignee(make_service: Callable[..., TicketService], store: Store) -> None:
    await add_agent(store, "busy", skills=["refund"])
    await add_agent(store, "idle", skills=["refund"])
    assert (await make_service(auto_assign=False).create("c", "t", type="refund")).ticket.assignee is None
    auto = make_service(auto_assign=True)
    view = await auto.create("c", "t", type="refund", assignee="busy", actor="admin")
    assert view.ticket.assignee == "busy"
    assert [(e.kind, e.actor) for e in view.events] == [("created", "admin"), ("assigned", "admin")]
    moved = await auto.assign(view.ticket.id, "idle", actor="lead", comment="busy is off today")
    assert [(e.kind, e.from_value, e.to_value, e.comment) for e in moved.events][-1] == (
        "assigned", "busy", "idle", "busy is off today")
    started = await auto.update(view.ticket.id, TicketChanges(status="in_progress"), actor="idle")
    assert started.ticket.assignee == "idle"


async def test_should_auto_create_reflects_config(make_service: Callable[..., TicketService]) -> None:
    assert make_service(auto_create=True).should_auto_create() is True
    assert make_service(auto_create=False).should_auto_create() is False
