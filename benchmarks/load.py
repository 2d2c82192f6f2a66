"""The two helper processes of `bench`: the HTTP load generator and the bare aiohttp echo server.

    python -m benchmarks.load load --url URL --bodies FILE --warmup N --concurrency C [--token T]
    python -m benchmarks.load echo --host 127.0.0.1 --port P

They run as their own processes so neither competes with the measured server for its event loop
or its GIL. The load generator keeps one keep-alive `ClientSession` with `limit=concurrency`
connections and pre-encoded bodies; it prints `warmup-done` when the warm-up messages are answered
(the parent starts its CPU clocks there), then one JSON line with the measured figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

WARMUP_DONE = "warmup-done"
PROGRESS = "progress"
PROGRESS_EVERY = 5.0  # seconds


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    done: int = 0
    first_error: str | None = None

    def error(self, what: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or what


async def _drive(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    bodies: Sequence[bytes],
    concurrency: int,
    tally: _Tally,
) -> _Tally:
    # One shared iterator: each worker takes the next body; no await between check and take.
    pending = iter(bodies)

    async def worker() -> None:
        for body in pending:
            tally.done += 1
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    payload = await resp.read()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                tally.error(f"{type(exc).__name__}: {exc}")
                continue
            tally.latencies.append(time.perf_counter() - started)
            tally.statuses[status] += 1
            if status != 200:
                tally.error(f"HTTP {status}: {payload[:200].decode('utf-8', 'replace')}")
            elif b'"route"' in payload:
                tally.routes[json.loads(payload)["route"]] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally


async def _report_progress(tally: _Tally, count: int) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        print(f"{PROGRESS} {tally.done}/{count}", flush=True)


def _percentile(ordered: Sequence[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def run_load(
    url: str, bodies: Sequence[bytes], warmup: int, concurrency: int, token: str | None
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        if warmup:
            await _drive(session, url, headers, bodies[:warmup], concurrency, _Tally())
        print(WARMUP_DONE, flush=True)
        tally = _Tally()
        reporter = asyncio.create_task(_report_progress(tally, len(bodies) - warmup))
        cpu0, started = time.process_time(), time.perf_counter()
        await _drive(session, url, headers, bodies[warmup:], concurrency, tally)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu0
        reporter.cancel()
    ordered = sorted(tally.latencies)
    count = len(bodies) - warmup
    ok = count - tally.errors
    return {
        "count": count,
        "ok": ok,
        "errors": tally.errors,
        "first_error": tally.first_error,
        "seconds": seconds,
        "msgs_per_s": ok / seconds if seconds > 0 else 0.0,
        "p50_ms": _percentile(ordered, 0.50) * 1000,
        "p95_ms": _percentile(ordered, 0.95) * 1000,
        "p99_ms": _percentile(ordered, 0.99) * 1000,
        "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "routes": dict(sorted(tally.routes.items())),
        "cpu_share": cpu / seconds if seconds > 0 else 0.0,  # 1.0 = one core busy the whole time
    }


def echo_app() -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        # Parse and re-serialise, like the service's own minimum work per message.
        return web.json_response(await request.json())

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/message", echo)
    app.router.add_get("/healthz", healthz)
    return app


def _install_uvloop() -> None:
    # The generator is ours, not the thing measured: the fastest loop keeps it off the critical path.
    try:
        import uvloop
    except ImportError:
        return
    uvloop.install()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    sub = parser.add_subparsers(dest="mode", required=True)
    load = sub.add_parser("load")
    load.add_argument("--url", required=True)
    load.add_argument("--bodies", required=True, type=Path, help="one JSON request body per line")
    load.add_argument("--warmup", type=int, default=0)
    load.add_argument("--concurrency", type=int, default=64)
    load.add_argument("--token")
    echo = sub.add_parser("echo")
    echo.add_argument("--host", default="127.0.0.1")
    echo.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.mode == "echo":
        # run_app handles SIGTERM/SIGINT with a graceful shutdown and returns normally (exit 0).
        web.run_app(echo_app(), host=args.host, port=args.port, print=None, access_log=None)
        return 0
    bodies = [line for line in args.bodies.read_bytes().splitlines() if line.strip()]
    _install_uvloop()
    result = asyncio.run(run_load(args.url, bodies, args.warmup, args.concurrency, args.token))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
