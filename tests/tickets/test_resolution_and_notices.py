"""close(resolution=...) is kept on the ticket and in its history; notifications.* flags gate ticket notices."""

from __future__ import annotations

import pytest

from bot.config import NotificationsConfig, Settings
from bot.notify.notifier import LogNotifier
from bot.store import Store
from bot.tickets.service import InvalidTicketInput, TicketService
from tests.tickets.conftest import FakeClock


async def test_resolution_is_stored_and_audited(service: TicketService) -> None:
    t = await service.create("c-1", "退款未到账")
    view = await service.close(t.id, actor="op-1", resolution="  已成功退款 ")
    assert view.ticket.status == "closed" and view.ticket.resolution == "已成功退款"
    assert [(e.kind, e.actor, e.comment) for e in view.events or () if e.kind == "resolution"] == [
        ("resolution", "op-1", "已成功退款")]
    again = await service.get(t.id)
    assert again.ticket.resolution == "已成功退款"
    # Closing again changes nothing; a different resolution on a closed ticket is refused by field.
    assert (await service.close(t.id, actor="op-1", resolution="已成功退款")).events == view.events
    with pytest.raises(InvalidTicketInput) as err:
        await service.close(t.id, actor="op-1", resolution="改为换货")
    assert err.value.field == "resolution"


async def test_empty_resolution_is_refused_before_anything_changes(service: TicketService) -> None:
    t = await service.create("c-1", "退款")
    with pytest.raises(InvalidTicketInput):
        await service.close(t.id, actor="op", resolution="   ")
    assert (await service.get(t.id)).ticket.status == "open"


@pytest.mark.parametrize(
    ("flags", "priority", "kinds"),
    [
        ({}, "urgent", []),  # off by default
        ({"new_ticket": True}, "normal", ["new_ticket"]),
        ({"new_ticket": True, "urgent_ticket": True}, "urgent", ["urgent_ticket"]),
        ({"urgent_ticket": True}, "normal", []),
    ],
)
async def test_ticket_notices_follow_the_flags(
    settings: Settings, store: Store, clock: FakeClock, flags: dict, priority: str, kinds: list[str]
) -> None:
    notifier = LogNotifier()
    s = settings.model_copy(update={"notifications": NotificationsConfig.model_validate(flags)})
    t = await TicketService(s, store, notifier, clock=clock).create("c-1", "门店投诉 13812345678", priority=priority)
    assert [n.kind for n in notifier.sent] == kinds
    for n in notifier.sent:
        assert n.details["ticket_id"] == t.id and "13812345678" not in str(n.details) + n.title
