"""Alibaba Cloud voice robot callbacks at /channels/phone/alicloud: the secret token, JSON in and out."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.channels.phone.conftest import CALLER, HUMAN, SECRET, Opener, services

PATH = "/channels/phone/alicloud"
FAQ = "付款后 48 小时内发货。"


async def call(client: TestClient, status: int = 200, *, header: str | None = None, **body: Any) -> dict[str, Any]:
    payload = {"call_id": "ali-call-0001", "caller": CALLER, **body}
    headers = {"X-Alicloud-Token": header} if header is not None else {}
    resp = await client.post(PATH, json=payload, headers=headers)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def conversation_state(client: TestClient) -> str | None:
    conv = await services(client).store.conversations.latest_for(CALLER, "phone")
    return None if conv is None else conv.state


async def test_the_token_in_a_field_or_header_is_checked(open_app: Opener) -> None:
    client = await open_app(provider="alicloud")
    hello = await call(client, token=SECRET, event="start")
    assert hello["action"] == "play_and_listen" and "请问有什么可以帮您" in hello["text"]
    answer = await call(client, header=SECRET, event="asr", asr_text="多久可以发货", confidence=0.9)
    assert answer == {"action": "play_and_listen", "text": FAQ, "interruptible": True, "language": "zh-CN",
                      "voice": None}
    for wrong in ({"token": "nope"}, {}, {"token": SECRET[:-1]}):
        await call(client, 403, event="asr", asr_text="怎么开发票", confidence=0.9, **wrong)
    await call(client, 403, header="nope", token=SECRET, event="asr", asr_text="怎么开发票")  # the header wins
    resp = await client.post(PATH, data=b"not json", headers={"X-Alicloud-Token": "nope"})
    assert resp.status == 403
    resp = await client.post(PATH, data=b"not json", headers={"X-Alicloud-Token": SECRET})
    assert resp.status == 400
    conv = await services(client).store.conversations.latest_for(CALLER, "phone")
    assert conv is not None
    texts = [m.text for m in await services(client).store.messages.messages(conv.id)]
    assert texts == ["多久可以发货", FAQ]


async def test_a_retried_callback_gets_the_same_answer_once(open_app: Opener) -> None:
    client = await open_app(provider="alicloud")
    body = {"token": SECRET, "event": "asr", "asr_text": "多久可以发货", "confidence": 92}  # a percentage
    first, again = await call(client, **body), await call(client, **body)
    assert first == again and first["text"] == FAQ
    conv = await services(client).store.conversations.latest_for(CALLER, "phone")
    assert conv is not None and len(await services(client).store.messages.messages(conv.id)) == 2


async def test_low_confidence_silence_transfer_and_hangup(open_app: Opener) -> None:
    client = await open_app(provider="alicloud")
    confirm = await call(client, token=SECRET, event="asr", asr_text="多久可以发货", confidence=0.2)
    assert confirm["text"] == "您是说“多久可以发货”吗？请说是或不是。"
    yes = await call(client, token=SECRET, event="asr", asr_text="是", confidence=0.9)
    assert yes["text"] == FAQ
    silent = await call(client, token=SECRET, event="silence")
    assert silent["action"] == "play_and_listen" and "没有听清" in silent["text"]
    transfer = await call(client, token=SECRET, event="dtmf", dtmf="0")
    assert transfer["action"] == "transfer" and transfer["transfer_to"] == HUMAN
    assert await conversation_state(client) == "closed"
    bye = await call(client, token=SECRET, call_id="ali-call-0002", event="asr", asr_text="多久可以发货")
    assert bye["text"] == FAQ and await conversation_state(client) == "bot"
    hung = await call(client, token=SECRET, call_id="ali-call-0002", event="hangup")
    assert hung["action"] == "hangup" and await conversation_state(client) == "closed"


async def test_a_callback_without_a_call_id_is_refused(open_app: Opener) -> None:
    client = await open_app(provider="alicloud")
    resp = await client.post(PATH, json={"token": SECRET, "caller": CALLER, "asr_text": "hi"})
    assert resp.status == 400
    resp = await client.post(PATH, json={"token": SECRET, "call_id": "x", "caller": CALLER, "event": "weird"})
    assert resp.status == 400
