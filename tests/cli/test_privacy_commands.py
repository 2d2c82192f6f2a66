"""privacy_audit lists who did what with a customer's data (the erased customer's too);
set_consent records an opt-in or opt-out per channel. Bad input is one line naming the flag, exit 2."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.customers.privacy import CustomerData
from bot.customers.service import CustomerService, CustomerUpdate
from bot.store.factory import open_store


@pytest.fixture(autouse=True)
def _local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_CLI_LOCAL", "1")  # never a live service of some other test


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), *argv])


async def _customer_revealed_by(config: Path, customer_id: str, agent_id: str) -> None:
    store = await open_store(load_settings(config, env={}))
    try:
        await CustomerService(store).upsert(customer_id, CustomerUpdate(phone="13812345678"))
        await CustomerData(store).reveal(customer_id, "phone", agent_id)
    finally:
        await store.close()


def test_privacy_audit_shows_who_saw_what_and_when(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_customer_revealed_by(config_path, "c-90", "alice"))
    capsys.readouterr()
    assert run(config_path, "privacy_audit", "--customer_id", "c-90", "--json") == 0
    trail = json.loads(capsys.readouterr().out)
    [event] = trail["events"]
    assert (event["kind"], event["actor"], event["detail"]) == ("revealed", "alice", {"field": "phone", "empty": False})
    assert run(config_path, "privacy_audit", "--customer_id", "c-90") == 0
    out = capsys.readouterr().out
    assert "revealed" in out and "alice" in out and "field=phone" in out and "13812345678" not in out


def test_privacy_audit_bad_input(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_path, "privacy_audit", "--customer_id", "nobody") == 2
    assert capsys.readouterr().err.strip() == "error: --customer_id: customer nobody not found"
    assert run(config_path, "privacy_audit", "--customer_id", "c-1", "--limit", "0") == 2
    assert capsys.readouterr().err.startswith("error: --limit:")


async def _profile(config: Path, customer_id: str) -> None:
    store = await open_store(load_settings(config, env={}))
    try:
        await CustomerService(store).upsert(customer_id, CustomerUpdate(name="Ann"))
    finally:
        await store.close()


def test_set_consent_records_opt_in_and_out(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_profile(config_path, "c-91"))
    capsys.readouterr()
    assert run(config_path, "set_consent", "--customer_id", "c-91", "--channel", "sms", "--status", "opt_in",
               "--source", "paper form") == 0
    assert "opt_in on sms (source paper form" in capsys.readouterr().out
    assert run(config_path, "set_consent", "--customer_id", "c-91", "--channel", "sms", "--status", "opt_out",
               "--json") == 0
    body = json.loads(capsys.readouterr().out)
    assert body["consent"]["sms"]["status"] == "opt_out" and body["consent"]["sms"]["source"] == "cli"


def test_set_consent_bad_input_names_the_flag(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_profile(config_path, "c-92"))
    capsys.readouterr()
    base = ("set_consent", "--customer_id", "c-92", "--channel", "sms")
    with pytest.raises(SystemExit) as exit_:  # argparse's choices: one line, exit code 2
        run(config_path, *base, "--status", "yes")
    assert exit_.value.code == 2 and "argument --status: invalid choice" in capsys.readouterr().err
    assert run(config_path, "set_consent", "--customer_id", "c-92", "--channel", "s m s", "--status", "opt_in") == 2
    assert capsys.readouterr().err.startswith("error: --channel:")
    assert run(config_path, *base, "--status", "opt_in", "--source", " ") == 2
    assert capsys.readouterr().err.startswith("error: --source:")
    assert run(config_path, "set_consent", "--customer_id", "nobody", "--channel", "sms", "--status", "opt_in") == 2
    assert capsys.readouterr().err.strip() == "error: --customer_id: customer nobody not found"
