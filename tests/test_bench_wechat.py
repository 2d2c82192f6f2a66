"""`bench --wechat`: a tiny run against a real service process and the fake WeChat API."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.wechat import render, run


async def test_wechat_bench_small(tmp_path: Path) -> None:
    notes: list[str] = []
    report = await run(10, 3, retry_after=0.2, progress=notes.append, workdir=tmp_path)
    assert [v["variant"] for v in report["variants"]] == ["after_timeout", "concurrent"]
    for v in report["variants"]:
        assert v["first_error"] is None, v["first_error"]
        assert v["distinct_msg_ids"] == 10 and v["requests"] == 40 and v["errors"] == 0
        assert v["passive_replies"] + v["success_replies"] == 40
        assert v["answers"] == v["distinct_msg_ids"] and v["answers_equal_msg_ids"]
        assert v["unanswered_msg_ids"] == v["answered_twice_msg_ids"] == 0
        assert 0 < v["p50_ms"] <= v["p95_ms"] <= v["p99_ms"] <= v["max_ms"]
    timed = report["variants"][0]
    assert timed["passive_replies"] == 10 and timed["faq_passive_answers"] == 10  # fast: all passive, FAQ
    assert report["p99_ms"] == timed["p99_ms"] and set(report["meets_targets"]) == {"p99", "answers"}
    assert report["meets_targets"]["answers"] and report["service_exit_code"] == 0
    assert json.loads(json.dumps(report))["messages"] == 10
    assert "answers" in render(report) and any("healthy" in n for n in notes)


def test_wechat_bench_rejects_bad_retries(config_path: Path, capsys) -> None:
    from bot.cli import main

    assert main(["--config", str(config_path), "bench", "--wechat", "--retries", "11"]) == 2
    assert "--retries" in capsys.readouterr().err
