"""SLA due times, the pause while waiting for the customer, and breach detection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from bot.notify.notifier import LogNotifier
from bot.store import Store
from bot.tickets.service import TicketChanges, TicketService
from bot.tickets.sla_clock import iso
from bot.tickets.sla_monitor import SlaMonitor
from tests.tickets.conftest import T0, FakeClock

OVERRIDES = {
    "urgent": {"sla_response_time": 600, "sla_resolution_time": 14400},
    "high": {"sla_response_time": 1800},
}


@pytest.fixture
def sla_service(make_service: Callable[..., TicketService]) -> TicketService:
    return make_service(auto_assign=False, sla_response_time=3600, sla_resolution_time=86400,
                        sla_overrides=OVERRIDES)


@pytest.mark.parametrize(
    ("priority", "response", "resolution"),
    [
        ("urgent", 600, 14400),
        ("high", 1800, 86400),  # only the response time is overridden; resolution falls back
        ("normal", 3600, 86400),
        ("low", 3600, 86400),
    ],
)
async def test_due_times_follow_priority_overrides(
    sla_service: TicketService, priority: str, response: int, resolution: int
) -> None:
    t = (await sla_service.create("c", "t", priority=priority)).ticket
    assert t.created_at == iso(T0)
    assert t.sla_response_due == iso(T0 + timedelta(seconds=response))
    assert t.sla_resolution_due == iso(T0 + timedelta(seconds=resolution))


async def test_priority_change_moves_the_due_times(sla_service: TicketService, clock: FakeClock) -> None:
    tid = (await sla_service.create("c", "t")).ticket.id
    clock.advance(minutes=3)
    view = await sla_service.update(tid, TicketChanges(priority="urgent"), actor="lead")
    # Measured from creation, not from the change.
    assert view.sla.response_due == iso(T0 + timedelta(seconds=600))
    assert view.sla.resolution_due == iso(T0 + timedelta(seconds=14400))
    assert [(e.kind, e.from_value, e.to_value) for e in view.events][-1] == ("priority", "normal", "urgent")


async def test_waiting_for_the_customer_pauses_and_extends(
    sla_service: TicketService, monitor: SlaMonitor, clock: FakeClock
) -> None:
    tid = (await sla_service.create("c", "t", priority="urgent")).ticket.id  # due +10 min / +4 h
    clock.advance(minutes=5)
    await sla_service.update(tid, TicketChanges(status="in_progress"), actor="a")
    await sla_service.update(tid, TicketChanges(status="waiting_customer"), actor="a")

    clock.advance(hours=2)  # both stored due times are now in the past ...
    view = await sla_service.get(tid)
    assert view.sla.paused is True
    assert view.sla.response_due == iso(T0 + timedelta(minutes=10, hours=2))  # ... but extended by the pause
    assert await monitor.check_once(clock.now) == []  # not a breach while paused

    view = await sla_service.update(tid, TicketChanges(status="in_progress"), actor="a")
    assert view.ticket.paused_seconds == 7200 and view.ticket.paused_at is None and view.sla.paused is False
    assert view.sla.response_due == iso(T0 + timedelta(minutes=10, hours=2))
    assert view.sla.resolution_due == iso(T0 + timedelta(hours=6))
    assert await monitor.check_once(clock.now + timedelta(minutes=4)) == []
    breaches = await monitor.check_once(clock.now + timedelta(minutes=6))
    assert [(b.ticket_id, b.clock) for b in breaches] == [(tid, "response")]


async def test_time_resolved_before_a_reopen_does_not_count(
    sla_service: TicketService, clock: FakeClock
) -> None:
    tid = (await sla_service.create("c", "t")).ticket.id  # resolution due T0 + 24 h
    await sla_service.update(tid, TicketChanges(status="in_progress"), actor="a")
    clock.advance(hours=1)
    await sla_service.update(tid, TicketChanges(status="resolved"), actor="a")
    clock.advance(hours=30)
    view = await sla_service.reopen(tid, actor="a")
    assert view.sla.resolution_due == iso(T0 + timedelta(hours=54))
    assert view.ticket.resolution_breached is False


async def test_breach_is_detected_once_and_notified(
    sla_service: TicketService, monitor: SlaMonitor, notifier: LogNotifier, store: Store
) -> None:
    tid = (await sla_service.create("secret-phone-13800138000", "Card 6222 stolen", priority="urgent")).ticket.id
    await sla_service.create("c2", "on time", priority="low")  # due in an hour: not breached yet

    with capture_logs() as logs:
        breaches = await monitor.check_once(T0 + timedelta(minutes=11))
    assert [(b.ticket_id, b.clock, b.due) for b in breaches] == [(tid, "response", iso(T0 + timedelta(minutes=10)))]
    assert [n.kind for n in notifier.sent] == ["sla_breach"]
    sent = notifier.sent[0]
    assert sent.details["ticket_id"] == tid and sent.details["clock"] == "response"
    assert tid in sent.title
    logged = [e for e in logs if e["event"] == "sla_breach"]
    assert len(logged) == 1 and logged[0]["ticket_id"] == tid and logged[0]["log_level"] == "warning"
    # No customer data in the log line or the notification.
    for text in (repr(logged), repr(sent)):
        assert "13800138000" not in text and "stolen" not in text

    assert await monitor.check_once(T0 + timedelta(minutes=12)) == []  # once
    assert len(notifier.sent) == 1
    view = await sla_service.get(tid)
    assert view.ticket.response_breached is True and view.sla.response_breached is True
    assert view.ticket.resolution_breached is False
    assert [(e.kind, e.actor, e.to_value) for e in view.events][-1] == ("sla_breach", "sla", "response")

    later = await monitor.check_once(T0 + timedelta(hours=5))
    assert sorted((b.ticket_id, b.clock) for b in later) == [
        ("TK-000001", "resolution"), ("TK-000002", "response")]


async def test_first_response_stops_the_response_clock(
    sla_service: TicketService, monitor: SlaMonitor, clock: FakeClock, notifier: LogNotifier
) -> None:
    on_time = (await sla_service.create("c", "t", priority="urgent")).ticket.id
    late = (await sla_service.create("c", "t", priority="urgent")).ticket.id
    view = await sla_service.mark_first_response(on_time, T0 + timedelta(minutes=5), actor="alice")
    assert view.ticket.first_response_at == iso(T0 + timedelta(minutes=5))
    assert view.sla.response_met_at == view.ticket.first_response_at
    again = await sla_service.mark_first_response(on_time, T0 + timedelta(minutes=8))
    assert again.ticket.first_response_at == view.ticket.first_response_at and again.events == view.events

    # A reply after the due time, before the monitor ran, is still a breach: flagged and announced once.
    clock.advance(minutes=15)
    view = await sla_service.mark_first_response(late, actor="bob")
    assert view.ticket.response_breached is True
    assert [e.kind for e in view.events][-2:] == ["sla_breach", "first_response"]
    assert [(n.kind, n.details["ticket_id"]) for n in notifier.sent] == [("sla_breach", late)]
    assert await monitor.check_once(clock.now + timedelta(minutes=1)) == []


async def test_run_loop_checks_until_cancelled(monitor: SlaMonitor, sla_service: TicketService,
                                               notifier: LogNotifier) -> None:
    import asyncio

    await sla_service.create("c", "t", priority="urgent")
    # The monitor uses the wall clock; the fake T0 is in the past, so the ticket is overdue.
    task = asyncio.create_task(monitor.run(interval=0.01))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if len(notifier.sent) == 2:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(n.details["clock"] for n in notifier.sent) == ["resolution", "response"]


async def test_a_backlog_of_breaches_is_summarized(
    sla_service: TicketService, monitor: SlaMonitor, notifier: LogNotifier
) -> None:
    for i in range(53):
        await sla_service.create(f"c{i}", "t", priority="urgent")
    with capture_logs() as logs:
        breaches = await monitor.check_once(T0 + timedelta(minutes=30))
    assert len(breaches) == 53 and len([e for e in logs if e["event"] == "sla_breach"]) == 53
    kinds = [n.kind for n in notifier.sent]
    assert kinds == ["sla_breach"] * 50 + ["sla_breach_summary"]
    assert notifier.sent[-1].details["count"] == 3
