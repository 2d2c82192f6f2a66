"""Telegram in long-polling mode: the `start` job fetches updates from the fake Bot API, answers each
once, and keeps its offset in the store across restarts."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.app import build_services
from bot.channels.status import channel_statuses
from bot.config import Settings
from tests.channels.telegram.conftest import SECRET, telegram_settings
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.updates import message

HEADER = "X-Telegram-Bot-Api-Secret-Token"
OFFSET_KEY = "offset:7000000001"  # per bot: the id part of the fake's token


async def _saved(settings: Settings) -> str | None:
    async with build_services(settings, sync_faqs=False) as svc:
        return await svc.store.channels.get_state("telegram", OFFSET_KEY)


async def test_updates_are_answered_once_and_the_offset_survives_a_restart(tmp_path: Path, fake: FakeBotApi) -> None:
    settings = telegram_settings(tmp_path, fake, mode="polling")
    refund = fake.queue(message(chat_id=6200001, text="怎么退款"))
    invoice = fake.queue(message(chat_id=6200002, text="怎么开发票"))
    async with build_services(settings, background=True) as svc:
        await fake.wait_for(lambda: fake.sent(6200001) and any("发票" in t["text"] for t in fake.sent(6200002)))
        await fake.wait_for(lambda: [c for c in fake.calls_to("getUpdates")
                                     if c.params.get("offset") == invoice["update_id"] + 1])
        await svc.delivery.settle(deferred=5)  # one message a second per chat: a turn's second reply waits
        assert fake.calls_to("getUpdates")[0].params["allowed_updates"] == ["message", "callback_query"]
        assert fake.calls_to("getUpdates")[0].params.get("offset") is None  # nothing saved yet: from the start
    assert await _saved(settings) == str(invoice["update_id"] + 1)
    answered = {chat: [m["text"] for m in fake.sent(chat)] for chat in (6200001, 6200002)}
    assert answered[6200001][0] == "在订单页点击申请退款。"

    # a restart resumes at the saved offset: only the question asked while the service was down
    later = fake.queue(message(chat_id=6200001, text="多久可以发货"))
    first_call = len(fake.calls)
    async with build_services(settings, background=True) as svc:
        await fake.wait_for(lambda: any("48 小时" in m["text"] for m in fake.sent(6200001)))
        await fake.wait_for(lambda: [c for c in fake.calls_to("getUpdates")
                                     if c.params.get("offset") == later["update_id"] + 1])
        await svc.delivery.settle(deferred=5)  # one message a second per chat: a turn's second reply waits
    polls = [c for c in fake.calls[first_call:] if c.method == "getUpdates"]
    assert polls[0].params["offset"] == invoice["update_id"] + 1
    assert await _saved(settings) == str(later["update_id"] + 1)
    answered[6200001] = [m["text"] for m in fake.sent(6200001)]
    assert answered[6200001].count("在订单页点击申请退款。") == 1 and "付款后 48 小时内发货。" in answered[6200001]

    # a crash after answering but before the save: Telegram hands the same updates out again
    async with build_services(settings, sync_faqs=False) as svc:
        await svc.store.channels.set_state("telegram", OFFSET_KEY, str(refund["update_id"]))
    fake.queue(refund)
    fake.queue(invoice)
    async with build_services(settings, background=True) as svc:
        await fake.wait_for(lambda: [c for c in fake.calls_to("getUpdates")
                                     if c.params.get("offset") == invoice["update_id"] + 1])
        await svc.delivery.settle(deferred=5)  # one message a second per chat: a turn's second reply waits
        transcript = await svc.store.messages.customer_messages("telegram", "tg_6200001", 0)
        assert [m.text for m in transcript if m.direction == "in"] == ["怎么退款", "多久可以发货"]
    assert {chat: [m["text"] for m in fake.sent(chat)] for chat in answered} == answered  # nobody twice


async def test_start_reports_the_channel_and_a_webhook_without_its_secret_is_not_connected(
    tmp_path: Path, fake: FakeBotApi,
) -> None:
    polling = telegram_settings(tmp_path / "a", fake, mode="polling")
    [status] = [s for s in channel_statuses(polling.channels) if s.name == "telegram"]
    assert status.connected and "polling" in status.detail
    bare = telegram_settings(tmp_path / "b", fake, mode="webhook", secret_token=None)
    [status] = [s for s in channel_statuses(bare.channels) if s.name == "telegram"]
    assert not status.connected and "secret_token" in status.detail
    placeholder = telegram_settings(tmp_path / "c", fake, token="your_bot_token")
    [status] = [s for s in channel_statuses(placeholder.channels) if s.name == "telegram"]
    assert not status.connected and "token" in status.detail
    async with build_services(placeholder, sync_faqs=False) as svc:
        assert svc.telegram is None and await svc.channels.get("telegram") is None
    async with TestClient(TestServer(create_app(polling))) as client:  # polling: the webhook is off
        resp = await client.post("/channels/telegram", json=message(), headers={HEADER: SECRET})
        assert resp.status == 404 and (await resp.json())["error"] == "channel_disabled"
    assert fake.calls == []
