"""`bench`: throughput and latency of POST /api/message against a bare aiohttp echo server.

The service runs as its own process (`run_bot.py start`) on a temporary data dir with a
synthetic knowledge base (`bench_kb`); the load comes from another process (`bench_load`) so the
generator never shares the service's GIL. The echo server gets the same load, and the ratio of
the two throughputs is the figure that travels between machines.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil
import yaml

from benchmarks.kb_data import generate_faqs, generate_messages
from benchmarks.proc import MB, BenchError, Server, drive, free_port
from benchmarks.report import TARGET_P99_MS, TARGET_RATIO, BenchReport, notes
from bot.config import DEFAULT_CONFIG, REPO_ROOT, load_settings

__all__ = ["BenchError", "BenchReport", "run_bench"]

STARTUP_LIMIT = 180.0  # seconds; the first start embeds the whole knowledge base
SEED = 7


def _source_config(settings_path: Path | None) -> Path | None:
    path = settings_path or (Path(os.environ["BOT_CONFIG"]) if os.environ.get("BOT_CONFIG") else DEFAULT_CONFIG)
    return path if settings_path or path.is_file() else None


def _write_config(src: Path | None, root: Path, faq_file: Path, data_dir: Path) -> Path:
    """A copy of the config that keeps its tuning but cannot touch anything outside the bench.

    Storage is embedded SQLite/Chroma in the bench's data dir, LLM replies and notifications are
    off (they would measure a provider, cost money and page people), and `start --channels api`
    keeps platform connectors offline. Relative paths and the shipped models under knowledge/
    resolve against the config's project root, so the copy lives in <root>/config/ and the
    original root's entries are symlinked into <root>.
    """
    raw: dict[str, Any] = {}
    src_root = REPO_ROOT
    if src is not None:
        src_root = load_settings(src).root  # a bad config fails here with the key path, not in the child
        raw = yaml.safe_load(src.read_text(encoding="utf-8")) or {}
    sections = {key: dict(raw.get(key) or {}) for key in ("storage", "knowledge_base", "ai")}
    storage_dir = Path(str(sections["storage"].get("data_dir") or "data")).parts[:1]
    for entry in src_root.iterdir():
        if entry.name.startswith(".") or entry.name in ("config", "bench", *storage_dir):
            continue
        (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    raw.update(sections)
    raw["storage"] = {"backend": "sqlite", "data_dir": str(data_dir), "chroma": {"mode": "embedded"}}
    raw["knowledge_base"]["faq_file"] = str(faq_file)
    raw["ai"]["provider"] = "none"
    raw["notifications"] = {"feishu_webhook": None, "email": {"enabled": False}}
    (root / "config").mkdir()
    path = root / "config" / "service.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def channel_project(root: Path, settings_path: Path | None, channel: str,
                    channel_settings: dict[str, Any]) -> tuple[Path, Path, Path]:
    """A bench project on the shipped FAQ file with `channels.<channel>` set (pointing at a fake):
    (the bench dir, its config, its FAQ file)."""
    bench = _bench_dir(root)
    faq_file = bench / "faq.json"
    faq_file.write_bytes((REPO_ROOT / "knowledge" / "faq.json").read_bytes())
    config = _write_config(_source_config(settings_path), root, faq_file, bench / "data")
    raw = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    raw["channels"] = {**(raw.get("channels") or {}), channel: channel_settings}
    config.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return bench, config, faq_file


def _bench_dir(root: Path) -> Path:
    if root.exists() and any(root.iterdir()):
        raise BenchError(f"{root}: the bench work directory must be empty")
    (root / "bench").mkdir(parents=True)
    return root / "bench"


def _write_inputs(bench: Path, kb_size: int, warmup: int, messages: int, customers: int) -> tuple[Path, Path]:
    faqs = generate_faqs(kb_size, SEED)
    faq_file = bench / "faq.json"
    faq_file.write_text(json.dumps({"faq": [f.entry for f in faqs]}, ensure_ascii=False), encoding="utf-8")
    lines = [
        json.dumps({"channel": "api", "customer_id": f"bench-{i % customers}", "message": text}, ensure_ascii=False)
        for i, text in enumerate(generate_messages(faqs, warmup + messages, SEED))
    ]
    bodies = bench / "bodies.jsonl"
    bodies.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return faq_file, bodies


async def run_bench(
    settings_path: Path | None,
    *,
    messages: int = 5000,
    concurrency: int = 64,
    kb_size: int = 10_000,
    progress: Callable[[str], None] | None = None,
    workdir: Path | None = None,  # kept for inspection when given; else a temporary directory
) -> BenchReport:
    say = progress or (lambda _msg: None)
    run_bot = REPO_ROOT / "run_bot.py"
    if not run_bot.is_file():
        raise BenchError(f"{run_bot} not found: bench runs from a source checkout")
    with ExitStack() as stack:
        root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bot-bench-")))
        bench = _bench_dir(root)
        warmup = max(1, messages // 20)
        say(f"generating {kb_size:,} FAQ entries and {warmup + messages:,} messages")
        # Short sessions (~4 messages per customer), as on a real site: one customer asking 20 questions
        # would soon be handed to a human and the run would measure relaying instead of answering.
        # Messages of one customer are `customers` apart, so they rarely wait on each other's lock.
        customers = max(concurrency * 4, (warmup + messages) // 4)
        faq_file, bodies = _write_inputs(bench, kb_size, warmup, messages, customers)
        config = _write_config(_source_config(settings_path), root, faq_file, bench / "data")
        token = secrets.token_urlsafe(24)
        env = {k: v for k, v in os.environ.items() if k not in ("BOT_CONFIG", "BOT_DATA_DIR")}
        env["BOT_API_TOKEN"] = token
        grace = load_settings(config, env).server.shutdown_timeout + 10

        port = free_port()
        cmd = [sys.executable, str(run_bot), "--config", str(config), "start", "--channels", "api"]
        cmd += ["--host", "127.0.0.1", "--port", str(port)]
        say(f"starting the service (the first start embeds {kb_size:,} FAQs)")
        service = await Server.start("service", cmd, port, bench / "service.log", env, root)
        try:
            startup = await service.wait_healthy(STARTUP_LIMIT, say)
            startup_rss = service.sampler.rss()
            say(f"service healthy after {startup:.1f} s; warm-up with {warmup} messages")
            svc, svc_cpu = await drive(service, bodies, warmup, concurrency, token, REPO_ROOT, say)
        finally:
            say("stopping the service")
            exit_code = await service.stop(grace)

        port = free_port()
        echo_cmd = [sys.executable, "-m", "benchmarks.load", "echo", "--host", "127.0.0.1", "--port", str(port)]
        echo_server = await Server.start("echo server", echo_cmd, port, bench / "echo.log", env, REPO_ROOT)
        try:
            await echo_server.wait_healthy(30, say)
            say(f"echo server: warm-up with {warmup} messages")
            echo, _ = await drive(echo_server, bodies, warmup, concurrency, None, REPO_ROOT, say)
        finally:
            await echo_server.stop(10)

    ratio = svc["msgs_per_s"] / echo["msgs_per_s"] if echo["msgs_per_s"] else 0.0
    return BenchReport(
        messages=messages,
        concurrency=concurrency,
        kb_size=kb_size,
        msgs_per_s=round(svc["msgs_per_s"], 1),
        echo_msgs_per_s=round(echo["msgs_per_s"], 1),
        ratio=round(ratio, 4),
        p50_ms=round(svc["p50_ms"], 2),
        p95_ms=round(svc["p95_ms"], 2),
        p99_ms=round(svc["p99_ms"], 2),
        echo_p50_ms=round(echo["p50_ms"], 2),
        echo_p99_ms=round(echo["p99_ms"], 2),
        errors=svc["errors"],
        echo_errors=echo["errors"],
        startup_seconds=round(startup, 2),
        startup_rss_mb=round(startup_rss / MB, 1),
        peak_rss_mb=round(service.sampler.peak_rss / MB, 1),
        routes=svc["routes"],
        service_exit_code=exit_code,
        service_cpu=round(svc_cpu.server, 3),
        generator_cpu=round(svc["cpu_share"], 3),
        echo_generator_cpu=round(echo["cpu_share"], 3),
        background_cpu=round(svc_cpu.background, 3),
        cpus=psutil.cpu_count() or 1,
        python=platform.python_version(),
        first_error=svc["first_error"],
        note=notes(svc_cpu, svc, echo, exit_code),
        meets_targets={"ratio": ratio >= TARGET_RATIO, "p99": svc["p99_ms"] <= TARGET_P99_MS},
    )
