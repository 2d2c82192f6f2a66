"""WeChat XML <-> the runtime's types, without a service: the payload fixtures as WeChat pushes them."""

from __future__ import annotations

import asyncio

import pytest
import xmltodict

from bot.channels.wechat.translate import BadMessage, chosen_button, fit, parse, passive_reply
from bot.channels.wechat.turns import TurnBoard
from bot.core.events import Button
from tests.channels.wechat.pusher import ACCOUNT, payload


def test_messages_and_events_translate_with_their_ids() -> None:
    text = parse(payload("text", content=" 你好 ", msg_id="24000000000000042", time="1700000000"))
    assert (text.kind, text.openid, text.account, text.message_id, text.text) == (
        "turn", "oWx_customer_0001", ACCOUNT, "24000000000000042", "你好")
    event = text.event()
    assert event.replies_by_outbox and event.metadata["client_id"] == "24000000000000042"
    voice = parse(payload("voice", recognition=""))
    assert (voice.text, voice.metadata["media_id"]) == ("[语音]", "voice_media_id_123")
    image = parse(payload("image"))
    assert image.text == "[图片]" and image.metadata["pic_url"].startswith("http://mmbiz.qpic.cn/")
    location = parse(payload("location"))
    assert (location.metadata["latitude"], location.metadata["longitude"]) == ("23.134521", "113.358803")
    # events are keyed by FromUserName (the customer) + CreateTime
    click = parse(payload("click", key="MENU_REFUND", time="1700000001"))
    assert (click.kind, click.text, click.message_id) == ("turn", "MENU_REFUND", "e:1700000001:click")
    sub = parse(payload("subscribe", time="1700000002"))
    assert (sub.kind, sub.message_id, sub.metadata) == ("welcome", "e:1700000002:subscribe", {})
    assert parse(payload("subscribe_qrscene", scene="poster_7")).metadata == {"scene": "poster_7"}
    assert parse(payload("scan", scene="store_42")).metadata == {"scene": "store_42"}
    for name in ("unsubscribe", "view"):
        assert parse(payload(name)).kind == "ignore"


@pytest.mark.parametrize("body", ["", "<xml>", "<xml>x</xml>", "<root><MsgType>text</MsgType></root>",
                                  '<!DOCTYPE xml SYSTEM "http://evil/x.dtd"><xml/>',
                                  "<xml><MsgType><a>b</a></MsgType></xml>"])
def test_what_is_not_a_message_is_refused(body: str) -> None:
    with pytest.raises(BadMessage):
        parse(body)


def test_the_passive_reply_holds_any_text() -> None:
    pushed = parse(payload("text", content="x"))
    xml = passive_reply(pushed, "a ]]> b <c> & d", 1700000000)
    reply = xmltodict.parse(xml)["xml"]
    assert (reply["Content"], reply["ToUserName"], reply["FromUserName"], reply["CreateTime"]) == (
        "a ]]> b <c> & d", "oWx_customer_0001", ACCOUNT, "1700000000")
    assert fit(["短", "x" * 1996, "y"]) == 1 and fit(["中" * 600, "文" * 60]) == 2 and fit(["z" * 3000]) == 0


def test_a_bare_number_picks_a_button() -> None:
    buttons = (Button("好的", "yes"), Button("不用了", "no"))
    assert chosen_button(" 2 ", buttons) == buttons[1] and chosen_button("1.", buttons) == buttons[0]
    assert chosen_button("3", buttons) is None and chosen_button("12a", buttons) is None
    assert chosen_button("1", ()) is None


async def test_a_turn_runs_once_and_a_cancelled_request_leaves_it_to_the_delivery() -> None:
    board, release, kicks, runs = TurnBoard(), asyncio.Event(), [], []

    async def turn() -> list[int]:
        runs.append(1)
        await release.wait()
        return [7]

    async def take(seqs: list[int]) -> list:  # type: ignore[type-arg]
        return list(seqs)

    first = asyncio.create_task(board.answer(("o", "1"), turn, 5, take, lambda: kicks.append(1)))
    await asyncio.sleep(0.01)
    first.cancel()  # WeChat hung up
    late = await board.answer(("o", "1"), turn, 0.01, take, lambda: kicks.append(1))
    assert late == [] and runs == [1] and len(board) == 1 and kicks == []
    release.set()
    await asyncio.sleep(0.01)
    assert len(board) == 0 and kicks == [1]  # nobody waited: the delivery service sends it
