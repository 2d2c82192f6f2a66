"""Telegram polling figure: `python run_bot.py bench --telegram [--updates 1000] [--chats 50] [--json]`.

The service runs as its own process (`run_bot.py start --channels telegram`, mode polling) on a
temporary data dir with the shipped knowledge base, its `channels.telegram.api_base_url` pointing
at the fake Bot API (benchmarks/fakes/telegram_bot_api.py) that this process runs on 127.0.0.1.
Once the service is healthy and has answered a warm-up chat, the fake queues N text updates
across C private chats at once (update ids interleaved across chats, as Telegram numbers them);
the service fetches them by getUpdates and answers each by sendMessage.

Each chat asks FAQ questions in a known sequence, consecutive ones with different answers, so
the fake's record of sendMessage per chat shows the order: chat i's k-th answer must be the
answer to its k-th question. Reported: the elapsed time from queueing to the last answer,
answers per update (target: exactly one each), and the chats whose order was kept (target: all).
"""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil

from benchmarks.fakes.telegram_bot_api import FakeBotApi
from benchmarks.proc import BenchError, Server, _busy, _cpu, free_port
from benchmarks.runner import channel_project
from benchmarks.websockets import faq_questions
from bot.config import REPO_ROOT, load_settings

Say = Callable[[str], None]

STARTUP_LIMIT = 180.0
ANSWER_LIMIT = 300.0  # seconds for all answers before the bench gives up waiting
SETTLE = 2.0  # seconds without a new sendMessage before the answers are counted
FIRST_CHAT = 610_000_001
WARMUP_CHAT = 600_000_001  # calibration chats count up from here


