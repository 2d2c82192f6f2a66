"""`bench --websockets`: a tiny run against a real service process (figures, not timings)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.websockets import faq_questions, render, run
from bot.config import REPO_ROOT


def test_questions_come_from_the_shipped_faq_with_their_answers() -> None:
    questions = faq_questions(REPO_ROOT / "knowledge" / "faq.json")
    assert len(questions) >= 30 and all(q and answers for q, answers in questions)
    assert "转人工" not in {q for q, _ in questions}  # a handoff, not a bot answer
    assert questions == faq_questions(REPO_ROOT / "knowledge" / "faq.json")  # deterministic order


async def test_websockets_bench_small(tmp_path: Path) -> None:
    notes: list[str] = []
    report = await run(20, 5, rounds=2, think=0.05, progress=notes.append, workdir=tmp_path)
    assert report["first_error"] is None, report["first_error"]
    assert report["opened"] == report["alive_after_open"] == report["still_open"] == 20
    assert report["open_errors"] == report["reply_errors"] == report["server_error_frames"] == 0
    assert report["chatting"] == 5 and report["messages"] == 10
    assert report["answered"] == report["faq_answers"] == 10  # the bot answered from the FAQ
    assert 0 < report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"] <= report["max_ms"]
    assert report["rss_idle_mb"] > 0 and "rss_per_session_kb" in report
    assert set(report["meets_targets"]) == {"rss_per_session", "p99"}
    assert report["service_exit_code"] == 0
    assert json.loads(json.dumps(report))["sessions"] == 20
    assert "KB a session" in render(report) and any("healthy" in n for n in notes)


def test_websockets_bench_rejects_more_chatting_than_sockets(config_path: Path, capsys) -> None:
    from bot.cli import main

    assert main(["--config", str(config_path), "bench", "--websockets", "10", "--chatting", "11"]) == 2
    assert "--chatting" in capsys.readouterr().err
