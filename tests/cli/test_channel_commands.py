"""add_channel / list_channels with the seed's flags: secrets in a 0600 file, never printed back."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.store.factory import open_store

SECRET = "wx-secret-0123456789"


def run(config: Path, *argv: str) -> int:
    try:
        return main(["--config", str(config), *argv])
    except SystemExit as exc:  # argparse's own refusals (e.g. an unknown --type)
        return int(exc.code or 0)


def data_dir(config: Path) -> Path:
    return load_settings(config, env={}).data_dir


async def _channels(config: Path) -> dict[str, tuple[str, dict]]:
    store = await open_store(load_settings(config, env={}))
    try:
        return {c.name: (c.type, c.settings) for c in await store.channels.list()}
    finally:
        await store.close()


def test_seed_wechat_line_keeps_secrets_out_of_the_database_and_output(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_path, "add_channel", "--type", "wechat", "--app_id", "wx123456",
               "--app_secret", SECRET, "--token", "tok-abcdefgh", "--encoding_aes_key", "aes-key-1234567890") == 0
    out = capsys.readouterr().out
    assert "added channel wechat (wechat)" in out and SECRET not in out and "tok-abcdefgh" not in out
    assert asyncio.run(_channels(config_path)) == {"wechat": ("wechat", {"app_id": "wx123456"})}
    secrets_file = data_dir(config_path) / "channel_secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert json.loads(secrets_file.read_text())["wechat"] == {
        "app_secret": SECRET, "token": "tok-abcdefgh", "encoding_aes_key": "aes-key-1234567890"}
    assert SECRET not in (data_dir(config_path) / "bot.sqlite3").read_bytes().decode("latin-1")

    assert run(config_path, "list_channels") == 0
    listing = capsys.readouterr().out
    assert "wx****89" in listing and SECRET not in listing and "wx123456" in listing
    assert run(config_path, "list_channels", "--json") == 0
    rows = json.loads(capsys.readouterr().out)["channels"]
    assert rows[0]["secrets"] == {"app_secret": "wx****89", "token": "to****gh", "encoding_aes_key": "ae****90"}


@pytest.mark.parametrize(
    ("argv", "stored"),
    [
        (["--type", "web", "--domain", "example.com", "--widget_id", "widget_123"],
         ("web", {"domain": "example.com", "widget_id": "widget_123"})),
        (["--type", "app", "--callback_url", "https://app.example.com/cb"],
         ("app", {"callback_url": "https://app.example.com/cb"})),
        (["--type", "phone", "--provider", "twilio"], ("phone", {"provider": "twilio"})),
        (["--type", "telegram", "--token", "123:abc-xyz", "--mode", "webhook"], ("telegram", {"mode": "webhook"})),
        (["--type", "wecom", "--corp_id", "ww1", "--agent_id", "1000002", "--secret", "s3cr3t-value"],
         ("wecom", {"corp_id": "ww1", "agent_id": "1000002"})),
        (["--type", "wechat_kf", "--corp_id", "ww2", "--secret", "s3cr3t-value"], ("wechat_kf", {"corp_id": "ww2"})),
    ],
)
def test_every_type_takes_its_seed_flags(config_path: Path, argv: list[str], stored: tuple[str, dict]) -> None:
    assert run(config_path, "add_channel", *argv) == 0
    assert asyncio.run(_channels(config_path)) == {stored[0]: stored}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--type", "fax"], "error: argument --type: invalid choice: 'fax' (choose from 'web', 'app', 'api', "
                            "'wechat', 'wecom', 'wechat_kf', 'telegram', 'phone')"),
        (["--type", "wechat", "--app_secret", "x"], "error: --app_id: required for --type wechat"),
        (["--type", "web", "--domain", "example.com"], "error: --widget_id: required for --type web"),
        (["--type", "phone"], "error: --provider: required for --type phone"),
        (["--type", "phone", "--provider", "nokia"], "error: --provider: Input should be 'alicloud' or 'twilio'"),
        (["--type", "web", "--domain", "a", "--widget_id", "b", "--app_secret", "x"],
         "error: --app_secret: not a setting of --type web"),
        (["--type", "telegram", "--token", "t", "--mode", "push"],
         "error: --mode: Input should be 'polling' or 'webhook'"),
    ],
)
def test_bad_flags_name_the_flag_and_write_nothing(
    config_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(config_path, "add_channel", *argv) == 2
    assert capsys.readouterr().err.strip() == message
    assert not data_dir(config_path).exists()  # neither the database nor the secrets file


@pytest.mark.parametrize(
    ("settings", "key"),
    [('{"api_key": "sekrit"}', "api_key"), ('{"AppSecret": "x"}', "AppSecret"),
     ('{"encoding_aes_key": "x"}', "encoding_aes_key"), ('{"appKey": "x"}', "appKey"),
     ('{"bot": {"token": "x"}}', "token"), ('{"password": "x"}', "password")],
)
def test_a_secret_in_settings_is_refused_and_nothing_is_written(
    config_path: Path, capsys: pytest.CaptureFixture[str], settings: str, key: str
) -> None:
    assert run(config_path, "add_channel", "--name", "wx", "--type", "web", "--domain", "example.com",
               "--widget_id", "w1", "--settings", settings) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"error: --settings: {key} is a secret; put it in config/service.yaml as ${{ENV_NAME}}")
    assert "sekrit" not in err
    assert not data_dir(config_path).exists()  # not even opened


def test_plain_settings_are_stored(config_path: Path) -> None:
    settings = '{"welcome_message": "hi", "keywords": ["退款"], "webhook_url": "https://example.com/hook"}'
    assert run(config_path, "add_channel", "--name", "wx", "--type", "app", "--settings", settings) == 0
    assert asyncio.run(_channels(config_path))["wx"] == ("app", {
        "welcome_message": "hi", "keywords": ["退款"], "webhook_url": "https://example.com/hook"})


def test_re_adding_replaces_the_secrets(config_path: Path) -> None:
    assert run(config_path, "add_channel", "--type", "wechat", "--app_id", "a", "--app_secret", "old-secret-1") == 0
    assert run(config_path, "add_channel", "--type", "wechat", "--app_id", "a", "--app_secret", "new-secret-2") == 0
    secrets = json.loads((data_dir(config_path) / "channel_secrets.json").read_text())
    assert secrets == {"wechat": {"app_secret": "new-secret-2"}}
