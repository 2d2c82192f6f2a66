"""list_outbox --failed shows dead letters; retry_outbox queues one again; add_channel --type app
prints a key once that then opens the app channel."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.channels.app_keys import AppKeys
from bot.channels.secrets import ChannelSecrets
from bot.config import load_settings
from bot.conversation.model import MessageRecord
from bot.store.factory import open_store
from tests.cli.test_channel_commands import run


async def _dead_letter(config: Path) -> int:
    store = await open_store(load_settings(config, env={}))
    try:
        conv = await store.conversations.create("C1", "wechat", "zh")
        await store.messages.add_outbound(MessageRecord(conv.id, "out", "agent", "您的退款已到账"), conv)
        items, _ = await store.outbox.list()
        await store.outbox.mark(items[0].id, "failed", 6, "", "45015: outside the 48-hour window")
        return items[0].id
    finally:
        await store.close()


async def _status(config: Path, item_id: int) -> str:
    store = await open_store(load_settings(config, env={}))
    try:
        item = await store.outbox.get(item_id)
        assert item is not None
        return item.status
    finally:
        await store.close()


def test_dead_letters_are_listed_and_retried(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    item_id = asyncio.run(_dead_letter(config_path))
    capsys.readouterr()  # the store's own log lines
    assert run(config_path, "list_outbox", "--failed", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["id"], i["text"], i["last_error"]) for i in listed["items"]] == [
        (item_id, "您的退款已到账", "45015: outside the 48-hour window")]
    assert run(config_path, "list_outbox", "--failed") == 0
    assert "45015" in capsys.readouterr().out
    assert run(config_path, "retry_outbox", "--id", str(item_id)) == 0
    assert asyncio.run(_status(config_path, item_id)) == "pending"
    assert run(config_path, "retry_outbox", "--id", str(item_id)) == 2  # a refusal names the flag, exits 2
    assert "only failed or held rows" in capsys.readouterr().err
    assert run(config_path, "list_outbox", "--failed", "--status", "sent") == 2


def test_app_key_is_printed_once_and_names_its_channel(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_path, "add_channel", "--type", "app", "--name", "shop_app") == 0
    out = capsys.readouterr().out
    key = out.rsplit(": ", 1)[1].strip()
    assert key.startswith("ak_")
    settings = load_settings(config_path, env={})
    assert key not in (settings.data_dir / "channel_secrets.json").read_text()  # only its hash is kept

    async def channel_for(k: str) -> str | None:
        store = await open_store(settings)
        try:
            return await AppKeys(ChannelSecrets(settings.data_dir), store.channels).channel_for(k)
        finally:
            await store.close()

    assert asyncio.run(channel_for(key)) == "shop_app"
    assert asyncio.run(channel_for(key + "x")) is None
    assert run(config_path, "list_channels") == 0
    assert key not in capsys.readouterr().out
