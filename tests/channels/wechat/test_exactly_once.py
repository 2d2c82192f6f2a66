"""One answer per MsgId: a passive reply within the deadline, else `success` and one
customer-service message; across retries (sequential and concurrent) and a restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from tests.channels.wechat.conftest import Gate, Opener, services
from tests.channels.wechat.fake_api import FakeWechatApi
from tests.channels.wechat.pusher import payload, push
from tests.conftest import auth

OPENID = "oWx_customer_0001"
ANSWER = "付款后 48 小时内发货。"


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        for _ in range(100_000):  # polls the store: nothing to wait on but time
            if await check():
                return
            await asyncio.sleep(0.02)


async def outbox_statuses(client: TestClient) -> list[str]:
    items, _ = await services(client).store.outbox.list()
    return [i.status for i in reversed(items)]


async def bot_replies(client: TestClient) -> list[str]:
    store = services(client).store
    conv = await store.conversations.latest_for(OPENID, "wechat")
    return [m.text for m in await store.messages.messages(conv.id) if m.sender == "bot"] if conv else []


async def test_a_slow_turn_answers_success_then_one_custom_message(open_app: Opener,
                                                                   wechat_api: FakeWechatApi) -> None:
    client = await open_app(reply_deadline=0.2)
    gate = Gate(services(client))
    xml = payload("text", content="多久可以发货")
    started = time.monotonic()
    assert (await push(client, xml)).success
    assert 0.2 <= time.monotonic() - started < 1.5  # answered at the deadline, not at the turn's end
    gate.open()
    await eventually(lambda: asyncio.sleep(0, result=bool(wechat_api.delivered())))
    await services(client).delivery.settle()
    assert wechat_api.delivered() == [(OPENID, ANSWER)]
    sent = wechat_api.sends[0]
    assert "发货".encode() in sent.raw  # UTF-8 as is, no \\u escapes (the platform would show them)
    # WeChat retries the MsgId (our `success` got lost): no second answer, no second turn
    for _ in range(3):
        assert (await push(client, xml)).success
    await services(client).delivery.settle()
    assert len(wechat_api.sends) == 1 and gate.entered == 1
    assert await outbox_statuses(client) == ["sent"]


async def test_concurrent_duplicates_get_one_passive_reply(open_app: Opener, wechat_api: FakeWechatApi) -> None:
    client = await open_app()
    gate = Gate(services(client))
    xml = payload("text", content="多久可以发货")
    attempts = []
    for _ in range(3):
        attempts.append(asyncio.create_task(push(client, xml)))
        await asyncio.sleep(0.05)  # in order: the last is WeChat's newest attempt
    await eventually(lambda: asyncio.sleep(0, result=gate.entered == 1))
    gate.open()
    answers = await asyncio.gather(*attempts)
    assert [a.success for a in answers] == [True, True, False]  # the newest attempt answers
    assert answers[2].reply()["Content"] == ANSWER
    await services(client).delivery.settle()
    assert wechat_api.sends == [] and gate.entered == 1
    assert await bot_replies(client) == [ANSWER]


async def test_a_retry_while_the_turn_runs_answers_it_passively(open_app: Opener, wechat_api: FakeWechatApi) -> None:
    client = await open_app(reply_deadline=0.3)
    gate = Gate(services(client))
    xml = payload("text", content="多久可以发货")
    assert (await push(client, xml)).success  # the first attempt ran out of time
    retry = asyncio.create_task(push(client, xml))
    await asyncio.sleep(0.1)
    gate.open()  # done within the retry's deadline: it takes the reply
    assert (await retry).reply()["Content"] == ANSWER
    await services(client).delivery.settle()
    assert wechat_api.sends == [] and gate.entered == 1
    assert await outbox_statuses(client) == ["sent"]


async def test_a_restart_after_a_passive_reply_gives_no_second_answer(open_app: Opener,
                                                                      wechat_api: FakeWechatApi) -> None:
    first = await open_app()
    xml = payload("text", content="多久可以发货")
    assert (await push(first, xml)).reply()["Content"] == ANSWER
    await first.close()
    second = await open_app()
    assert (await push(second, xml)).success
    await services(second).delivery.drain()
    assert wechat_api.sends == []
    assert await bot_replies(second) == [ANSWER]


async def test_a_restart_before_the_late_reply_went_out_still_answers_once(open_app: Opener,
                                                                           wechat_api: FakeWechatApi) -> None:
    # the first process answered `success`, finished the turn, and stopped before it delivered
    xml_a, xml_b = payload("text", content="多久可以发货"), payload("text", content="怎么开发票")
    first = await open_app(reply_deadline=0.2)
    svc = services(first)
    svc.delivery.kick = lambda: None  # type: ignore[method-assign]
    gate = Gate(svc)
    assert (await push(first, xml_a)).success
    assert (await push(first, xml_b)).success
    gate.open()
    await eventually(lambda: _pending(first, 3))
    await first.close()

    second = await open_app(reply_deadline=0.2)
    # a: WeChat's retry reaches the new process first: it takes the stored reply passively
    assert (await push(second, xml_a)).reply()["Content"] == ANSWER
    # b: the delivery round comes first: one customer-service message (answer and offer: two)
    await services(second).delivery.drain()
    assert (await push(second, xml_b)).success
    assert (await push(second, xml_a)).success
    await services(second).delivery.drain()
    texts = [text for _, text in wechat_api.delivered()]
    assert len(texts) == 2 and texts[0].startswith("在订单详情页点击申请发票。")
    assert await outbox_statuses(second) == ["sent", "sent", "sent"]


async def _pending(client: TestClient, n: int) -> bool:
    return (await outbox_statuses(client)).count("pending") == n


async def test_outside_the_48_hour_window_is_a_dead_letter_the_agent_sees(open_app: Opener,
                                                                         wechat_api: FakeWechatApi) -> None:
    client = await open_app(reply_deadline=0.1)
    gate = Gate(services(client))
    wechat_api.fail = [45015]
    assert (await push(client, payload("text", content="多久可以发货"))).success
    gate.open()
    await eventually(lambda: _failed(client))
    resp = await client.get("/api/outbox", params={"status": "failed"}, headers=auth())
    dead = (await resp.json())["items"]
    assert [(d["text"], d["channel"], d["attempts"]) for d in dead] == [(ANSWER, "wechat", 1)]
    assert dead[0]["last_error"].startswith("WeChat 45015: the customer has not written for 48 hours")
    assert len(wechat_api.sends) == 1  # refused for good: not retried


async def _failed(client: TestClient) -> bool:
    return "failed" in await outbox_statuses(client)


async def test_agent_replies_during_a_handoff_go_by_custom_send(open_app: Opener, wechat_api: FakeWechatApi) -> None:
    client = await open_app()
    svc = services(client)
    _, token = await svc.agents.add("wang", "王小明")
    await svc.agents.set_status("wang", "online")
    assert (await push(client, payload("text", content="转人工"))).reply()["Content"]
    conv = await svc.store.conversations.latest_for(OPENID, "wechat")
    assert conv is not None and conv.state == "agent"
    await svc.delivery.settle()
    before = len(wechat_api.delivered())
    resp = await client.post(f"/api/conversations/{conv.id}/reply",
                             json={"text": "您好，我是小明，请问有什么可以帮您？"}, headers=auth(token))
    assert resp.status == 200, await resp.text()
    await svc.delivery.settle()
    assert wechat_api.delivered()[before:] == [(OPENID, "您好，我是小明，请问有什么可以帮您？")]
    # the customer answers; the bot stays silent (relay): `success`, the agent reads it
    assert (await push(client, payload("text", content="我的快递还没到"))).success
