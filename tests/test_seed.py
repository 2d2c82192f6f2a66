"""The seed's examples, verbatim: its config sample, its FAQ file shape and its CLI lines."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import create_app
from bot.cli import main
from bot.cli.service_commands import startup_lines
from bot.config import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[1]
TOKEN = "seed-admin-token-0123456789"

SEED_CONFIG = """\
server:
  host: "0.0.0.0"
  port: 8080
channels:
  wechat:
    enabled: true
    app_id: "your_app_id"
    app_secret: "your_app_secret"
    token: "your_token"
    encoding_aes_key: "your_aes_key"
  web:
    enabled: true
    domain: "example.com"
    widget_id: "widget_123"
  phone:
    enabled: false
    provider: "alicloud"
ai:
  provider: "anthropic"
  model: "claude-3-5-sonnet-20241022"
  temperature: 0.7
  max_tokens: 1000
knowledge_base:
  enabled: true
  faq_file: "knowledge/faq.json"
  similarity_threshold: 0.8
tickets:
  auto_create: true
  auto_assign: true
  sla_response_time: 3600
  sla_resolution_time: 86400
agents:
  max_concurrent_chats: 5
  online_hours: "09:00-18:00"
notifications:
  new_ticket: true
  urgent_ticket: true
  new_message: false
  channels: [feishu, email]
"""
SHIPPING_Q = "发货需要多长时间？"


def shipped_faq() -> dict:
    data = json.loads((REPO / "knowledge" / "faq.json").read_text(encoding="utf-8"))
    assert list(data) == ["faq"], "the shipped FAQ file is in the seed's {'faq': [...]} shape"
    return data


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    """A project folder holding the seed's config and the shipped FAQ file; returns the config path."""
    (tmp_path / "config").mkdir()
    (tmp_path / "knowledge").mkdir()
    shutil.copy(REPO / "knowledge" / "faq.json", tmp_path / "knowledge" / "faq.json")
    path = tmp_path / "config" / "service.yaml"
    path.write_text(SEED_CONFIG, encoding="utf-8")
    return path


def env_for(seed: Path) -> dict[str, str]:
    return {"BOT_API_TOKEN": TOKEN, "BOT_DATA_DIR": str(seed.parents[1] / "data")}


def test_the_seed_config_loads_as_written(seed: Path) -> None:
    s = load_settings(seed, env={})
    assert (s.server.host, s.server.port) == ("0.0.0.0", 8080)
    assert s.channels.wechat.enabled and s.channels.wechat.app_id == "your_app_id"
    assert s.channels.wechat.encoding_aes_key == "your_aes_key"
    assert (s.channels.web.domain, s.channels.web.widget_id) == ("example.com", "widget_123")
    assert s.channels.phone.provider == "alicloud" and not s.channels.phone.enabled
    assert (s.ai.provider, s.ai.model, s.ai.temperature, s.ai.max_tokens) == (
        "anthropic", "claude-3-5-sonnet-20241022", 0.7, 1000)
    assert s.ai.base_url == "https://api.anthropic.com/v1/"
    assert s.knowledge_base.enabled and s.knowledge_base.similarity_threshold == 0.8
    assert s.agents.online_hours == "09:00-18:00"
    n = s.notifications
    assert (n.new_ticket, n.urgent_ticket, n.new_message, n.channels) == (True, True, False, ("feishu", "email"))


def test_the_seed_config_starts_with_one_line_per_thing_it_cannot_do(seed: Path) -> None:
    lines = startup_lines(load_settings(seed, env={}))
    assert lines == [
        "channel api: connected (POST /api/message)",
        "channel web: connected (GET /widget.js, GET /chat, WebSocket /ws/chat)",
        "channel app: connected (WebSocket /ws/app with an app key (add_channel --type app), POST /api/message)",
        "channel wechat: not connected (channels.wechat: app_id, app_secret, token unset or placeholder)",
        "LLM: off (ai.provider anthropic has no API key (set ANTHROPIC_API_KEY or ai.api_key)); "
        "answers come from the FAQ and fallbacks",
        "notifications: feishu not configured (set notifications.feishu_webhook); notifications are logged",
        "notifications: email not configured (set notifications.email.enabled and recipients); "
        "notifications are logged",
    ]  # phone is disabled: nothing to say about it


def test_an_anthropic_key_from_the_environment_turns_the_llm_on(seed: Path) -> None:
    s = load_settings(seed, env={"ANTHROPIC_API_KEY": "sk-ant-test"})
    assert s.ai.enabled and s.ai.api_key == "sk-ant-test"
    assert "LLM: anthropic claude-3-5-sonnet-20241022" in startup_lines(s)


async def test_the_seed_question_gets_the_faq_answer(seed: Path) -> None:
    settings = load_settings(seed, env=env_for(seed))
    answer = next(e for e in shipped_faq()["faq"] if e["question"] == SHIPPING_Q)
    async with TestClient(TestServer(create_app(settings))) as client:
        resp = await client.post("/api/message", headers={"Authorization": f"Bearer {TOKEN}"},
                                 json={"channel": "web", "customer_id": "c-seed", "message": SHIPPING_Q})
        body = await resp.json()
    assert resp.status == 200, body
    assert body["route"] == "faq" and body["faq"]["id"] == answer["id"], body
    expected = answer.get("answer") or answer["answers"]["zh"]
    assert body["replies"][0]["text"] == expected


