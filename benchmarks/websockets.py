"""WebSocket figure: `python run_bot.py bench --websockets [N=5000] [--chatting M=200] [--json]`.

The service runs as its own process (`run_bot.py start --channels web`) on a temporary data dir
with the shipped knowledge base (knowledge/faq.json), as the other `bench` modes start it. From
this process, one aiohttp ClientSession opens N widget sessions the way the widget does
(`POST /api/widget/session`, then `/ws/chat?token=`, then the `history` frame), `OPEN_AT_ONCE`
at a time, and the server process's RSS is read before and after: the difference over N is the
memory of one idle session (target <= 40 KB).

Then, with all N sockets still open, M of them chat: each sends `ROUNDS` questions of the
shipped FAQ (one at a time, a client message id each, about `THINK` seconds apart, as a person
types) and times send -> the bot's reply (the first `role: "bot"` message after the server's
echo of that client id). Target p99 <= 150 ms.

Every socket keeps a reader task: aiohttp answers the server's heartbeat pings only while
somebody reads, and an unread socket would be dropped after a missed pong.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import resource
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from benchmarks.proc import MB, BenchError, Sampler, Server, _busy, _cpu, free_port
from benchmarks.runner import _bench_dir, _source_config, _write_config
from bot.config import REPO_ROOT, load_settings

Say = Callable[[str], None]

TARGET_KB_PER_SESSION = 40.0
TARGET_P99_MS = 150.0
OPEN_AT_ONCE = 200  # sessions being opened concurrently
PROGRESS_EVERY = 500  # sockets
ROUNDS = 5  # questions per chatting visitor
THINK = 2.0  # mean seconds between a reply and the visitor's next question (uniform 0.5x-1.5x)
REPLY_TIMEOUT = 30.0
WARMUP_VISITORS = 20  # chat once (loads the pipeline) and leave before the baseline is read
STARTUP_LIMIT = 180.0
FD_MARGIN = 200  # descriptors besides the sockets: the store, the log, the loop, the HTTP pool
SEED = 11
# The shipped FAQ lists "转人工" as a similar question, but the router hands that visitor to the
# queue (a ticket when nobody is online): later questions of theirs would time the queue, not the bot.
NOT_ASKED = frozenset({"转人工"})


def raise_nofile(need: int) -> int:
    """Raise this process's RLIMIT_NOFILE to the hard limit (the service, spawned from here,
    inherits it). Returns the soft limit; BenchError when even the hard limit is too small."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, need)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < need:
        raise BenchError(f"{need} descriptors needed for the sockets, but the open-files limit is {soft} "
                         f"(hard limit {hard}); raise it (ulimit -n) or open fewer --websockets")
    return soft


