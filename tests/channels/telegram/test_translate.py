"""Bot API Updates (real payloads) as what the runtime is fed, and buttons as callback_data."""

from __future__ import annotations

import pytest
from aiogram.types import Update

from bot.channels.telegram.keyboard import MAX_DATA, Tapped, button_data, keyboard, read_data
from bot.channels.telegram.translate import chat_id, customer_id, translate
from bot.core.events import Button, OutboundMessage, Reply
from tests.channels.telegram.updates import payload


def update(name: str) -> Update:
    return Update.model_validate(payload(name))


def test_a_text_message_is_fed_as_is_with_an_id_per_chat_and_message() -> None:
    got = translate(update("text_message"))
    assert got is not None
    assert (got.customer_id, got.message_id, got.text) == ("tg_5550001", "5550001:17", "怎么退款")
    assert got.profile is not None and got.profile.name == "美玲 林" and got.profile.language_code == "zh-hans"


def test_start_is_a_hello_in_the_users_language() -> None:
    got = translate(update("start_command"))
    assert got is not None and (got.text, got.label, got.message_id) == ("hello", "/start", "5550002:1")
    zh = payload("start_command")
    zh["message"]["from"]["language_code"] = "zh-hant"
    zh["message"]["text"] = "/start@shop_support_bot ref42"
    got = translate(Update.model_validate(zh))
    assert got is not None and (got.text, got.label) == ("你好", "/start")


@pytest.mark.parametrize(("name", "text", "media"), [
    ("photo_message", "[图片] 包裹破损了", "photo"),
    ("sticker_message", "[sticker 👍]", "sticker"),
    ("voice_message", "[voice message 4s]", "voice"),
])
def test_media_is_fed_as_a_short_description(name: str, text: str, media: str) -> None:
    got = translate(update(name))
    assert got is not None and (got.text, got.media) == (text, media)


@pytest.mark.parametrize("name", ["edited_message", "group_message"])
def test_edits_and_group_chats_are_ignored(name: str) -> None:
    assert translate(update(name)) is None


def test_a_tapped_button_is_its_value_with_its_label() -> None:
    got = translate(update("callback_query"))
    assert got is not None
    assert (got.text, got.label, got.customer_id) == ("如何申请退款？", "如何申请退款？", "tg_5550001")
    assert got.message_id == "5550001:502:v:如何申请退款？"
    unknown = payload("callback_query")
    unknown["callback_query"]["data"] = "something else"
    assert translate(Update.model_validate(unknown)) is None


def test_callback_data_fits_64_bytes_long_values_point_at_the_stored_message() -> None:
    assert button_data("转人工", 7, 0) == "v:转人工"
    long = "我想知道为什么我的订单一直显示待发货而且客服电话也打不通"  # 28 characters, 84 bytes
    data = button_data(long, 1234, 2)
    assert data == "m:1234:2" and len(data.encode()) <= MAX_DATA
    assert read_data(data) == Tapped(seq=1234, index=2)
    assert read_data("v:转人工") == Tapped(value="转人工")
    assert read_data("r:4") == Tapped(score=4)
    assert read_data("r:9") is None and read_data("m:x:1") is None and read_data("") is None
    message = OutboundMessage("telegram", "tg_1", "c1", (), seq=1234)
    buttons = (Button("退款", "如何申请退款？"), Button(long, long))
    markup = keyboard(message, Reply("buttons", "您是不是想问：", buttons))
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["v:如何申请退款？"], ["m:1234:1"]]
    rating = keyboard(OutboundMessage("telegram", "tg_1", "c1", (), seq=9, kind="rating_prompt"), Reply("text", "?"))
    assert rating is not None
    assert [b.callback_data for b in rating.inline_keyboard[0]] == [f"r:{n}" for n in range(1, 6)]


def test_customer_ids_and_chats() -> None:
    assert customer_id(5550001) == "tg_5550001" and chat_id("tg_5550001") == 5550001
    assert chat_id("5550001") is None and chat_id("tg_abc") is None and chat_id("v_123") is None
