"""insight_report on the command line and GET /api/reports/insight: JSON or the offline HTML page,
bad input named (exit code 2 / 400), admin only (an agent token is 403); and bench --insight."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from benchmarks.insight import run_insight_bench
from bot.api.keys import SERVICES
from bot.cli import main
from bot.config import load_settings
from bot.store.factory import open_store
from tests.conftest import auth
from tests.reports.insight_fixture import SAID_PHONE, seed

LONG = "3650"  # the CLI runs on the real clock: enough days to hold the March 2025 fixture


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


def test_json_to_stdout_and_html_to_a_file(seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(seeded, "insight_report", "--days", LONG, "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["report"] == "customer-insight/1" and doc["totals"]["tickets"]["count"] == 5
    assert doc["repeat_contacts"]["repeat_customers"] == 1 and doc["unanswered"]["turns"] == 7
    out = tmp_path / "insight.html"
    assert run(seeded, "insight_report", "--days", LONG, "--format", "html", "--out", str(out)) == 0
    assert f"to {out}" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<svg" in html and "Unanswered questions" in html
    assert SAID_PHONE not in html and (out.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(("argv", "flag"), [(["--days", "0"], "--days"), (["--days", "x"], "--days"),
                                             (["--format", "pdf"], "--format"), (["--top", "0"], "--top"),
                                             (["--repeat-within", "400"], "--repeat-within")])
def test_bad_input_is_one_line_naming_the_flag(config_path: Path, capsys: pytest.CaptureFixture[str],
                                               argv: list[str], flag: str) -> None:
    try:
        code = run(config_path, "insight_report", *argv)
    except SystemExit as exc:  # argparse's own checks (type, choices)
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2 and flag in err and len(err.splitlines()) == 1


async def test_the_api_serves_json_and_html_to_the_admin_only(client: TestClient) -> None:
    services = client.server.app[SERVICES]
    await seed(services.store.db)
    resp = await client.get("/api/reports/insight", params={"days": LONG}, headers=auth())
    assert resp.status == 200
    doc = await resp.json()
    assert doc["tickets"]["top_customers"][0]["customer"] == "13****11"
    page = await client.get("/api/reports/insight", params={"days": LONG, "format": "html"}, headers=auth())
    assert page.status == 200 and page.content_type == "text/html"
    assert "<svg" in await page.text() and "default-src 'none'" in page.headers["Content-Security-Policy"]
    bad = await client.get("/api/reports/insight", params={"days": "0"}, headers=auth())
    assert bad.status == 400 and (await bad.json())["field"] == "days"
    bad = await client.get("/api/reports/insight", params={"format": "pdf"}, headers=auth())
    assert bad.status == 400 and (await bad.json())["field"] == "format"
    _, token = await services.agents.add("alice", "Alice")
    refused = await client.get("/api/reports/insight", headers=auth(token))
    assert refused.status == 403 and (await refused.json())["error"] == "admin_token_required"
    assert (await client.get("/api/reports/insight")).status == 401


async def test_bench_insight_seeds_and_times(tmp_path: Path) -> None:
    notes: list[str] = []
    report = await run_insight_bench(tickets=200, messages=2000, progress=notes.append, repeat=1)
    body = report.as_dict()
    assert body["rows"]["tickets"] == 200 and body["rows"]["messages"] == 2000
    assert body["cold_ms"] > 0 and body["warm_ms"] > 0 and body["first_ms"] > 0 and body["target_ms"] == 10_000
    assert body["summary"]["tickets"] > 0 and body["summary"]["unanswered"] > 0
    assert "insight_report --days 30" in report.render_text() and any("seeding" in n for n in notes)