def faq_questions(faq_file: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(question, the FAQ's answers) for every question and similar question of the file."""
    raw = json.loads(faq_file.read_text(encoding="utf-8"))
    entries = (raw.get("faq") or raw.get("faqs") or []) if isinstance(raw, dict) else raw
    out: list[tuple[str, tuple[str, ...]]] = []
    for e in entries:
        answers = tuple(e["answers"].values()) if isinstance(e.get("answers"), dict) else (e.get("answer") or "",)
        for q in (e["question"], *e.get("similar_questions", ())):
            if q not in NOT_ASKED:
                out.append((q, tuple(a for a in answers if a)))
    random.Random(SEED).shuffle(out)
    return out


@dataclass
class Tally:
    opened: int = 0
    open_errors: int = 0
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    faq_answers: int = 0
    reply_errors: int = 0
    server_errors: int = 0  # `error` frames
    first_error: str | None = None

    def error(self, what: str) -> None:
        self.first_error = self.first_error or what


class Visitor:
    """One widget session: its socket and the reader that answers pings and catches replies."""

    __slots__ = ("_expect", "_pong", "_reply", "closed_code", "customer_id", "reader", "tally", "ws")

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.customer_id = ""
        self.closed_code: int | None = None
        self._expect: str | None = None  # the client id whose reply is awaited
        self._reply: asyncio.Future[tuple[float, dict[str, Any]]] | None = None
        self._pong: asyncio.Future[None] | None = None

    async def open(self, session: aiohttp.ClientSession, base: str, widget_id: str) -> None:
        async with session.post(base + "/api/widget/session", json={"widget_id": widget_id}) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200:
                raise BenchError(f"POST /api/widget/session: HTTP {resp.status}: {body}")
        self.customer_id = body["customer_id"]
        ws = await session.ws_connect(f"{base}/ws/chat?token={body['token']}", autoping=True)
        self.ws = ws
        first = await ws.receive(timeout=REPLY_TIMEOUT)  # the server's `state` frame: the session is accepted
        if first.type != aiohttp.WSMsgType.TEXT or json.loads(first.data).get("type") != "state":
            raise BenchError(f"/ws/chat: expected a state frame, got {first.type.name} {first.data!r} "
                             f"(close code {ws.close_code})")
        await ws.send_str('{"type":"history","after":0}')
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:  # pings are answered inside receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            kind = frame.get("type")
            if kind == "message":
                if frame.get("role") == "customer" and frame.get("id") == self._expect:
                    self._expect = None  # the echo: the next bot message is the reply
                elif (frame.get("role") == "bot" and self._expect is None and self._reply is not None
                      and not self._reply.done()):
                    self._reply.set_result((time.perf_counter(), frame))
            elif kind == "pong" and self._pong is not None and not self._pong.done():
                self._pong.set_result(None)
            elif kind == "error":
                self.tally.server_errors += 1
                self.tally.error(f"error frame: {frame.get('error')}: {frame.get('message')}")
        self.closed_code = self.ws.close_code

    @property
    def alive(self) -> bool:
        return self.ws is not None and not self.ws.closed

    async def ping(self) -> bool:
        """A `ping` frame answered by `pong`: the server still serves this socket."""
        if not self.alive:
            return False
        assert self.ws is not None
        self._pong = asyncio.get_running_loop().create_future()
        try:
            await self.ws.send_str('{"type":"ping"}')
            await asyncio.wait_for(self._pong, REPLY_TIMEOUT)
        except (TimeoutError, aiohttp.ClientError, ConnectionError):
            return False
        return True

    async def ask(self, text: str, client_id: str) -> tuple[float, dict[str, Any]]:
        """Seconds from sending the message to the first bot frame after its echo, and that frame."""
        assert self.ws is not None
        self._reply = asyncio.get_running_loop().create_future()
        self._expect = client_id
        started = time.perf_counter()
        await self.ws.send_str(json.dumps({"type": "message", "id": client_id, "text": text}, ensure_ascii=False))
        arrived, frame = await asyncio.wait_for(self._reply, REPLY_TIMEOUT)
        return arrived - started, frame

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


async def _open_all(session: aiohttp.ClientSession, base: str, widget_id: str, count: int, tally: Tally,
                    sampler: Sampler, say: Say) -> list[Visitor]:
    gate = asyncio.Semaphore(OPEN_AT_ONCE)
    visitors = [Visitor(tally) for _ in range(count)]
    started = time.perf_counter()

    async def one(v: Visitor) -> None:
        async with gate:
            try:
                await v.open(session, base, widget_id)
            except (BenchError, TimeoutError, aiohttp.ClientError, OSError, ValueError, KeyError) as exc:
                tally.open_errors += 1
                tally.error(f"open: {type(exc).__name__}: {exc}")
                return
        tally.opened += 1
        if tally.opened % PROGRESS_EVERY == 0:
            rate = tally.opened / (time.perf_counter() - started)
            say(f"{tally.opened:,}/{count:,} sockets open ({rate:,.0f}/s, server RSS {sampler.rss() / MB:.1f} MB)")

    await asyncio.gather(*(one(v) for v in visitors))
    return [v for v in visitors if v.alive]


async def _alive(visitors: list[Visitor]) -> int:
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def one(v: Visitor) -> bool:
        async with gate:
            return await v.ping()

    return sum(await asyncio.gather(*(one(v) for v in visitors)))


async def _settled_rss(sampler: Sampler, samples: int = 5) -> int:
    """The median of a few readings 200 ms apart, after the server had a moment to go idle."""
    await asyncio.sleep(1.0)
    readings = []
    for _ in range(samples):
        readings.append(sampler.rss())
        await asyncio.sleep(0.2)
    return int(statistics.median(readings))


async def _chat(chatters: list[Visitor], questions: list[tuple[str, tuple[str, ...]]], rounds: int, think: float,
                tally: Tally, say: Say) -> None:
    rng = random.Random(SEED)
    done = 0

    async def visitor(n: int, v: Visitor) -> None:
        nonlocal done
        await asyncio.sleep(rng.uniform(0, think))  # staggered, as people arrive
        for r in range(rounds):
            text, answers = questions[(n * rounds + r) % len(questions)]
            try:
                seconds, frame = await v.ask(text, f"c_{n}_{r}_{secrets.token_hex(4)}")
            except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
                tally.reply_errors += 1
                tally.error(f"reply: {type(exc).__name__}: {exc or 'no bot reply in time'}")
                continue
            tally.latencies.append(seconds)
            tally.answered += 1
            reply = frame.get("text") or ""
            tally.faq_answers += any(a in reply for a in answers)
            done += 1
            if done % PROGRESS_EVERY == 0:
                say(f"{done:,}/{len(chatters) * rounds:,} messages answered")
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    await asyncio.gather(*(visitor(n, v) for n, v in enumerate(chatters)))


class LoopLag:
    """How late this process's own event loop wakes up: a busy client inflates the round trips."""

    def __init__(self, every: float = 0.05) -> None:
        self.every = every
        self.lags: list[float] = []

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.every
            await asyncio.sleep(self.every)
            self.lags.append(max(0.0, loop.time() - due))


def _pct(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] * 1000, 1)


def _widget_id(config: Path) -> str:
    web = load_settings(config, {}).channels.web
    return web.widget_id or next(iter(web.widgets), None) or "bench"


async def run(
    sessions: int = 5000,
    chatting: int = 200,
    *,
    rounds: int = ROUNDS,
    think: float = THINK,
    settings_path: Path | None = None,
    progress: Say | None = None,
    workdir: Path | None = None,  # kept for inspection when given; else a temporary directory
) -> dict[str, Any]:
    say = progress or (lambda _msg: None)
    chatting = min(chatting, sessions)
    run_bot = REPO_ROOT / "run_bot.py"
    if not run_bot.is_file():
        raise BenchError(f"{run_bot} not found: bench runs from a source checkout")
    nofile = raise_nofile(sessions + WARMUP_VISITORS + FD_MARGIN)
    with ExitStack() as stack:
        root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bot-bench-ws-")))
        bench = _bench_dir(root)
        faq_file = bench / "faq.json"
        faq_file.write_bytes((REPO_ROOT / "knowledge" / "faq.json").read_bytes())
        questions = faq_questions(faq_file)
        config = _write_config(_source_config(settings_path), root, faq_file, bench / "data")
        widget_id = _widget_id(config)
        env = {k: v for k, v in os.environ.items() if k not in ("BOT_CONFIG", "BOT_DATA_DIR")}
        env["BOT_API_TOKEN"] = secrets.token_urlsafe(24)
        settings = load_settings(config, env)
        grace = settings.server.shutdown_timeout + 10
        port = free_port()
        cmd = [sys.executable, str(run_bot), "--config", str(config), "start", "--channels", "web"]
        cmd += ["--host", "127.0.0.1", "--port", str(port)]
        say(f"starting the service on the shipped knowledge base ({len(questions)} questions); "
            f"open-files limit {nofile}")
        service = await Server.start("service", cmd, port, bench / "service.log", env, root)
        tally = Tally()
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=None, connect=REPLY_TIMEOUT, sock_read=None)
        visitors: list[Visitor] = []
        try:
            startup = await service.wait_healthy(STARTUP_LIMIT, say)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                say(f"service healthy after {startup:.1f} s; warm-up with {WARMUP_VISITORS} visitors")
                warm_tally = Tally()
                warm = await _open_all(session, service.base_url, widget_id, WARMUP_VISITORS, warm_tally,
                                       service.sampler, say)
                if not warm:
                    raise BenchError(f"no widget session opened: {warm_tally.first_error}; log {service.log}")
                await _chat(warm, questions, 1, 0.0, warm_tally, say)
                await asyncio.gather(*(v.close() for v in warm))
                baseline = await _settled_rss(service.sampler)
                say(f"server RSS {baseline / MB:.1f} MB; opening {sessions:,} sessions, {OPEN_AT_ONCE} at a time")
                opened_at = time.perf_counter()
                visitors = await _open_all(session, service.base_url, widget_id, sessions, tally, service.sampler,
                                           say)
                open_seconds = time.perf_counter() - opened_at
                alive_after_open = await _alive(visitors)
                idle = await _settled_rss(service.sampler)
                per_session = (idle - baseline) / max(1, len(visitors)) / 1024
                say(f"{alive_after_open:,} sockets open and answering; server RSS {idle / MB:.1f} MB "
                    f"({per_session:.1f} KB a session)")
                chatters = visitors[:: max(1, len(visitors) // chatting)][:chatting] if chatting else []
                say(f"{len(chatters)} visitors chat, {rounds} questions each, ~{think:g} s apart")
                me, lag = psutil.Process(), LoopLag()
                lag_task = asyncio.create_task(lag.run())
                cpu0, me0, busy0 = service.sampler.cpu_seconds(), _cpu(me), _busy(psutil.cpu_times())
                chat_started = time.perf_counter()
                try:
                    await _chat(chatters, questions, rounds, think, tally, say)
                finally:
                    lag_task.cancel()
                chat_seconds = time.perf_counter() - chat_started
                chat_cpu = service.sampler.cpu_seconds() - cpu0
                client_cpu = _cpu(me) - me0
                # Other processes' share of the machine: on a shared box it makes the round trips pessimistic.
                background = max(0.0, _busy(psutil.cpu_times()) - busy0 - chat_cpu - client_cpu)
                after_chat = await _settled_rss(service.sampler, samples=3)
                still_open = await _alive(visitors)
                client_rss = psutil.Process().memory_info().rss
                say(f"closing {len(visitors):,} sockets")
                await _close_all(visitors)
        finally:
            say("stopping the service")
            exit_code = await service.stop(grace)

    ordered = sorted(tally.latencies)
    p99 = _pct(ordered, 0.99)
    cpus = psutil.cpu_count() or 1
    messages = len(chatters) * rounds
    return {
        "sessions": sessions,
        "opened": tally.opened,
        "open_errors": tally.open_errors,
        "open_seconds": round(open_seconds, 2),
        "opened_per_s": round(tally.opened / open_seconds, 1) if open_seconds else 0.0,
        "alive_after_open": alive_after_open,
        "rss_baseline_mb": round(baseline / MB, 1),
        "rss_idle_mb": round(idle / MB, 1),
        "rss_per_session_kb": round(per_session, 1),
        "rss_after_chat_mb": round(after_chat / MB, 1),
        "peak_rss_mb": round(service.sampler.peak_rss / MB, 1),
        "client_rss_mb": round(client_rss / MB, 1),
        "chatting": len(chatters),
        "rounds": rounds,
        "think_seconds": think,
        "messages": messages,
        "answered": tally.answered,
        "faq_answers": tally.faq_answers,
        "reply_errors": tally.reply_errors,
        "server_error_frames": tally.server_errors,
        "p50_ms": _pct(ordered, 0.50),
        "p95_ms": _pct(ordered, 0.95),
        "p99_ms": p99,
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0.0,
        "chat_seconds": round(chat_seconds, 1),
        "chat_msgs_per_s": round(tally.answered / chat_seconds, 1) if chat_seconds else 0.0,
        "server_cpu_chat": round(chat_cpu / chat_seconds, 3) if chat_seconds else 0.0,  # share of one core
        "client_cpu_chat": round(client_cpu / chat_seconds, 3) if chat_seconds else 0.0,
        "background_cpu": round(background / (chat_seconds * cpus), 3) if chat_seconds else 0.0,  # of the machine
        "client_loop_lag_p99_ms": _pct(sorted(lag.lags), 0.99),
        "still_open": still_open,
        "first_error": tally.first_error,
        "service_exit_code": exit_code,
        "startup_seconds": round(startup, 2),
        "cpus": cpus,
        "python": platform.python_version(),
        "targets": {"rss_per_session_kb": TARGET_KB_PER_SESSION, "p99_ms": TARGET_P99_MS},
        "meets_targets": {"rss_per_session": per_session <= TARGET_KB_PER_SESSION,
                          "p99": bool(ordered) and p99 <= TARGET_P99_MS},
    }


async def _close_all(visitors: list[Visitor]) -> None:
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def one(v: Visitor) -> None:
        async with gate:
            try:
                await asyncio.wait_for(v.close(), 10)
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                pass

    await asyncio.gather(*(one(v) for v in visitors))


def render(r: dict[str, Any]) -> str:
    def met(key: str) -> str:
        return "met" if r["meets_targets"][key] else "NOT met"

    lines = [
        f"bench --websockets: {r['sessions']:,} widget sessions, {r['chatting']} chatting "
        f"(Python {r['python']}, {r['cpus']} CPUs)",
        f"  sessions   opened {r['opened']:,} in {r['open_seconds']} s ({r['opened_per_s']:,.0f}/s), "
        f"errors {r['open_errors']}, answering a ping {r['alive_after_open']:,}, still open at the end "
        f"{r['still_open']:,}",
        f"  memory     server RSS {r['rss_baseline_mb']} MB -> {r['rss_idle_mb']} MB idle: "
        f"{r['rss_per_session_kb']} KB a session (target <= {TARGET_KB_PER_SESSION:.0f} KB: "
        f"{met('rss_per_session')}); after the chat {r['rss_after_chat_mb']} MB, peak {r['peak_rss_mb']} MB",
        f"  round trip {r['answered']}/{r['messages']} answered ({r['faq_answers']} with the FAQ's answer), "
        f"p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  p99 {r['p99_ms']} ms  max {r['max_ms']} ms "
        f"(target p99 <= {TARGET_P99_MS:.0f} ms: {met('p99')})",
        f"  chat       {r['rounds']} questions a visitor ~{r['think_seconds']:g} s apart: "
        f"{r['chat_msgs_per_s']} msg/s over {r['chat_seconds']} s, server CPU {r['server_cpu_chat']:.0%} of a core; "
        f"reply errors {r['reply_errors']}, error frames {r['server_error_frames']}",
        f"  cpu        during the chat: bench client {r['client_cpu_chat']:.0%} of a core (its loop p99 "
        f"{r['client_loop_lag_p99_ms']} ms late), other processes {r['background_cpu']:.0%} of the machine",
        f"  service exit code {'killed' if r['service_exit_code'] is None else r['service_exit_code']}",
    ]
    if r["first_error"]:
        lines.append(f"  first error: {r['first_error']}")
    if r["background_cpu"] > 0.2:
        lines.append("  note: other processes kept the machine busy during the chat; the round trips are pessimistic")
    return "\n".join(lines)
