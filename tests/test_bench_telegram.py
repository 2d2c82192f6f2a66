"""`bench --telegram`: a tiny run of queued updates against a real service process polling the fake."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

from benchmarks.telegram import _sequences, render, run
from benchmarks.websockets import faq_questions
from bot.config import REPO_ROOT


def test_each_chat_asks_questions_whose_neighbours_have_different_answers() -> None:
    plan = _sequences(100, 7, faq_questions(REPO_ROOT / "knowledge" / "faq.json"))
    assert len(plan) == 7 and sum(len(s) for s in plan.values()) == 100
    assert all(a != b for seq in plan.values() for (_, a), (_, b) in pairwise(seq))


async def test_telegram_bench_small(tmp_path: Path) -> None:
    notes: list[str] = []
    report = await run(30, 3, progress=notes.append, workdir=tmp_path)
    assert report["first_problem"] is None, report["first_problem"]
    assert report["answers"] == report["updates"] == 30 and report["answers_per_update"] == 1.0
    assert report["chats_one_answer_each"] == report["chats_in_order"] == report["chats"] == 3
    assert report["all_answered_in_time"] and report["elapsed_seconds"] > 0
    assert report["meets_targets"] == {"one_answer_each": True, "order": True}
    assert report["service_exit_code"] == 0
    assert json.loads(json.dumps(report))["updates"] == 30
    assert "in the order asked" in render(report) and any("healthy" in n for n in notes)
