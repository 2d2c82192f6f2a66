"""WeCom application messages: the encrypted URL check, AES messages answered by message/send
exactly once (across WeCom's retries), token renewal, dead letters."""

from __future__ import annotations

from tests.channels.wecom.conftest import Opener, eventually, services, settle
from tests.channels.wecom.fake_api import FakeWecomApi
from tests.channels.wecom.pusher import USERID, event_xml, post, text_xml, verify
from tests.conftest import auth

PATH = "/channels/wecom"
ANSWER = "付款后 48 小时内发货。"
SEND = "/cgi-bin/message/send"


async def test_url_verification_answers_the_decrypted_echostr(open_app: Opener) -> None:
    client = await open_app()
    resp = await verify(client, PATH, "echo-4718293")
    assert resp.status == 200 and await resp.text() == "echo-4718293"
    forged = await verify(client, PATH, "echo-4718293", forge=True)
    assert forged.status == 403


async def test_a_forged_message_is_refused_and_not_processed(open_app: Opener, wecom_api: FakeWecomApi) -> None:
    client = await open_app()
    resp = await post(client, PATH, text_xml("多久可以发货"), forge=True)
    assert resp.status == 403
    await settle(client, "wecom")
    assert wecom_api.calls == []
    assert await services(client).store.conversations.latest_for(USERID, "wecom") is None


async def test_a_text_is_answered_by_message_send_once_across_a_retry(open_app: Opener,
                                                                      wecom_api: FakeWecomApi) -> None:
    client = await open_app()
    xml = text_xml("多久可以发货")
    resp = await post(client, PATH, xml)
    assert resp.status == 200 and await resp.text() == ""  # never a passive reply
    await settle(client, "wecom")
    again = await post(client, PATH, xml)  # WeCom retries the same MsgId
    assert again.status == 200
    await settle(client, "wecom")
    sent = wecom_api.ok(SEND)
    assert [(s["touser"], s["msgtype"], s["agentid"], s["text"]["content"]) for s in sent] == [
        (USERID, "text", 1000002, ANSWER)]


async def test_the_token_is_renewed_on_42001_and_the_send_retried(open_app: Opener,
                                                                  wecom_api: FakeWecomApi) -> None:
    client = await open_app()
    await post(client, PATH, text_xml("多久可以发货"))
    await settle(client, "wecom")
    wecom_api.expire_tokens()
    await post(client, PATH, text_xml("怎么开发票"))
    await settle(client, "wecom")
    sends = wecom_api.all(SEND)
    codes = [c.errcode for c in sends]  # (the invoice answer is two messages: answer and offer)
    assert codes[:3] == [0, 42001, 0] and set(codes[3:]) <= {0}
    assert wecom_api.token_calls == 2 and sends[1].token != sends[2].token


async def test_a_permanent_error_is_a_dead_letter(open_app: Opener, wecom_api: FakeWecomApi) -> None:
    client = await open_app()
    wecom_api.fail = [81013]
    await post(client, PATH, text_xml("多久可以发货"))
    await settle(client, "wecom")

    async def failed() -> bool:
        resp = await client.get("/api/outbox", params={"status": "failed"}, headers=auth())
        return bool((await resp.json())["items"])

    await eventually(failed)
    resp = await client.get("/api/outbox", params={"status": "failed"}, headers=auth())
    dead = (await resp.json())["items"]
    assert [(d["channel"], d["attempts"]) for d in dead] == [("wecom", 1)]
    assert dead[0]["last_error"].startswith("WeCom 81013")
    assert len(wecom_api.all(SEND)) == 1  # not retried


async def test_subscribe_is_welcomed_once(open_app: Opener, wecom_api: FakeWecomApi) -> None:
    client = await open_app()
    xml = event_xml("subscribe", created=1_760_000_000)
    for _ in range(2):
        assert (await post(client, PATH, xml)).status == 200
        await settle(client, "wecom")
    assert len(wecom_api.ok(SEND)) == 1


async def test_agent_replies_during_a_handoff_go_by_message_send(open_app: Opener,
                                                                 wecom_api: FakeWecomApi) -> None:
    client = await open_app()
    svc = services(client)
    _, token = await svc.agents.add("wang", "王小明")
    await svc.agents.set_status("wang", "online")
    await post(client, PATH, text_xml("转人工"))
    await settle(client, "wecom")
    conv = await svc.store.conversations.latest_for(USERID, "wecom")
    assert conv is not None and conv.state == "agent"
    before = len(wecom_api.ok(SEND))
    resp = await client.post(f"/api/conversations/{conv.id}/reply", json={"text": "您好，我是小明"},
                             headers=auth(token))
    assert resp.status == 200, await resp.text()
    await svc.delivery.settle()
    assert [s["text"]["content"] for s in wecom_api.ok(SEND)[before:]] == ["您好，我是小明"]