def update(update_id: int, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Customer", "language_code": "zh-hans"}
    return {"update_id": update_id, "message": {
        "message_id": message_id, "from": user, "chat": {"id": chat_id, "first_name": "Customer", "type": "private"},
        "date": int(time.time()), "text": text}}


def _sequences(updates: int, chats: int, questions: list[tuple[str, tuple[str, ...]]],
               ) -> dict[int, list[tuple[str, str]]]:
    """chat id -> its (question, expected answer) in the order asked; neighbours differ."""
    usable = [(q, a[0]) for q, a in questions if a]
    if len({a for _, a in usable}) < 2:
        raise BenchError("the knowledge base needs two questions with different answers")
    out: dict[int, list[tuple[str, str]]] = {FIRST_CHAT + c: [] for c in range(chats)}
    for i in range(updates):
        chat = FIRST_CHAT + i % chats
        seq = out[chat]
        j = (i // chats + (i % chats) * 7) % len(usable)
        while seq and usable[j][1] == seq[-1][1]:
            j = (j + 1) % len(usable)
        seq.append(usable[j])
    return out


def _answer_of(expected: str, text: str) -> bool:
    return bool(expected) and expected[:30] in text


async def _quiet(fake: FakeBotApi, done: Callable[[], bool], limit: float) -> bool:
    """Waits for `done()` (or the limit), then until no sendMessage came for SETTLE seconds."""
    try:
        await fake.wait_for(done, limit)  # re-checked on every call the fake answers
    except TimeoutError:
        pass
    finished = done()
    seen, quiet_since = len(fake.calls_to("sendMessage")), time.perf_counter()
    while time.perf_counter() - quiet_since < SETTLE:
        await asyncio.sleep(0.1)
        if (n := len(fake.calls_to("sendMessage"))) != seen:
            seen, quiet_since = n, time.perf_counter()
    return finished


async def _stored_in_order(settings: Any, plan: dict[int, list[tuple[str, str]]]) -> int:
    """Chats whose stored transcript has every question followed by its own answer, in the order
    asked (read from the bench's store once the service is gone)."""
    from bot.channels.telegram.translate import customer_id
    from bot.store.factory import open_store

    store = await open_store(settings)
    ok = 0
    try:
        for chat, seq in plan.items():
            conv = await store.conversations.latest_for(customer_id(chat), "telegram")
            if conv is None:
                continue
            msgs = await store.messages.messages(conv.id, limit=4 * len(seq) + 10)
            pairs, asked = [], None
            for m in msgs:
                if m.direction == "in":
                    asked = m.text
                elif asked is not None and m.sender == "bot":
                    pairs.append((asked, m.text))
                    asked = None
            ok += len(pairs) == len(seq) and all(q == q2 and _answer_of(a, t)
                                                 for (q, a), (q2, t) in zip(seq, pairs, strict=True))
    finally:
        await store.close()
    return ok


async def _calibrate(fake: FakeBotApi, questions: list[tuple[str, tuple[str, ...]]],
                     ) -> list[tuple[str, tuple[str, ...]]]:
    """The questions a fresh chat gets exactly one message for, the FAQ's answer: an answer that
    comes with an offer ("Shall I start a refund?") starts a flow that changes the next answers."""
    for j, (q, _) in enumerate(questions):
        fake.queue(update(1 + j, WARMUP_CHAT + j, 1, q))
    chats = range(WARMUP_CHAT, WARMUP_CHAT + len(questions))
    await _quiet(fake, lambda: all(fake.sent(c) for c in chats), 120.0)
    kept = []
    for j, (q, answers) in enumerate(questions):
        sent = fake.sent(WARMUP_CHAT + j)
        if len(sent) == 1 and answers and _answer_of(answers[0], str(sent[0].get("text", ""))):
            kept.append((q, answers))
    return kept


async def run(
    updates: int = 1000,
    chats: int = 50,
    *,
    settings_path: Path | None = None,
    progress: Say | None = None,
    workdir: Path | None = None,
) -> dict[str, Any]:
    say = progress or (lambda _msg: None)
    chats = max(1, min(chats, updates))
    run_bot = REPO_ROOT / "run_bot.py"
    if not run_bot.is_file():
        raise BenchError(f"{run_bot} not found: bench runs from a source checkout")
    fake = await FakeBotApi().start()
    with ExitStack() as stack:
        root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bot-bench-tg-")))
        bench, config, faq_file = channel_project(root, settings_path, "telegram", {
            "enabled": True, "token": fake.token, "mode": "polling", "api_base_url": fake.base_url})
        questions = faq_questions(faq_file)
        env = {k: v for k, v in os.environ.items() if k not in ("BOT_CONFIG", "BOT_DATA_DIR")}
        env["BOT_API_TOKEN"] = secrets.token_urlsafe(24)
        grace = load_settings(config, env).server.shutdown_timeout + 10
        port = free_port()
        cmd = [sys.executable, str(run_bot), "--config", str(config), "start", "--channels", "telegram"]
        cmd += ["--host", "127.0.0.1", "--port", str(port)]
        say(f"fake Bot API on {fake.base_url}; starting the service (channels.telegram, polling) on port {port}")
        service = await Server.start("service", cmd, port, bench / "service.log", env, root)
        try:
            startup = await service.wait_healthy(STARTUP_LIMIT, say)
            say(f"service healthy after {startup:.1f} s; warm-up: each of {len(questions)} questions in a chat "
                "of its own")
            questions = await _calibrate(fake, questions)
            if not questions:
                raise BenchError(f"no question got its FAQ answer as the one reply; log {service.log}")
            say(f"{len(questions)} questions get exactly one answer, their FAQ's (the others start a flow)")
            plan = _sequences(updates, chats, questions)
            # update ids interleave the chats, as Telegram numbers one bot's updates
            counters = {chat: 0 for chat in plan}
            queued = []
            for i in range(updates):
                chat = FIRST_CHAT + i % chats
                k = counters[chat]
                counters[chat] += 1
                queued.append(update(10_000 + i, chat, 10 + k, plan[chat][k][0]))
            me = psutil.Process()
            cpu0, me0, busy0 = service.sampler.cpu_seconds(), _cpu(me), _busy(psutil.cpu_times())
            started = time.perf_counter()
            for u in queued:
                fake.queue(u)
            say(f"{updates} updates queued across {chats} chats")
            last_note = [started]
            want = set(plan)

            def answered() -> int:
                return sum(1 for c in fake.sent() if c.get("chat_id") in want)

            def done() -> bool:
                n = answered()
                if time.perf_counter() - last_note[0] >= 2.0:
                    say(f"{n}/{updates} answered")
                    last_note[0] = time.perf_counter()
                return n >= updates

            finished = await _quiet(fake, done, ANSWER_LIMIT)
            sends = [c for c in fake.calls_to("sendMessage") if c.status == 200 and c.params.get("chat_id") in want]
            elapsed = (max(c_at for c_at in _times(fake, want)) - started) if sends else 0.0
            server_cpu = service.sampler.cpu_seconds() - cpu0
            client_cpu = _cpu(me) - me0
            wall = time.perf_counter() - started
            background = max(0.0, _busy(psutil.cpu_times()) - busy0 - server_cpu - client_cpu)
        finally:
            say("stopping the service")
            exit_code = await service.stop(grace)
            await fake.close()
        stored_ok = await _stored_in_order(load_settings(config, env), plan) if exit_code is not None else None
    per_chat_ok, one_each, first_problem = 0, 0, None
    for chat, seq in plan.items():
        texts = [str(p.get("text", "")) for p in fake.sent(chat)]
        if len(texts) == len(seq):
            one_each += 1
        in_order = len(texts) == len(seq) and all(_answer_of(a, t) for (_, a), t in zip(seq, texts, strict=True))
        per_chat_ok += in_order
        if not in_order and first_problem is None:
            if len(texts) != len(seq):
                first_problem = f"chat {chat}: {len(texts)} answers to {len(seq)} updates"
            else:
                k = next(i for i, ((_, a), t) in enumerate(zip(seq, texts, strict=True)) if not _answer_of(a, t))
                first_problem = (f"chat {chat}: answer {k + 1} of {len(seq)} to {seq[k][0]!r} was {texts[k][:60]!r}, "
                                 f"expected {seq[k][1][:30]!r}")
    cpus = psutil.cpu_count() or 1
    answers = len(sends)
    return {
        "updates": updates,
        "chats": chats,
        "answers": answers,
        "answers_per_update": round(answers / updates, 3) if updates else 0.0,
        "chats_one_answer_each": one_each,
        "chats_in_order": per_chat_ok,  # by the order of sendMessage on the fake
        "chats_stored_in_order": stored_ok,  # the transcript: each question followed by its answer
        "all_answered_in_time": finished,
        "elapsed_seconds": round(elapsed, 2),
        "updates_per_s": round(updates / elapsed, 1) if elapsed else 0.0,
        "get_updates_calls": len(fake.calls_to("getUpdates")),
        "first_problem": first_problem,
        "server_cpu": round(server_cpu / wall, 3) if wall else 0.0,
        "client_cpu": round(client_cpu / wall, 3) if wall else 0.0,
        "background_cpu": round(background / (wall * cpus), 3) if wall else 0.0,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "service_exit_code": exit_code,
        "startup_seconds": round(startup, 2),
        "cpus": cpus,
        "python": platform.python_version(),
        "meets_targets": {"one_answer_each": answers == updates and one_each == len(plan),
                          "order": per_chat_ok == len(plan)},
    }


def _times(fake: FakeBotApi, chats: set[int]) -> list[float]:
    return [c.answered_at for c in fake.calls_to("sendMessage")
            if c.status == 200 and c.params.get("chat_id") in chats and c.answered_at is not None]


def render(r: dict[str, Any]) -> str:
    def met(key: str) -> str:
        return "met" if r["meets_targets"][key] else "NOT met"

    lines = [
        f"bench --telegram: {r['updates']:,} queued updates across {r['chats']} chats, polling "
        f"(Python {r['python']}, {r['cpus']} CPUs, load average {r['load_average'][0]})",
        f"  elapsed    {r['elapsed_seconds']} s from queueing to the last answer ({r['updates_per_s']} updates/s, "
        f"{r['get_updates_calls']} getUpdates calls)",
        f"  answers    {r['answers']} for {r['updates']} updates ({r['answers_per_update']} each; chats with one "
        f"answer per update {r['chats_one_answer_each']}/{r['chats']}: {met('one_answer_each')})",
        f"  order      chats whose answers came in the order asked {r['chats_in_order']}/{r['chats']}: {met('order')}; "
        f"stored transcripts in order {r['chats_stored_in_order']}/{r['chats']}",
        f"  cpu        server {r['server_cpu']:.0%} of a core, bench {r['client_cpu']:.0%}, other processes "
        f"{r['background_cpu']:.0%} of the machine",
        f"  service exit code {'killed' if r['service_exit_code'] is None else r['service_exit_code']}",
    ]
    if r["first_problem"]:
        lines.append(f"  first problem: {r['first_problem']}")
    return "\n".join(lines)
