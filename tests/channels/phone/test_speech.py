"""Replies made speakable: no links, markdown or emoji; buttons as numbered options; ids digit by digit; short."""

from __future__ import annotations

from bot.channels.phone.speech import chosen, options, speakable, spoken
from bot.channels.phone.turn import mask_number
from bot.core.events import Button, Reply


def test_links_markdown_and_emoji_are_not_read_out() -> None:
    text = "**退款**请看[帮助中心](https://help.example.com/refund) 😊\n- 打开订单\n- 点击 `申请退款`"
    assert speakable(text) == "退款请看帮助中心，打开订单，点击 申请退款"
    assert speakable("详情见 https://example.com/a?b=1 。") == "详情见。"
    assert speakable("# Refunds\nSee *the* help page: www.example.com 👍", "en-US") == "Refunds, See the help page:"


def test_order_ids_and_money_read_well() -> None:
    assert speakable("您的订单 20240601123 已发货，运费 ¥12.5") == "您的订单 2 0 2 4 0 6 0 1 1 2 3 已发货，运费 12.5元"
    assert speakable("订单 SO2024001 已签收") == "订单 S O 2 0 2 4 0 0 1 已签收"
    assert speakable("付款后 48 小时内发货。") == "付款后 48 小时内发货。"


def test_buttons_become_numbered_options_and_replies_are_cut_short() -> None:
    replies = (Reply("text", "第一句。第二句！第三句。第四句？"),
               Reply("text", "需要帮您退款吗？", (Button("好的", "yes"), Button("不用了", "no"))))
    assert spoken(replies) == "第一句。第二句！说 1 好的，说 2 不用了。也可以按对应的数字键。"
    assert options((Button("Yes", "y"), Button("No", "n")), "en-US") \
        == "Say 1 for Yes, say 2 for No, or press the number."
    assert spoken((Reply("text", "First. Second! Third."),), "en-US") == "First. Second!"


def test_a_key_or_a_spoken_number_chooses_an_option() -> None:
    buttons = (Button("好的", "yes"), Button("不用了", "no"))
    assert chosen("2", buttons) == buttons[1]
    assert chosen("第一个", buttons) == buttons[0]
    assert chosen("二。", buttons) == buttons[1]
    assert chosen("two", buttons) == buttons[1]
    assert chosen("3", buttons) is None and chosen("多久发货", buttons) is None and chosen("1", ()) is None


def test_caller_numbers_are_masked_for_logs() -> None:
    assert mask_number("+8613800138000") == "+86138****8000"
    assert "13800138000" not in mask_number("13800138000")
