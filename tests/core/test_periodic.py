"""The background jobs' loop keeps going after a failing round."""

from __future__ import annotations

import asyncio
import contextlib

from bot.core.periodic import every


async def test_a_failing_round_does_not_stop_the_job() -> None:
    rounds: list[int] = []

    async def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("the store was busy")

    job = asyncio.create_task(every(0.01, work, failed="test_job_failed"))
    for _ in range(200):
        if len(rounds) >= 3:
            break
        await asyncio.sleep(0.01)
    job.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await job
    assert len(rounds) >= 3  # the first raised, the next ones still ran


async def test_wait_first_runs_nothing_before_the_first_interval() -> None:
    rounds: list[int] = []

    async def work() -> None:
        rounds.append(1)

    job = asyncio.create_task(every(10.0, work, failed="test_job_failed", wait_first=True))
    await asyncio.sleep(0.05)
    job.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await job
    assert rounds == []
