"""Twilio voice webhooks at /channels/phone/twilio, signed as Twilio signs them (HMAC-SHA1 over
the public URL and the sorted form), answered with TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from bot.channels.base import DeliveryFailed
from bot.channels.phone.twilio import signature
from bot.core.events import OutboundMessage, Reply
from tests.channels.phone.conftest import (
    CALLER,
    HUMAN,
    PUBLIC,
    Opener,
    services,
    twilio_form,
    twilio_post,
)

FAQ = "付款后 48 小时内发货。"


class Twiml:
    def __init__(self, text: str) -> None:
        self.text = text
        self.root = ET.fromstring(text)
        assert self.root.tag == "Response"

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def said(self) -> str:
        say = self.root.find(".//Say")
        return say.text or "" if say is not None else ""

    @property
    def next_query(self) -> str:
        assert self.gather is not None, self.text
        action = urlsplit(self.gather.get("action", ""))
        assert f"{action.scheme}://{action.netloc}" == PUBLIC and action.path == "/channels/phone/twilio"
        return action.query


async def ask(client: TestClient, query: str, **fields: str) -> Twiml:
    resp = await twilio_post(client, twilio_form(**fields), query)
    assert resp.status == 200 and resp.content_type == "text/xml", await resp.text()
    return Twiml(await resp.text())


async def transcript(client: TestClient) -> list[tuple[str, str]]:
    store = services(client).store
    conv = await store.conversations.latest_for(CALLER, "phone")
    return [] if conv is None else [(m.sender, m.text) for m in await store.messages.messages(conv.id)]


async def state(client: TestClient) -> str | None:
    conv = await services(client).store.conversations.latest_for(CALLER, "phone")
    return None if conv is None else conv.state


def test_the_signature_is_twilios_documented_example() -> None:
    # The example of Twilio's "Webhooks security" page: token, URL and params as documented there.
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}
    assert signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params.items()) \
        == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


async def test_a_call_is_greeted_and_a_question_answered_with_the_faq(open_app: Opener) -> None:
    client = await open_app()
    hello = await ask(client, "")
    gather = hello.gather
    assert gather is not None and gather.get("input") == "speech dtmf" and gather.get("bargeIn") == "true"
    assert gather.get("language") == "zh-CN" and gather.get("speechTimeout") == "auto"
    assert "请问有什么可以帮您" in hello.said and "r=1" in hello.next_query
    answer = await ask(client, hello.next_query, SpeechResult="多久可以发货", Confidence="0.93")
    assert answer.said == FAQ and answer.gather is not None and "r=2" in answer.next_query
    assert await transcript(client) == [("customer", "多久可以发货"), ("bot", FAQ)]


async def test_a_bad_signature_is_refused_and_nothing_is_processed(open_app: Opener) -> None:
    client = await open_app()
    form = twilio_form(SpeechResult="多久可以发货", Confidence="0.9")
    for resp in (await twilio_post(client, form, "r=1&s=0", token="another-token"),
                 await twilio_post(client, form, "r=1&s=0", sign_form={**form, "SpeechResult": "别的"}),
                 await client.post("/channels/phone/twilio?r=1&s=0", data=form)):
        assert resp.status == 403
        assert FAQ not in await resp.text()
    # the action URL's state is signed too: a forged round does not verify
    sig = signature("12345678901234567890123456789012", PUBLIC + "/channels/phone/twilio?r=1&s=0", form.items())
    resp = await client.post("/channels/phone/twilio?r=7&s=0", data=form, headers={"X-Twilio-Signature": sig})
    assert resp.status == 403
    assert await transcript(client) == []


async def test_a_retried_webhook_gets_the_same_twiml_and_stores_one_turn(open_app: Opener) -> None:
    client = await open_app()
    first = await ask(client, "r=1&s=0", SpeechResult="多久可以发货", Confidence="0.9")
    again = await ask(client, "r=1&s=0", SpeechResult="多久可以发货", Confidence="0.9")
    assert again.text == first.text and first.said == FAQ
    assert await transcript(client) == [("customer", "多久可以发货"), ("bot", FAQ)]
    # the next round is a new turn
    await ask(client, first.next_query, SpeechResult="多久可以发货", Confidence="0.9")
    assert len(await transcript(client)) == 4


async def test_a_low_confidence_transcript_is_confirmed_before_acting(open_app: Opener) -> None:
    client = await open_app()
    confirm = await ask(client, "r=1&s=0", SpeechResult="多久可以发货", Confidence="0.31")
    assert confirm.said == "您是说“多久可以发货”吗？请说是或不是。"
    assert await transcript(client) == []
    yes = await ask(client, confirm.next_query, SpeechResult="是的。", Confidence="0.95")
    assert yes.said == FAQ
    assert await transcript(client) == [("customer", "多久可以发货"), ("bot", FAQ)]
    no_first = await ask(client, "r=5&s=0", SpeechResult="怎么开发票", Confidence="0.2")
    no = await ask(client, no_first.next_query, SpeechResult="不是", Confidence="0.9")
    assert no.said == "好的，请您再说一遍。" and len(await transcript(client)) == 2


async def test_silence_reprompts_twice_then_offers_a_human_then_hangs_up(open_app: Opener) -> None:
    client = await open_app()
    query = "r=1&s=0"
    for _ in range(2):
        prompt = await ask(client, query)  # actionOnEmptyResult: no SpeechResult, no Digits
        assert prompt.said == "抱歉，我没有听清，请您再说一遍。"
        query = prompt.next_query
    offer = await ask(client, query)
    assert "请按 0" in offer.said and offer.gather is not None
    bye = await ask(client, offer.next_query)
    assert bye.root.find("Hangup") is not None and "再见" in bye.said
    assert await transcript(client) == []


async def test_silence_without_a_human_number_hangs_up_politely(open_app: Opener) -> None:
    client = await open_app(human_number=None)
    query = "r=1&s=0"
    for _ in range(2):
        query = (await ask(client, query)).next_query
    bye = await ask(client, query)
    assert bye.root.find("Hangup") is not None and bye.said == "感谢您的来电，再见。"


async def test_dtmf_0_dials_the_human_and_leaves_no_chat_queue(open_app: Opener) -> None:
    client = await open_app()
    await ask(client, "r=1&s=0", SpeechResult="多久可以发货", Confidence="0.9")
    twiml = await ask(client, "r=2&s=0", Digits="0")
    dial = twiml.root.find("Dial")
    assert dial is not None and dial.text == HUMAN and twiml.gather is None
    assert await state(client) == "closed"
    assert await services(client).store.handoffs.waiting(limit=10) == []
    again = await ask(client, "r=2&s=0", Digits="0")  # Twilio retries: the same transfer
    assert again.text == twiml.text


async def test_asking_for_a_human_transfers_the_call(open_app: Opener) -> None:
    client = await open_app()
    twiml = await ask(client, "r=1&s=0", SpeechResult="转人工", Confidence="0.9")
    assert twiml.root.find("Dial") is not None and await state(client) == "closed"


async def test_hang_up_closes_the_conversation(open_app: Opener) -> None:
    client = await open_app()
    await ask(client, "r=1&s=0", SpeechResult="多久可以发货", Confidence="0.9")
    assert await state(client) == "bot"
    done = await ask(client, "", CallStatus="completed")
    assert done.root.find("Hangup") is not None
    assert await state(client) == "closed"


async def test_buttons_are_spoken_options_a_key_chooses(open_app: Opener) -> None:
    client = await open_app()
    offer = await ask(client, "r=1&s=0", SpeechResult="怎么退款", Confidence="0.9")
    assert offer.said.startswith("在订单页点击申请退款。需要我现在帮您发起退款吗？")
    assert "说 1 好的，说 2 不用了" in offer.said
    await ask(client, offer.next_query, Digits="2")
    said = await transcript(client)
    assert said[-2][0] == "customer" and said[-2][1] != "2"  # the button's value, not the key


async def test_a_phone_conversation_cannot_take_written_messages(open_app: Opener) -> None:
    client = await open_app()
    channel = await services(client).channels.get("phone")
    assert channel is not None
    message = OutboundMessage("phone", CALLER, "c1", (Reply("text", "您好，我是客服小王"),), sender="agent")
    with pytest.raises(DeliveryFailed) as failed:
        await channel.deliver(message)
    assert failed.value.retry is False and "phone call" in failed.value.reason


async def test_the_other_provider_is_not_served(open_app: Opener) -> None:
    client = await open_app()
    resp = await client.post("/channels/phone/alicloud", json={"token": "x"})
    assert resp.status == 404
