"""Process plumbing for `bench`: start a server process, wait for /healthz, sample its RSS and CPU,
drive it with the load-generator process, stop it with SIGTERM. No measuring policy lives here.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from benchmarks.load import PROGRESS, WARMUP_DONE

Say = Callable[[str], None]
MB = 1024 * 1024


class BenchError(RuntimeError):
    """The benchmark could not run (a server did not start, the load generator failed)."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class Sampler:
    """Polls a process tree's RSS every 100 ms; CPU seconds are read on demand."""

    def __init__(self, pid: int) -> None:
        self._proc = psutil.Process(pid)
        self.peak_rss = 0

    def rss(self) -> int:
        try:
            total = self._proc.memory_info().rss
            for child in self._proc.children(recursive=True):
                total += child.memory_info().rss
        except psutil.Error:  # exiting; keep the peak seen so far
            return 0
        self.peak_rss = max(self.peak_rss, total)
        return total

    def cpu_seconds(self) -> float:
        try:
            t = self._proc.cpu_times()
        except psutil.Error:
            return 0.0
        return t.user + t.system

    async def run(self) -> None:
        while True:
            self.rss()
            await asyncio.sleep(0.1)


@dataclass
class Server:
    name: str
    proc: asyncio.subprocess.Process
    base_url: str
    log: Path
    sampler: Sampler
    _task: asyncio.Task[None]

    @classmethod
    async def start(cls, name: str, cmd: Sequence[str], port: int, log: Path, env: dict[str, str], cwd: Path) -> Server:
        with log.open("wb") as fh:  # the child keeps its own descriptor
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdin=asyncio.subprocess.DEVNULL, stdout=fh, stderr=fh, env=env, cwd=cwd
            )
        sampler = Sampler(proc.pid)
        task = asyncio.create_task(sampler.run())
        return cls(name, proc, f"http://127.0.0.1:{port}", log, sampler, task)

    async def wait_healthy(self, limit: float, say: Say) -> float:
        """Seconds until GET /healthz answers 200; raises BenchError with the log tail otherwise."""
        started = time.monotonic()
        next_note = 5.0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while True:
                elapsed = time.monotonic() - started
                if self.proc.returncode is not None:
                    raise BenchError(
                        f"{self.name} exited with code {self.proc.returncode} while starting; "
                        f"log {self.log}:\n{log_tail(self.log)}"
                    )
                try:
                    async with session.get(self.base_url + "/healthz") as resp:
                        if resp.status == 200:
                            return elapsed
                except (aiohttp.ClientError, OSError, TimeoutError):
                    pass
                if elapsed > limit:
                    tail = log_tail(self.log)
                    raise BenchError(f"{self.name} not healthy after {limit:.0f} s; log {self.log}:\n{tail}")
                if elapsed >= next_note:
                    say(f"{self.name} starting... {elapsed:.0f} s (RSS {self.sampler.rss() / MB:.0f} MB)")
                    next_note += 5.0
                await asyncio.sleep(0.2)

    async def stop(self, grace: float) -> int | None:
        """SIGTERM, then wait; a server that does not exit in time is killed and None returned."""
        self._task.cancel()
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            return None


@dataclass(frozen=True)
class CpuWindow:
    server: float  # share of one core used by the server during the measured window
    background: float  # share of the whole machine used by processes other than ours


async def drive(
    server: Server, bodies: Path, warmup: int, concurrency: int, token: str | None, cwd: Path, say: Say
) -> tuple[dict[str, Any], CpuWindow]:
    """Run the load generator against `server`; CPU clocks start when its warm-up is done."""
    cmd = [sys.executable, "-m", "benchmarks.load", "load", "--url", server.base_url + "/api/message"]
    cmd += ["--bodies", str(bodies), "--warmup", str(warmup), "--concurrency", str(concurrency)]
    if token:
        cmd += ["--token", token]
    err_log = server.log.with_suffix(".load.log")
    with err_log.open("wb") as err:
        gen = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE, stderr=err, cwd=cwd)
    assert gen.stdout is not None
    me = psutil.Process()
    clocks: tuple[float, float, Any, float] | None = None
    last = ""
    while line := (await gen.stdout.readline()).decode().strip():
        if line == WARMUP_DONE:
            say(f"{server.name}: warm-up done, measuring")
            clocks = (server.sampler.cpu_seconds(), _cpu(me), psutil.cpu_times(), time.monotonic())
        elif line.startswith(PROGRESS):
            say(f"{server.name}: {line.split()[-1]} messages sent")
        last = line
    end = (server.sampler.cpu_seconds(), _cpu(me), psutil.cpu_times(), time.monotonic())
    await gen.wait()
    if clocks is None or gen.returncode != 0 or not last.startswith("{"):
        raise BenchError(f"load generator failed (exit {gen.returncode}); log {err_log}:\n{log_tail(err_log)}")
    server_cpu0, me0, system0, t0 = clocks
    server_cpu1, me1, system1, t1 = end
    wall = t1 - t0
    result: dict[str, Any] = json.loads(last)
    # Whatever the machine did besides the server, the generator and this process: other users'
    # jobs on a shared box make every figure pessimistic, so the report says how much there was.
    server_used = server_cpu1 - server_cpu0
    generator_used = result["cpu_share"] * result["seconds"]
    background = max(0.0, _busy(system1) - _busy(system0) - server_used - generator_used - (me1 - me0))
    cpus = psutil.cpu_count() or 1
    return result, CpuWindow(server_used / wall if wall else 0.0, background / (wall * cpus) if wall else 0.0)


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def _busy(t: Any) -> float:
    return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))
