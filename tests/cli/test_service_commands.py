"""add_channel: settings are stored, but a secret in --settings is refused with nothing written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.store.factory import open_store


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), *argv])


async def _channels(config: Path) -> dict[str, dict]:
    store = await open_store(load_settings(config, env={}))
    try:
        return {c.name: c.settings for c in await store.channels.list()}
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("settings", "key"),
    [('{"api_key": "sekrit"}', "api_key"), ('{"AppSecret": "x"}', "AppSecret"),
     ('{"encoding_aes_key": "x"}', "encoding_aes_key"), ('{"appKey": "x"}', "appKey"),
     ('{"bot": {"token": "x"}}', "token"), ('{"password": "x"}', "password")],
)
def test_a_secret_in_settings_is_refused_and_nothing_is_written(
    config_path: Path, capsys: pytest.CaptureFixture[str], settings: str, key: str
) -> None:
    assert run(config_path, "add_channel", "--name", "wx", "--type", "wechat", "--settings", settings) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"error: --settings: {key} is a secret; put it in config/service.yaml as ${{ENV_NAME}}")
    assert "sekrit" not in err
    assert not (load_settings(config_path, env={}).data_dir / "bot.sqlite3").exists()  # not even opened


def test_plain_settings_are_stored(config_path: Path) -> None:
    settings = '{"welcome_message": "hi", "keywords": ["退款"], "webhook_url": "https://example.com/hook"}'
    assert run(config_path, "add_channel", "--name", "wx", "--type", "wechat", "--settings", settings) == 0
    assert asyncio.run(_channels(config_path))["wx"] == {
        "welcome_message": "hi", "keywords": ["退款"], "webhook_url": "https://example.com/hook"}