def _without_kb(seed: Path) -> Path:
    text = SEED_CONFIG.replace("knowledge_base:\n  enabled: true", "knowledge_base:\n  enabled: false")
    assert text != SEED_CONFIG
    seed.write_text(text, encoding="utf-8")
    return seed


async def test_knowledge_base_disabled_means_no_faq_answers(seed: Path) -> None:
    settings = load_settings(_without_kb(seed), env=env_for(seed))
    async with TestClient(TestServer(create_app(settings))) as client:
        resp = await client.post("/api/message", headers={"Authorization": f"Bearer {TOKEN}"},
                                 json={"channel": "web", "customer_id": "c-seed", "message": SHIPPING_Q})
        body = await resp.json()
    assert resp.status == 200 and body["route"] != "faq" and body["faq"] is None, body


def test_a_wrong_type_names_the_key_path_in_one_line(seed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed.write_text(SEED_CONFIG.replace("port: 8080", 'port: "eighty"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"server\.port: Input should be a valid integer"):
        load_settings(seed, env={})
    assert main(["--config", str(seed), "list_tickets"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "server.port" in err


def test_an_unknown_seed_key_still_stops_the_start(seed: Path) -> None:
    seed.write_text(SEED_CONFIG.replace('    widget_id: "widget_123"', '    widget_id: "widget_123"\n    colour: red'),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"channels\.web\.colour: unknown key"):
        load_settings(seed, env={})


def test_the_seed_cli_lines(seed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for k, v in env_for(seed).items():
        monkeypatch.setenv(k, v)
    cfg = ["--config", str(seed)]
    assert main([*cfg, "add_channel", "--type", "wechat", "--app_id", "wx-app-001", "--app_secret",
                 "wx-secret-abcdef"]) == 0
    assert main([*cfg, "add_channel", "--type", "web", "--domain", "example.com", "--widget_id", "widget_123"]) == 0
    capsys.readouterr()
    assert main([*cfg, "list_channels", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    by_name = {c["name"]: c for c in listed["channels"]}
    assert by_name["wechat"]["settings"] == {"app_id": "wx-app-001"}
    assert by_name["wechat"]["secrets"] == {"app_secret": "wx****ef"}
    assert by_name["web"]["settings"] == {"domain": "example.com", "widget_id": "widget_123"}

    assert main([*cfg, "create_ticket", "--customer_id", "c-1001", "--title", "退款未到账", "--json"]) == 0
    ticket_id = json.loads(capsys.readouterr().out)["id"]
    assert main([*cfg, "close_ticket", "--ticket_id", ticket_id, "--resolution", "已成功退款"]) == 0
    capsys.readouterr()
    assert main([*cfg, "show_ticket", "--ticket_id", ticket_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "closed" and shown["resolution"] == "已成功退款"
    assert [e["comment"] for e in shown["events"] if e["kind"] == "resolution"] == ["已成功退款"]
    assert main([*cfg, "show_ticket", "--ticket_id", ticket_id]) == 0
    assert "resolution: 已成功退款" in capsys.readouterr().out


async def test_the_closed_ticket_shows_its_resolution_over_http(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in env_for(seed).items():
        monkeypatch.setenv(k, v)
    cfg = ["--config", str(seed)]
    settings = load_settings(seed)
    async with TestClient(TestServer(create_app(settings))) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        resp = await client.post("/api/tickets", headers=headers, json={"customer_id": "c-2", "title": "退款"})
        ticket_id = (await resp.json())["id"]
        # The CLI writes through its own connection, as an operator's would.
        argv = [*cfg, "close_ticket", "--ticket_id", ticket_id, "--resolution", "已成功退款"]
        assert await asyncio.to_thread(main, argv) == 0
        body = await (await client.get(f"/api/tickets/{ticket_id}", headers=headers)).json()
    assert body["status"] == "closed" and body["resolution"] == "已成功退款", body


def _run_bot(seed: Path, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_for(seed)}
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "BOT_CONFIG"):
        env.pop(key, None)
    return subprocess.run([sys.executable, str(REPO / "run_bot.py"), "--config", str(seed), *argv],
                          capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO)


@pytest.mark.parametrize(("content", "problem"), [(None, "cannot read"), ('{"faq": [{"id": "x"}]', "invalid JSON")])
def test_a_missing_or_malformed_faq_file_stops_the_start_in_one_line(seed: Path, content: str | None,
                                                                      problem: str) -> None:
    faq = seed.parents[1] / "knowledge" / "faq.json"
    if content is None:
        faq.unlink()
    else:
        faq.write_text(content, encoding="utf-8")
    with socket.socket() as sock:  # a free port, in case the start got as far as serving (it must not)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = _run_bot(seed, "start", "--host", "127.0.0.1", "--port", str(port), timeout=30)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: knowledge_base.faq_file: {faq}") and problem in last, done.stderr


def test_the_seed_close_ticket_line_as_a_command(seed: Path) -> None:
    created = _run_bot(seed, "create_ticket", "--customer_id", "c-9", "--title", "退款", "--json")
    ticket_id = json.loads(created.stdout)["id"]
    closed = _run_bot(seed, "close_ticket", "--ticket_id", ticket_id, "--resolution", "已成功退款")
    assert closed.returncode == 0 and f"closed {ticket_id}" in closed.stdout, closed.stderr
    bad = _run_bot(seed, "add_channel", "--type", "pager")
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: argument --type: invalid choice: 'pager'")
