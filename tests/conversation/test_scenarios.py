"""`eval dialogue`: scenarios played through the whole service, pass and fail reported per turn."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import Settings
from bot.conversation.scenarios.runner import evaluate_dialogue

SCENARIOS = {
    "every_turn": {"reply_not_contains": ["refund_request"]},
    "scenarios": [
        {"name": "how-to answered, then a form cancelled", "tags": ["faq", "form"], "turns": [
            {"say": "如何申请退款", "expect": {"route": "faq", "faq": "faq_001", "state": "bot", "no_ticket": True}},
            {"say": "我要退款", "expect": {"route": "collect", "state": "collecting", "reply_contains": "订单号"}},
            {"say": "算了", "expect": {"state": "bot", "no_ticket": True}},
        ]},
        {"name": "deliberately wrong", "tags": ["faq"], "note": "expects the invoice entry", "turns": [
            {"say": "如何申请退款", "expect": {"route": "handoff", "faq": "faq_003"}},
            {"say": "never reached", "expect": {"route": "faq"}},
        ]},
        {"name": "rated after the agent closed the chat", "tags": ["rating"], "turns": [
            {"say": "转人工", "expect": {"route": "handoff", "state": "queued", "no_ticket": False}},
            {"event": "agent_closes", "expect": {"state": "rating", "reply_contains": "打分"}},
            {"say": "五星", "expect": {"state": "closed", "no_ticket": True, "reply_contains": "5 分"}},
        ]},
        {"name": "tapping a button nobody offered", "turns": [
            {"say": "你好", "expect": {"route": "smalltalk"}},
            {"tap": "转人工"},
        ]},
    ],
}


async def test_scenarios_run_through_the_service_and_failures_name_turn_and_check(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "scenarios.yaml"
    path.write_text(yaml.safe_dump(SCENARIOS, allow_unicode=True), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    report = await evaluate_dialogue(path, settings, progress=lambda done, total: seen.append((done, total)))

    assert [r.passed for r in report.results] == [True, False, True, False]
    assert report.pass_rate == 0.5 and seen[-1] == (4, 4)
    wrong = report.results[1]
    bad = wrong.failed_turn
    assert bad is not None and bad.index == 1 and len(wrong.turns) == 1  # stopped at the failing turn
    assert [(m.check, m.expected, m.actual) for m in bad.mismatches] == [
        ("route", "handoff", "faq"), ("faq", "faq_003", "faq_001")]
    tapped = report.results[3].failed_turn
    assert tapped is not None and tapped.index == 2 and tapped.mismatches[0].check == "turn"
    assert "no button '转人工' offered" in tapped.mismatches[0].actual

    text = report.render_text()
    assert "pass rate 50.0% (2 of 4 scenarios passed)" in text
    assert "by tag: faq 1/2, form 1/1, rating 1/1" in text
    assert "✗ deliberately wrong [faq]: turn 1 of 2: 如何申请退款" in text
    assert "faq: expected faq_003; got faq_001" in text and "note: expects the invoice entry" in text
    assert "how-to answered" not in text  # passing scenarios are counted, not listed
    # The throw-away service left nothing in the configured data directory.
    assert not (settings.data_dir / "bot.sqlite3").exists()
