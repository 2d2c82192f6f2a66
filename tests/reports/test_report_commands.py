"""stats, agent_performance and satisfaction_report on the command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.store.factory import open_store
from tests.reports.fixture import seed


def run(config: Path, *argv: str) -> int:
    return main(["--config", str(config), *argv])


async def _seed(config: Path) -> None:
    store = await open_store(load_settings(config, env={}))
    try:
        await seed(store.db)
    finally:
        await store.close()


@pytest.fixture
def seeded(config_path: Path) -> Path:
    asyncio.run(_seed(config_path))
    return config_path


# The CLI runs on the real clock, so these use a period long enough to hold the March 2025 fixture:
# all of it is in (C9, at the fixture's NOW, too).
LONG = "3650d"


def test_stats_json(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(seeded, "stats", "--period", LONG, "--json") == 0
    body = json.loads(capsys.readouterr().out)
    # all 9 conversations, 7 tickets; resolved T1 T2 T5 → 3
    assert body["volume"]["conversations"] == 9 and body["volume"]["tickets_created"] == 7
    assert body["volume"]["tickets_resolved"] == 3
    assert body["period"] == LONG and len(body["daily"]) == 3650
    for key in ("bot", "human", "ticket"):
        assert set(body["first_response"][key]) == {"count", "avg_seconds", "median_seconds", "p95_seconds"}
    assert set(body["sla"]) == {"response", "resolution"}


def test_stats_table(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(seeded, "stats", "--period", LONG) == 0
    out = capsys.readouterr().out
    for heading in ("Times", "Rates", "Tickets per agent", "Channels", "Intents", "Daily trend"):
        assert heading in out
    assert "bot containment" in out and "Alice" in out


@pytest.mark.parametrize("period", ["7", "0d", "abc", "99999d"])
def test_bad_period_exits_2_naming_the_flag(seeded: Path, period: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(seeded, "stats", "--period", period) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --period: ") and err.count("\n") == 1


def test_agent_performance(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(seeded, "agent_performance", "--agent_id", "a1", "--days", "3650", "--json") == 0
    body = json.loads(capsys.readouterr().out)
    # all time: Alice's tickets T1 T2 T6; episodes C7 C3 C5-transfer
    assert body["agent_id"] == "a1" and body["tickets_assigned"] == 3 and body["handoffs"] == 3
    assert run(seeded, "agent_performance", "--agent-id", "a1", "--days", "3650") == 0
    assert "Alice" in capsys.readouterr().out


def test_agent_performance_bad_input(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(seeded, "agent_performance", "--agent_id", "ghost") == 2
    assert capsys.readouterr().err == "error: --agent_id: no agent with id 'ghost'\n"
    assert run(seeded, "agent_performance", "--agent_id", "a1", "--days", "0") == 2
    assert capsys.readouterr().err.startswith("error: --days: ")
    with pytest.raises(SystemExit) as exit_:  # argparse rejects a non-number itself, naming the flag
        run(seeded, "agent_performance", "--agent_id", "a1", "--days", "x")
    assert exit_.value.code == 2 and "--days" in capsys.readouterr().err


def test_satisfaction_report(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(seeded, "satisfaction_report", "--days", "3650", "--json") == 0
    body = json.loads(capsys.readouterr().out)
    # all 7 ratings: 5 4 2 1 3 1 4 → 20/7 = 2.86
    assert body["csat"]["count"] == 7 and body["csat"]["average"] == 2.86
    assert set(body) == {"days", "start", "end", "csat", "by_agent", "by_channel", "low_ratings"}
    assert run(seeded, "satisfaction_report", "--days", "3650") == 0
    assert "Recent low ratings" in capsys.readouterr().out
    assert run(seeded, "satisfaction_report", "--days", "0") == 2


@pytest.mark.parametrize("argv", [("stats", "--json"), ("satisfaction_report", "--days", "7"), ("stats",)])
def test_reports_on_a_new_data_dir_write_nothing(
    config_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    data = load_settings(config_path, env={}).data_dir
    assert run(config_path, *argv) == 0
    out, err = capsys.readouterr()
    assert "no data yet" in err
    if "--json" in argv:
        assert json.loads(out)  # still the usual document, with zeros
    assert not data.exists()  # a read-only command creates no database


def test_agent_performance_on_a_new_data_dir_names_the_agent(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config_path, "agent_performance", "--agent_id", "alice") == 2
    assert "no agent with id 'alice'" in capsys.readouterr().err
    assert not (load_settings(config_path, env={}).data_dir).exists()
