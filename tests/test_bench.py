from __future__ import annotations

import json
from pathlib import Path

from benchmarks.kb_data import generate_faqs, generate_messages
from benchmarks.runner import run_bench
from bot.kb.faq_file import parse_entries


def test_synthetic_kb_is_valid_and_deterministic() -> None:
    faqs = generate_faqs(500, seed=3)
    assert [f.entry for f in faqs] == [f.entry for f in generate_faqs(500, seed=3)]
    entries = parse_entries({"faqs": [f.entry for f in faqs]}, "bench")  # the documented format
    assert len({e.question for e in entries}) == 500
    assert {e.language for e in entries} == {"zh", "en"}
    assert all(1 <= len(e.similar_questions) <= 2 for e in entries)
    assert all(f.held_out not in f.entry["similar_questions"] for f in faqs)
    messages = generate_messages(faqs, 1000, seed=3)
    assert messages == generate_messages(faqs, 1000, seed=3)
    known = {t for e in entries for t in e.texts} | {f.held_out for f in faqs}
    unknown = sum(m not in known for m in messages)
    assert 50 <= unknown <= 150  # ~10% off-topic


async def test_bench_end_to_end_small(tmp_path: Path) -> None:
    notes: list[str] = []
    report = await run_bench(None, messages=300, concurrency=8, kb_size=200, progress=notes.append, workdir=tmp_path)
    assert report.errors == 0, report.first_error
    assert report.msgs_per_s > 0 and report.echo_msgs_per_s > 0 and report.ratio > 0
    assert report.echo_errors == 0
    assert report.clean_exit, f"service exit code {report.service_exit_code}"
    assert 0 < report.p50_ms <= report.p95_ms <= report.p99_ms
    assert report.startup_seconds > 0 and report.peak_rss_mb >= report.startup_rss_mb > 0
    assert sum(report.routes.values()) == 300  # every answered message has a route
    assert json.loads(json.dumps(report.as_dict()))["kb_size"] == 200
    assert "msg/s" in report.render_text()
    assert any("healthy" in n for n in notes)


def test_bench_search_reports_latency_percentiles(config_path: Path, capsys) -> None:
    from bot.cli import main

    code = main(["--config", str(config_path), "bench", "--search", "--kb-size", "200", "--messages", "30", "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads(out)
    assert report["entries"] == 200 and report["queries"] == 30
    for stage in ("search", "language_sentiment_intent", "pipeline"):
        assert 0 < report[stage]["p50_ms"] <= report[stage]["p95_ms"] <= report[stage]["p99_ms"]
    assert report["pipeline"]["p50_ms"] >= report["search"]["p50_ms"]


def test_bench_search_first_stage_only_says_so(config_path: Path, capsys) -> None:
    from bot.cli import main

    code = main(["--config", str(config_path), "bench", "--search", "--first-stage-only", "--kb-size", "50",
                 "--messages", "20"])
    assert code == 0
    assert "first stage only" in capsys.readouterr().out


def test_bench_rejects_a_tiny_kb(config_path: Path, capsys) -> None:
    from bot.cli import main

    assert main(["--config", str(config_path), "bench", "--search", "--kb-size", "3"]) == 2
    assert "--kb-size" in capsys.readouterr().err
