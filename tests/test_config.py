from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.conftest import write_project

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config" / "service.yaml"


def test_shipped_config_is_valid_and_needs_no_secrets() -> None:
    settings = load_settings(REPO_CONFIG, env={})
    assert settings.storage.backend == "sqlite"
    assert settings.ai.provider == "none"
    assert settings.server.api_token is None  # generated on first start
    assert settings.channel_enabled("api") and not settings.channel_enabled("wechat")
    assert settings.data_dir == REPO_CONFIG.parents[1] / "data"


def test_env_references_and_overrides(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"ai": {"provider": "openai", "api_key": "${MY_KEY}"}})
    env = {"MY_KEY": "sk-test", "BOT_DATA_DIR": str(tmp_path / "elsewhere"), "BOT_API_TOKEN": "tok"}
    settings = load_settings(path, env=env)
    assert settings.ai.api_key == "sk-test"
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.server.api_token == "tok"


def test_unset_env_reference_means_not_configured(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"ai": {"api_key": "${NOT_SET_ANYWHERE}"}})
    assert load_settings(path, env={}).ai.api_key is None


def test_bot_config_env_selects_the_file(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"server": {"port": 9123}})
    assert load_settings(None, env={"BOT_CONFIG": str(path)}).server.port == 9123


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"knowledge_base": {"similarity_threshold": "high"}}, "knowledge_base.similarity_threshold"),
        ({"knowledge_base": {"similarity_threshold": 1.5}}, "knowledge_base.similarity_threshold"),
        ({"tickets": {"sla_response_tme": 60}}, "tickets.sla_response_tme: unknown key"),
        ({"server": {"port": 70000}}, "server.port"),
        ({"agents": {"online_hours": "9-18"}}, "agents.online_hours"),
        ({"storage": {"backend": "postgres"}}, "postgres_dsn is required"),
        ({"privacy": {"retention_days": -1}}, "privacy.retention_days: Input should be greater than or equal to 1"),
        ({"privacy": {"retention_days": 0}}, "privacy.retention_days: Input should be greater than or equal to 1"),
        ({"privacy": {"retention_days": "forever"}}, "privacy.retention_days"),
        ({"privacy": {"mask_for_agents": "sometimes"}}, "privacy.mask_for_agents"),
    ],
)
def test_bad_values_name_the_key_path(tmp_path: Path, override: dict, message: str) -> None:
    path = write_project(tmp_path, override)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    path = write_project(tmp_path)
    path.write_text("server:\n  port: 80\n  host: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"service\.yaml:\d+:\d+: invalid YAML"):
        load_settings(path, env={})


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml", env={})


def test_unknown_sla_override_key_names_its_path(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"tickets": {"sla_overrides": {"urgent": {"sla_respons_time": 60}}}})
    with pytest.raises(ConfigError, match=r"tickets\.sla_overrides\.urgent\.sla_respons_time"):
        load_settings(path, env={})


def test_the_pre_seed_channel_shape_is_still_read(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"channels": {
        "wechat": {"enabled": True, "settings": {"app_id": "wx1", "app_secret": "s", "token": "t"}},
        "telegram": {"enabled": False, "settings": {"bot_token": "123:abc"}},
    }})
    channels = load_settings(path, env={}).channels
    assert (channels.wechat.app_id, channels.wechat.token) == ("wx1", "t")
    assert channels.telegram.token == "123:abc"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"channels": {"fax": {"enabled": True}}}, "channels.fax: unknown key"),
        ({"channels": {"wechat": {"appid": "x"}}}, "channels.wechat.appid: unknown key"),
        ({"channels": {"phone": {"provider": "nokia"}}}, "channels.phone.provider"),
        ({"channels": {"telegram": {"mode": "push"}}}, "channels.telegram.mode"),
        ({"ai": {"provider": "gemini"}}, "ai.provider"),
        ({"notifications": {"channels": ["pager"]}}, "notifications.channels.0"),
        ({"notifications": {"new_ticket": "sometimes"}}, "notifications.new_ticket"),
        ({"knowledge_base": {"enabled": "maybe"}}, "knowledge_base.enabled"),
    ],
)
def test_seed_keys_are_typed(tmp_path: Path, override: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_settings(write_project(tmp_path, override), env={})


def test_shipped_config_has_the_seed_shape() -> None:
    import yaml

    raw = yaml.safe_load(REPO_CONFIG.read_text(encoding="utf-8"))
    assert set(raw["channels"]["wechat"]) == {"enabled", "app_id", "app_secret", "token", "encoding_aes_key"}
    assert {"domain", "widget_id"} <= set(raw["channels"]["web"]) and "provider" in raw["channels"]["phone"]
    assert {"new_ticket", "urgent_ticket", "new_message", "channels"} <= set(raw["notifications"])
    assert "enabled" in raw["knowledge_base"]


def test_retention_is_off_unless_set(tmp_path: Path) -> None:
    def days(override: dict) -> int | None:
        return load_settings(write_project(tmp_path, override), env={}).privacy.retention_days

    assert days({}) is None and days({"privacy": {"retention_days": None}}) is None
    assert days({"privacy": {"retention_days": 30}}) == 30


def test_agents_read_pii_masked_unless_turned_off(tmp_path: Path) -> None:
    assert load_settings(write_project(tmp_path), env={}).privacy.mask_for_agents is True
    off = write_project(tmp_path, {"privacy": {"mask_for_agents": False}})
    assert load_settings(off, env={}).privacy.mask_for_agents is False
