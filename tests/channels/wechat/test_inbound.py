"""What WeChat pushes to /channels/wechat: verified, translated and answered by passive reply
(plaintext, compatible and safe mode), with real wechatpy-signed and -encrypted payloads."""

from __future__ import annotations

import time

import pytest
from aiohttp.test_utils import TestClient

from tests.channels.wechat.conftest import Opener, services
from tests.channels.wechat.fake_api import FakeWechatApi
from tests.channels.wechat.pusher import ACCOUNT, TOKEN, payload, push, sign

OPENID = "oWx_customer_0001"


async def transcript(client: TestClient, openid: str = OPENID) -> list[tuple[str, str]]:
    store = services(client).store
    conv = await store.conversations.latest_for(openid, "wechat")
    return [] if conv is None else [(m.sender, m.text) for m in await store.messages.messages(conv.id)]


async def test_url_verification_echoes_echostr_and_refuses_a_forged_signature(open_app: Opener) -> None:
    client = await open_app()
    ts, nonce = str(int(time.time())), "2082418375"
    ok = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": "5837397520946283"}
    resp = await client.get("/channels/wechat", params=ok)
    assert resp.status == 200 and await resp.text() == "5837397520946283"
    for forged in ({**ok, "signature": sign("another-token", ts, nonce)}, {**ok, "nonce": "1"},
                   {k: v for k, v in ok.items() if k != "signature"}, {**ok, "signature": "é" * 40}):
        resp = await client.get("/channels/wechat", params=forged)
        assert resp.status == 403 and "5837397520946283" not in await resp.text()
    resp = await client.get("/channels/wechat", params={k: v for k, v in ok.items() if k != "echostr"})
    assert resp.status == 400


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
async def test_a_text_message_gets_the_faq_answer_as_passive_reply(open_app: Opener, wechat_api: FakeWechatApi,
                                                                  mode: str) -> None:
    client = await open_app()
    answer = await push(client, payload("text", content="多久可以发货"), mode)
    reply = answer.reply()
    assert reply["MsgType"] == "text" and reply["Content"] == "付款后 48 小时内发货。"
    assert (reply["FromUserName"], reply["ToUserName"]) == (ACCOUNT, OPENID)
    if mode != "plain":  # encrypted back, signed with the token
        assert "<Encrypt>" in answer.text and "发货" not in answer.text
    await services(client).delivery.settle()
    assert wechat_api.sends == []  # answered once, passively; nothing by the customer-service API
    assert await transcript(client) == [("customer", "多久可以发货"), ("bot", "付款后 48 小时内发货。")]
    items, _ = await services(client).store.outbox.list()
    assert [i.status for i in items] == ["sent"]


async def test_several_replies_share_one_passive_reply_with_numbered_buttons(
        open_app: Opener, wechat_api: FakeWechatApi) -> None:
    client = await open_app()
    reply = (await push(client, payload("text", content="怎么退款"))).reply()
    # the answer and the offer (with its two buttons): one passive reply holds one message
    assert reply["Content"] == "在订单页点击申请退款。\n\n需要我现在帮您发起退款吗？\n1. 好的\n2. 不用了"
    await services(client).delivery.settle()
    assert wechat_api.sends == []
    items, _ = await services(client).store.outbox.list()
    assert [i.status for i in items] == ["sent", "sent"]


@pytest.mark.parametrize(("forge", "mode"), [("signature", "plain"), ("signature", "safe"),
                                             ("msg_signature", "safe"), ("msg_signature", "compat")])
async def test_a_forged_signature_is_403_and_nothing_is_processed(open_app: Opener, forge: str, mode: str) -> None:
    client = await open_app()
    answer = await push(client, payload("text", content="怎么退款"), mode, forge=forge)
    assert answer.status == 403
    assert await transcript(client) == []


