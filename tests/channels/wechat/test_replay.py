"""Replay protection at /channels/wechat: a stale timestamp and a (timestamp, nonce) pair used
before are 403 with nothing processed; WeChat's retries (a new pair each) still get one answer.
And markup that would expand entities, plaintext or inside the encrypted body, is refused."""

from __future__ import annotations

import time

import xmltodict

from bot.channels.wechat.channel import ReplayGuard
from tests.channels.wechat.conftest import Opener, services
from tests.channels.wechat.fake_api import FakeWechatApi
from tests.channels.wechat.pusher import ACCOUNT, TOKEN, crypto, payload, push, sign

OPENID = "oWx_customer_0001"


def signed(ts: int | str, nonce: str) -> dict[str, str]:
    return {"signature": sign(TOKEN, str(ts), nonce), "timestamp": str(ts), "nonce": nonce, "openid": OPENID}


async def stored(client) -> list[str]:
    store = services(client).store
    conv = await store.conversations.latest_for(OPENID, "wechat")
    return [] if conv is None else [m.text for m in await store.messages.messages(conv.id)]


def test_the_guard_refuses_stale_timestamps_and_seen_pairs_and_forgets_them_with_the_window() -> None:
    now = [1_700_000_000.0]
    guard = ReplayGuard(300, clock=lambda: now[0])
    assert guard.claim("1700000000", "1") and not guard.claim("1700000000", "1")
    assert guard.claim("1700000000", "2") and guard.claim("1699999990", "1")  # another pair
    assert not guard.claim("1699999699", "3") and not guard.claim("1700000301", "3")  # stale, either way
    assert not guard.claim("", "3") and not guard.claim("17e8", "3") and not guard.fresh("-1")
    now[0] += 301  # the pairs' timestamps left the window: forgotten, and refused as stale anyway
    assert guard.claim(str(int(now[0])), "9") and len(guard) == 1
    assert not guard.claim("1700000000", "1")


async def test_a_replayed_request_is_403_and_processed_once(open_app: Opener, wechat_api: FakeWechatApi) -> None:
    client = await open_app()
    params, body = signed(int(time.time()), "5550001"), payload("text", content="多久可以发货").encode()
    first = await client.post("/channels/wechat", params=params, data=body)
    assert first.status == 200 and "发货" in await first.text()
    again = await client.post("/channels/wechat", params=params, data=body)
    assert again.status == 403 and "发货" not in await again.text()
    # another body under the captured signature is refused just the same
    other = await client.post("/channels/wechat", params=params, data=payload("text", content="怎么退款").encode())
    assert other.status == 403
    await services(client).delivery.settle()
    assert await stored(client) == ["多久可以发货", "付款后 48 小时内发货。"] and wechat_api.sends == []


async def test_a_stale_timestamp_is_403_and_nothing_is_stored(open_app: Opener) -> None:
    client = await open_app()  # replay_window: 300 s by default
    body = payload("text", content="多久可以发货").encode()
    for ts in (int(time.time()) - 301, int(time.time()) + 400):
        resp = await client.post("/channels/wechat", params=signed(ts, "5550002"), data=body)
        assert resp.status == 403
    get = await client.get("/channels/wechat", params={**signed(int(time.time()) - 1000, "1"), "echostr": "e"})
    assert get.status == 403
    assert await stored(client) == []


async def test_the_window_is_configurable(open_app: Opener) -> None:
    client = await open_app(replay_window=1200)
    resp = await client.post("/channels/wechat", params=signed(int(time.time()) - 900, "5550003"),
                             data=payload("text", content="多久可以发货").encode())
    assert resp.status == 200 and "发货" in await resp.text()


async def test_a_refused_body_does_not_use_up_its_nonce(open_app: Opener) -> None:
    client = await open_app()
    params = signed(int(time.time()), "5550004")
    assert (await client.post("/channels/wechat", params=params, data=b"not xml")).status == 400
    resp = await client.post("/channels/wechat", params=params, data=payload("text", content="多久可以发货").encode())
    assert resp.status == 200


async def test_wechat_retries_with_new_nonces_still_get_one_answer(open_app: Opener,
                                                                  wechat_api: FakeWechatApi) -> None:
    client = await open_app()
    xml = payload("text", content="多久可以发货")
    answers = [await push(client, xml) for _ in range(4)]  # the same MsgId, a fresh pair each time
    assert [a.status for a in answers] == [200] * 4
    assert answers[0].reply()["Content"] == "付款后 48 小时内发货。" and all(a.success for a in answers[1:])
    await services(client).delivery.settle()
    assert wechat_api.sends == [] and await stored(client) == ["多久可以发货", "付款后 48 小时内发货。"]


async def test_entities_are_refused_in_plaintext_and_inside_the_encrypted_body(open_app: Opener) -> None:
    client = await open_app()
    laughs = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]>"
              "</FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>"
              "<Content>&b;</Content><MsgId>1</MsgId></xml>")
    ts = str(int(time.time()))
    resp = await client.post("/channels/wechat", params=signed(ts, "5550005"), data=laughs.encode())
    assert resp.status == 400 and "ha" not in await resp.text()
    sealed = xmltodict.parse(crypto().encrypt_message(laughs, "5550006", ts))["xml"]
    body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
    resp = await client.post("/channels/wechat", data=body.encode(),
                             params={**signed(ts, "5550006"), "encrypt_type": "aes",
                                     "msg_signature": sealed["MsgSignature"]})
    assert resp.status == 400
    resp = await client.post("/channels/wechat", params=signed(ts, "5550007"),
                             data=b"<xml>" + b"<a/>" * 20_000 + b"</xml>")
    assert resp.status == 413
    assert await stored(client) == []
