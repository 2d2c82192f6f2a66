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
