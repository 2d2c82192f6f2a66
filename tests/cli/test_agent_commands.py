"""add_agent prints a token once that then authenticates; update_customer validates; list_agents."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from bot.agents.directory import AgentDirectory
from bot.cli import main
from bot.config import load_settings
from bot.store.factory import open_store


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), *argv])


async def _resolve(config: Path, token: str) -> str | None:
    settings = load_settings(config, env={})
    store = await open_store(settings)
    try:
        agent = await AgentDirectory(settings, store).by_token(token)
        return agent.id if agent else None
    finally:
        await store.close()


async def _count(config: Path, table: str) -> int:
    store = await open_store(load_settings(config, env={}))
    try:
        row = await store.db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
        return row["n"]
    finally:
        await store.close()


def test_add_agent_prints_a_token_once_that_authenticates(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(config_path, "add_agent", "--agent_id", "alice", "--name", "Alice", "--skills", "refund,billing",
               "--languages", "zh,en", "--max_concurrent_chats", "3")
    out = capsys.readouterr().out
    assert code == 0
    tokens = re.findall(r"[A-Za-z0-9_-]{43,}", out)
    assert len(tokens) == 1 and out.count(tokens[0]) == 1
    assert asyncio.run(_resolve(config_path, tokens[0])) == "alice"
    assert asyncio.run(_resolve(config_path, tokens[0][:-1] + "x")) is None
    assert run(config_path, "list_agents", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["agents"]
    assert listed[0]["id"] == "alice" and listed[0]["max_concurrent_chats"] == 3
    assert tokens[0] not in json.dumps(listed)  # the token is never shown again


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--agent_id", "bad id", "--name", "X"], "--agent_id"),
        (["--agent_id", "a1", "--name", " "], "--name"),
        (["--agent_id", "a1", "--name", "X", "--languages", "中文"], "--languages"),
        (["--agent_id", "a1", "--name", "X", "--max_concurrent_chats", "0"], "--max_concurrent_chats"),
    ],
)
def test_add_agent_bad_input_is_one_line_exit_2(config_path: Path, capsys: pytest.CaptureFixture[str],
                                                argv: list[str], flag: str) -> None:
    assert run(config_path, "add_agent", *argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {flag}:") and "\n" not in err
    assert asyncio.run(_count(config_path, "agents")) == 0


def test_duplicate_agent_is_refused(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_path, "add_agent", "--agent_id", "alice", "--name", "Alice") == 0
    assert run(config_path, "add_agent", "--agent_id", "alice", "--name", "Again") == 2
    assert "already exists" in capsys.readouterr().err


def test_update_customer_creates_then_updates(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_path, "update_customer", "--customer_id", "c1", "--name", "张三", "--email", "z@example.com",
               "--phone", "13812345678", "--tags", "vip,老客户", "--total_orders", "3", "--total_spent", "99.9",
               "--last_purchase", "2024-05-01") == 0
    assert "created customer c1" in capsys.readouterr().out
    assert run(config_path, "update_customer", "--customer_id", "c1", "--total_orders", "4", "--json") == 0
    customer = json.loads(capsys.readouterr().out)["customer"]
    assert customer["total_orders"] == 4 and customer["tags"] == ["vip", "老客户"] and customer["name"] == "张三"


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--email", "nope"], "--email"),
        (["--phone", "abc"], "--phone"),
        (["--total_orders", "-2"], "--total_orders"),
        (["--total_orders", "two"], "--total_orders"),
        (["--total_spent", "nan"], "--total_spent"),
        (["--last_purchase", "2024/05/01"], "--last_purchase"),
    ],
)
def test_update_customer_bad_input(config_path: Path, capsys: pytest.CaptureFixture[str],
                                   argv: list[str], flag: str) -> None:
    assert run(config_path, "update_customer", "--customer_id", "c1", *argv) == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {flag}:")
    assert asyncio.run(_count(config_path, "customers")) == 0


def test_rotate_agent_token_replaces_the_old_token(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_path, "add_agent", "--agent_id", "carol", "--name", "Carol", "--json") == 0
    old = json.loads(capsys.readouterr().out)["token"]
    assert run(config_path, "rotate_agent_token", "--agent_id", "carol", "--json") == 0
    new = json.loads(capsys.readouterr().out)["token"]
    assert new != old
    assert asyncio.run(_resolve(config_path, old)) is None
    assert asyncio.run(_resolve(config_path, new)) == "carol"
    assert run(config_path, "rotate_agent_token", "--agent_id", "nobody") == 2
    assert "--agent_id" in capsys.readouterr().err
