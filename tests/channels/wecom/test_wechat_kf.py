"""WeChat customer service: the callback sets off kf/sync_msg, pages are fed in order once, the
cursor survives a restart, replies go by kf/send_msg, 95001 is a dead letter."""

from __future__ import annotations

import time
from typing import Any

from tests.channels.wecom.conftest import Opener, eventually, services, settle
from tests.channels.wecom.fake_api import FakeWecomApi
from tests.channels.wecom.pusher import kf_event_xml, post, verify
from tests.conftest import auth

PATH = "/channels/wechat-kf"
KF = "wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q"
CUSTOMER = "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw"
SYNC, SEND = "/cgi-bin/kf/sync_msg", "/cgi-bin/kf/send_msg"
ANSWERS = {"多久可以发货": "付款后 48 小时内发货。"}


def message(n: int, text: str, origin: int = 3) -> dict[str, Any]:
    return {"msgid": f"from_msgid_{n:04d}", "open_kfid": KF, "external_userid": CUSTOMER,
            "send_time": int(time.time()), "origin": origin, "msgtype": "text", "text": {"content": text}}


async def customer_texts(client: Any) -> list[str]:
    store = services(client).store
    conv = await store.conversations.latest_for(CUSTOMER, "wechat_kf")
    return [m.text for m in await store.messages.messages(conv.id) if m.direction == "in"] if conv else []


async def test_url_verification(open_app: Opener) -> None:
    client = await open_app()
    assert await (await verify(client, PATH, "kf-echo-1")).text() == "kf-echo-1"
    assert (await verify(client, PATH, "kf-echo-1", forge=True)).status == 403
    assert (await post(client, PATH, kf_event_xml(KF), forge=True)).status == 403


async def test_a_callback_syncs_two_pages_in_order_once_and_replies_by_send_msg(
        open_app: Opener, wecom_api: FakeWecomApi) -> None:
    wecom_api.kf_messages[KF] = [message(1, "你好"), message(2, "多久可以发货"),
                                 message(3, "客服回复", origin=5), message(4, "怎么开发票")]
    client = await open_app()
    resp = await post(client, PATH, kf_event_xml(KF, token="CB_TOKEN_1"))
    assert resp.status == 200 and await resp.text() == ""
    await settle(client, "wechat_kf")
    syncs = wecom_api.ok(SYNC)
    assert [(s["cursor"], s["token"], s["open_kfid"]) for s in syncs] == [
        ("", "CB_TOKEN_1", KF), ("2", "CB_TOKEN_1", KF)]
    assert await customer_texts(client) == ["你好", "多久可以发货", "怎么开发票"]  # not the servicer's
    sent = wecom_api.ok(SEND)
    assert all(s["touser"] == CUSTOMER and s["open_kfid"] == KF and s["msgtype"] == "text" for s in sent)
    assert ANSWERS["多久可以发货"] in [s["text"]["content"] for s in sent]
    # a second callback: nothing new past the cursor, nothing fed again
    await post(client, PATH, kf_event_xml(KF, token="CB_TOKEN_2"))
    await settle(client, "wechat_kf")
    assert wecom_api.ok(SYNC)[-1]["cursor"] == "4"
    assert await customer_texts(client) == ["你好", "多久可以发货", "怎么开发票"]
    assert len(wecom_api.ok(SEND)) == len(sent)


async def test_the_cursor_survives_a_restart(open_app: Opener, wecom_api: FakeWecomApi) -> None:
    wecom_api.kf_messages[KF] = [message(1, "你好"), message(2, "多久可以发货")]
    first = await open_app()
    await post(first, PATH, kf_event_xml(KF))
    await settle(first, "wechat_kf")
    sends = len(wecom_api.ok(SEND))
    await first.close()

    wecom_api.kf_messages[KF].append(message(3, "怎么开发票"))
    second = await open_app()
    await post(second, PATH, kf_event_xml(KF))
    await settle(second, "wechat_kf")
    assert wecom_api.ok(SYNC)[-1]["cursor"] == "2"  # from where the first process stopped
    assert await customer_texts(second) == ["你好", "多久可以发货", "怎么开发票"]
    assert len(wecom_api.ok(SEND)) > sends


async def test_a_replayed_page_is_not_processed_twice(open_app: Opener, wecom_api: FakeWecomApi) -> None:
    # the process stopped after its turns but before it stored the cursor: the page comes again
    wecom_api.kf_messages[KF] = [message(1, "多久可以发货")]
    client = await open_app()
    await post(client, PATH, kf_event_xml(KF))
    await settle(client, "wechat_kf")
    sends = len(wecom_api.ok(SEND))
    await services(client).store.channels.set_state("wechat_kf", f"cursor:{KF}", "")
    await post(client, PATH, kf_event_xml(KF))
    await settle(client, "wechat_kf")
    assert await customer_texts(client) == ["多久可以发货"]
    assert len(wecom_api.ok(SEND)) == sends


async def test_outside_the_session_window_is_a_dead_letter(open_app: Opener, wecom_api: FakeWecomApi) -> None:
    wecom_api.kf_messages[KF] = [message(1, "多久可以发货")]
    wecom_api.fail = [95001]
    client = await open_app()
    await post(client, PATH, kf_event_xml(KF))
    await settle(client, "wechat_kf")

    async def failed() -> bool:
        resp = await client.get("/api/outbox", params={"status": "failed"}, headers=auth())
        return bool((await resp.json())["items"])

    await eventually(failed)
    resp = await client.get("/api/outbox", params={"status": "failed"}, headers=auth())
    dead = (await resp.json())["items"]
    assert [(d["channel"], d["attempts"]) for d in dead] == [("wechat_kf", 1)]
    assert dead[0]["last_error"].startswith("WeChat KF 95001")
    assert len(wecom_api.all(SEND)) == 1


async def test_handoff_platform_moves_the_session_once(open_app: Opener, wecom_api: FakeWecomApi) -> None:
    wecom_api.kf_messages[KF] = [message(1, "转人工"), message(2, "人呢")]
    client = await open_app(handoff="platform", servicer="lisi")
    await post(client, PATH, kf_event_xml(KF))
    await settle(client, "wechat_kf")
    conv = await services(client).store.conversations.latest_for(CUSTOMER, "wechat_kf")
    assert conv is not None and conv.state in ("queued", "agent")
    assert wecom_api.ok("/cgi-bin/kf/service_state/trans") == [
        {"open_kfid": KF, "external_userid": CUSTOMER, "service_state": 3, "servicer_userid": "lisi"}]


async def test_handoff_system_makes_no_platform_call(open_app: Opener, wecom_api: FakeWecomApi) -> None:
    wecom_api.kf_messages[KF] = [message(1, "转人工")]
    client = await open_app()
    await post(client, PATH, kf_event_xml(KF))
    await settle(client, "wechat_kf")
    conv = await services(client).store.conversations.latest_for(CUSTOMER, "wechat_kf")
    assert conv is not None and conv.state in ("queued", "agent")
    assert wecom_api.all("/cgi-bin/kf/service_state/trans") == []
