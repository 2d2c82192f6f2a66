"""export_customer writes one JSON document (stdout, or --out with mode 0600); delete_customer
erases, twice without harm; an unknown customer is one line and exit code 2."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.conversation.model import MessageRecord
from bot.customers.service import CustomerService, CustomerUpdate
from bot.store.factory import open_store

SECRET = "地址是幸福路 12 号"


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_CLI_LOCAL", "1")  # never a live service of some other test


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), *argv])


async def _seed(config: Path, customer_id: str) -> None:
    store = await open_store(load_settings(config, env={}))
    try:
        await CustomerService(store).upsert(customer_id, CustomerUpdate(name="王五", email="w@example.com"))
        conv = await store.conversations.create(customer_id, "web", "zh")
        await store.messages.add_message(MessageRecord(conv.id, "in", "customer", SECRET))
    finally:
        await store.close()


async def _texts(config: Path) -> list[str]:
    store = await open_store(load_settings(config, env={}))
    try:
        return [r["text"] for r in await store.db.fetchall("SELECT text FROM messages")]
    finally:
        await store.close()


def test_export_prints_the_document_or_writes_it_0600(config_path: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_seed(config_path, "c-77"))
    capsys.readouterr()  # the seeding's own log lines
    assert run(config_path, "export_customer", "--customer_id", "c-77") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["profile"]["name"] == "王五" and doc["conversations"][0]["messages"][0]["text"] == SECRET
    out = tmp_path / "c-77.json"
    out.write_text("old")
    out.chmod(0o644)
    assert run(config_path, "export_customer", "--customer_id", "c-77", "--out", str(out)) == 0
    assert "exported customer c-77" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text(encoding="utf-8")) | {"exported_at": None} == doc | {"exported_at": None}


def test_unknown_customer_is_one_line_exit_2(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("export_customer", "delete_customer"):
        assert run(config_path, command, "--customer_id", "nobody") == 2
        err = capsys.readouterr().err.strip()
        assert err == "error: --customer_id: customer nobody not found"
    assert run(config_path, "export_customer", "--customer_id", "bad id") == 2
    assert capsys.readouterr().err.startswith("error: --customer_id:")


def test_delete_erases_then_is_idempotent(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_seed(config_path, "c-78"))
    capsys.readouterr()
    assert run(config_path, "delete_customer", "--customer_id", "c-78", "--json") == 0
    body = json.loads(capsys.readouterr().out)
    assert body["status"] == "erased" and body["counts"]["messages"] == 1
    assert asyncio.run(_texts(config_path)) == [""]
    assert run(config_path, "delete_customer", "--customer_id", "c-78") == 0
    assert "already erased" in capsys.readouterr().out
    assert run(config_path, "export_customer", "--customer_id", "c-78") == 2


async def _age_and_close(config: Path, days: int) -> None:
    store = await open_store(load_settings(config, env={}))
    try:
        ts = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")
        await store.db.execute("UPDATE conversations SET state = 'closed', closed_at = ?1, last_message_at = ?1", (ts,))
    finally:
        await store.close()


def test_purge_expired_counts_with_dry_run_then_purges_once(config_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_seed(config_path, "c-old"))
    asyncio.run(_age_and_close(config_path, 40))
    capsys.readouterr()
    assert run(config_path, "purge_expired", "--days", "30", "--dry-run", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["dry_run"] and doc["due"] == {"conversations": 1, "messages": 1} and doc["purged"] == {}
    assert asyncio.run(_texts(config_path)) == [SECRET]
    assert run(config_path, "purge_expired", "--days", "30") == 0
    assert "purged 1 conversations" in capsys.readouterr().out
    assert asyncio.run(_texts(config_path)) == [""]
    assert run(config_path, "purge_expired", "--days", "30", "--json") == 0
    assert json.loads(capsys.readouterr().out)["purged"] == {}


def test_purge_expired_needs_retention_or_days(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_path, "purge_expired") == 2
    assert "privacy.retention_days: not set" in capsys.readouterr().err
    assert run(config_path, "purge_expired", "--days", "0") == 2
    assert capsys.readouterr().err.strip() == "error: --days: must be at least 1"
