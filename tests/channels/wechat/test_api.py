"""The async platform client against the fake API: one access_token per app, one refresher,
renewed on 40001/42001 and retried once; the connector's delivery outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.channels.base import DeliveryFailed
from bot.channels.settings import WechatChannel as WechatSettings
from bot.channels.wechat.api import WechatApi, WechatApiError
from bot.channels.wechat.channel import WechatChannel
from bot.core.events import Button, OutboundMessage, Reply
from tests.channels.wechat.fake_api import APP_ID, APP_SECRET, FakeWechatApi
from tests.fakes import unused_url


@pytest.fixture
async def api(wechat_api: FakeWechatApi) -> AsyncIterator[WechatApi]:
    client = WechatApi(APP_ID, APP_SECRET, wechat_api.url)
    yield client
    await client.aclose()


async def test_concurrent_sends_share_one_token_fetch(api: WechatApi, wechat_api: FakeWechatApi) -> None:
    wechat_api.token_delay = 0.05  # a slow token endpoint: every sender arrives while it is in flight
    await asyncio.gather(*(api.send_text(f"oUser{i}", f"第{i}条") for i in range(20)))
    assert wechat_api.token_calls == 1
    assert {s.token for s in wechat_api.sends} == {"ACCESS_TOKEN_1"} and len(wechat_api.delivered()) == 20


@pytest.mark.parametrize(("spoil", "code"), [("revoke_tokens", 40001), ("expire_tokens", 42001)])
async def test_a_refused_token_is_renewed_once_and_the_call_retried(api: WechatApi, wechat_api: FakeWechatApi,
                                                                    spoil: str, code: int) -> None:
    await api.send_text("oUser1", "你好")
    getattr(wechat_api, spoil)()
    wechat_api.token_delay = 0.05
    await asyncio.gather(*(api.send_text(f"oUser{i}", "在吗") for i in range(10)))
    assert wechat_api.token_calls == 2  # ten callers saw the stale token; one renewed it
    refused = [s for s in wechat_api.sends if s.errcode == code]
    assert len(refused) == 10 and {s.token for s in refused} == {"ACCESS_TOKEN_1"}
    assert len(wechat_api.delivered()) == 11


async def test_a_token_refused_twice_is_not_retried_again(api: WechatApi, wechat_api: FakeWechatApi) -> None:
    await api.send_text("oUser1", "你好")
    wechat_api.revoke_tokens()
    wechat_api.bad_tokens = True
    with pytest.raises(WechatApiError) as err:
        await api.send_text("oUser1", "在吗")
    assert err.value.errcode == 40001
    assert wechat_api.token_calls == 2 and len(wechat_api.sends) == 3  # the first send, then two tries


def _channel(url: str) -> WechatChannel:
    return WechatChannel(WechatSettings(enabled=True, app_id=APP_ID, app_secret=APP_SECRET, token="t",
                                        api_base_url=url))


def _message(*replies: Reply, sender: str = "bot") -> OutboundMessage:
    return OutboundMessage("wechat", "oUser1", "c1", replies, seq=1, sender=sender)


async def test_delivery_outcomes(wechat_api: FakeWechatApi) -> None:
    channel = _channel(wechat_api.url)
    try:
        msg = _message(Reply("text", "需要转人工吗？", (Button("好的", "转人工"), Button("不用了", "不用了"))))
        assert await channel.deliver(msg) == "sent"
        assert wechat_api.delivered() == [("oUser1", "需要转人工吗？\n1. 好的\n2. 不用了")]
        for code, retry in ((45015, False), (45047, False), (-1, True)):
            wechat_api.fail = [code]
            with pytest.raises(DeliveryFailed) as failed:
                await channel.deliver(msg)
            assert failed.value.retry is retry and failed.value.reason.startswith(f"WeChat {code}")
    finally:
        await channel.aclose()


async def test_an_unreachable_platform_is_retried_and_keeps_the_secret_out_of_the_reason() -> None:
    channel = _channel(unused_url(""))
    try:
        with pytest.raises(DeliveryFailed) as failed:
            await channel.deliver(_message(Reply("text", "hi")))
        assert failed.value.retry and "unreachable" in failed.value.reason
        assert APP_SECRET not in failed.value.reason
    finally:
        await channel.aclose()


async def test_a_wrong_app_secret_is_a_dead_letter(wechat_api: FakeWechatApi) -> None:
    channel = WechatChannel(WechatSettings(enabled=True, app_id=APP_ID, app_secret="wrong", token="t",
                                           api_base_url=wechat_api.url))
    try:
        with pytest.raises(DeliveryFailed) as failed:
            await channel.deliver(_message(Reply("text", "hi")))
        assert not failed.value.retry and "app_secret" in failed.value.reason
    finally:
        await channel.aclose()