async def test_what_is_not_a_wechat_message_is_400(open_app: Opener) -> None:
    client = await open_app()
    ts, nonce = str(int(time.time())), "77"
    params = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce}
    bodies = [b"<xml><ToUserName>", b"not xml at all", b"<xml>text</xml>", b"\xff\xfe<xml/>", b"",
              b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><MsgType>&a;</MsgType></xml>',
              payload("text", content="hi").replace("oWx_customer_0001", "").encode(),
              payload("text", content="hi").replace("<CreateTime>", "<CreateTime>x").encode()]
    for body in bodies:
        resp = await client.post("/channels/wechat", params=params, data=body)
        assert resp.status == 400, (body, await resp.text())
    # signed correctly but the ciphertext is garbage; and an unknown encrypt_type
    enc = "A" * 64
    resp = await client.post("/channels/wechat", data=f"<xml><Encrypt><![CDATA[{enc}]]></Encrypt></xml>".encode(),
                             params={**params, "encrypt_type": "aes", "msg_signature": sign(TOKEN, ts, nonce, enc)})
    assert resp.status == 400
    resp = await client.post("/channels/wechat", params={**params, "encrypt_type": "rot13"}, data=b"<xml/>")
    assert resp.status == 400
    resp = await client.post("/channels/wechat", params=params, data=b"<xml>" + b" " * 70_000 + b"</xml>")
    assert resp.status == 413
    assert await transcript(client) == []


async def test_the_channel_is_404_when_not_configured(client: TestClient) -> None:
    ts, nonce = str(int(time.time())), "77"
    resp = await client.get("/channels/wechat", params={"signature": sign(TOKEN, ts, nonce), "timestamp": ts,
                                                        "nonce": nonce, "echostr": "x"})
    assert resp.status == 404


async def test_voice_image_location_link_and_click(open_app: Opener) -> None:
    client = await open_app()
    reply = (await push(client, payload("voice", recognition="多久可以发货？"))).reply()
    assert reply["Content"] == "付款后 48 小时内发货。"  # the recognised speech is the text
    for name in ("image", "location", "link"):
        answer = await push(client, payload(name))
        assert answer.status == 200
    reply = (await push(client, payload("click", key="怎么开发票"))).reply()
    assert reply["Content"].startswith("在订单详情页点击申请发票。")  # the menu's EventKey, fed as text
    said = [text for sender, text in await transcript(client) if sender == "customer"]
    assert said == ["多久可以发货？", "[图片]", "[位置] 广州市海珠区新港中路397号 (23.134521, 113.358803)",
                    "[链接] 订单详情 https://shop.example.com/orders/2024001", "怎么开发票"]


async def test_subscribe_gets_the_configured_welcome_once_and_unsubscribe_nothing(open_app: Opener) -> None:
    client = await open_app(welcome="欢迎关注小店！回复“人工”联系客服。")
    event = payload("subscribe")
    reply = (await push(client, event)).reply()
    assert reply["Content"] == "欢迎关注小店！回复“人工”联系客服。"
    assert (await push(client, event, "safe")).success  # WeChat sent the same event again
    scan = (await push(client, payload("scan", scene="store_42", time=int(time.time()) + 1))).reply()
    assert scan["Content"] == "欢迎关注小店！回复“人工”联系客服。"
    assert (await push(client, payload("unsubscribe"))).success
    assert (await push(client, payload("view"))).success
    store = services(client).store
    conv = await store.conversations.latest_for(OPENID, "wechat")
    assert conv is not None
    messages = await store.messages.messages(conv.id)
    assert [m.text for m in messages] == ["欢迎关注小店！回复“人工”联系客服。"] * 2
    assert messages[1].meta["scene"] == "store_42"
    reply = (await push(client, payload("subscribe_qrscene", scene="poster_7", openid="oWx_new_2"))).reply()
    assert reply["Content"].startswith("欢迎关注小店")


async def test_a_numbered_button_is_chosen_by_its_number(open_app: Opener) -> None:
    client = await open_app()
    reply = (await push(client, payload("text", content="今天天上的云彩像一只大象"))).reply()  # no match
    lines = reply["Content"].splitlines()
    assert "2. 多久可以发货？" in lines  # the suggestions, as numbered lines
    reply = (await push(client, payload("text", content="2"))).reply()
    assert reply["Content"] == "付款后 48 小时内发货。"
    said = [text for sender, text in await transcript(client) if sender == "customer"]
    assert said[-1] == "多久可以发货？"  # the button's value was fed
    reply = (await push(client, payload("text", content="2"))).reply()  # no buttons since: just a number
    assert reply["Content"] != "付款后 48 小时内发货。"
