"""The store's consent seam a proactive flow calls: record_consent appends (with its audit event),
consent() is the newest of that customer and channel."""

from __future__ import annotations

import pytest

from bot.store import Store


async def test_record_consent_and_read_the_current_state(store: Store) -> None:
    assert await store.consents.consent("c1", "wechat") is None
    await store.consents.record_consent("c1", "wechat", "opt_in", "signup_form")
    await store.consents.record_consent("c1", "sms", "opt_in", "signup_form")
    latest = await store.consents.record_consent("c1", "wechat", "opt_out", "customer_reply", actor="flow")
    current = await store.consents.consent("c1", "wechat")
    assert current == latest and current.status == "opt_out" and current.source == "customer_reply"
    assert [(r.channel, r.status) for r in await store.consents.consents("c1")] == [("sms", "opt_in"),
                                                                                  ("wechat", "opt_out")]
    assert len(await store.consents.history("c1")) == 3 and await store.consents.consents("c2") == []
    events, total = await store.customer_data.audit("c1", limit=10)
    assert total == 3 and events[0]["actor"] == "flow" and events[0]["detail"] == {"channel": "wechat",
                                                                                   "status": "opt_out"}
    with pytest.raises(ValueError, match="status"):
        await store.consents.record_consent("c1", "wechat", "maybe", "x")
